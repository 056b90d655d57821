package cimport

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/hvgen/hvgen/spec"
)

// Merge joins the imports of the same headers for several architectures
// (spec.Arches order): a type or constant that comes out alike on all of
// them is one item; one that differs, or exists on some only, becomes one
// item per architecture with arch set. Statuses and call codes have no
// per-architecture form in the registry: one defined on some architectures
// only is kept with a note saying which, and one whose value differs is left
// out and reported.
func Merge(byArch map[string]*Result) *Result {
	var arches []string
	for _, a := range spec.Arches {
		if byArch[a] != nil {
			arches = append(arches, a)
		}
	}
	out := &Result{Layout: map[string]map[string]*CLayout{}}
	for _, a := range arches {
		out.Layout[a] = byArch[a].Layout[a]
		for _, p := range byArch[a].Skipped {
			if !slices.Contains(out.Skipped, p) {
				out.Skipped = append(out.Skipped, p)
			}
		}
	}
	// Types, in first-seen order.
	var order []string
	per := map[string]map[string]*spec.Type{}
	for _, a := range arches {
		for _, t := range byArch[a].Types {
			if per[t.Name] == nil {
				per[t.Name] = map[string]*spec.Type{}
				order = append(order, t.Name)
			}
			per[t.Name][a] = t
		}
	}
	for _, name := range order {
		variants := per[name]
		if t, ok := same(variants, arches, typeKey); ok {
			out.Types = append(out.Types, t)
			continue
		}
		for _, a := range arches {
			if t := variants[a]; t != nil {
				c := *t
				c.Arch = []string{a}
				out.Types = append(out.Types, &c)
			}
		}
	}
	out.Constants = mergeConstants(arches, byArch)
	out.Statuses = mergeItems(arches, byArch, func(r *Result) []*spec.Status { return r.Statuses },
		func(s *spec.Status) *spec.Item { return &s.Item }, func(s *spec.Status) string { return valueKey(s.Value) }, &out.Skipped)
	out.Ioctls = mergeIoctls(arches, byArch)
	out.Hypercalls = mergeItems(arches, byArch, func(r *Result) []*spec.Hypercall { return r.Hypercalls },
		func(h *spec.Hypercall) *spec.Item { return &h.Item }, func(h *spec.Hypercall) string { return fmt.Sprint(h.Code, h.Input, h.Output) }, &out.Skipped)
	out.SortSkipped()
	return out
}

// mergeConstants gives a constant one item per architecture where the
// architectures define it differently or not at all.
func mergeConstants(arches []string, byArch map[string]*Result) []*spec.Constant {
	var order []string
	per := map[string]map[string]*spec.Constant{}
	for _, a := range arches {
		for _, c := range byArch[a].Constants {
			if per[c.Name] == nil {
				per[c.Name] = map[string]*spec.Constant{}
				order = append(order, c.Name)
			}
			per[c.Name][a] = c
		}
	}
	var out []*spec.Constant
	for _, n := range order {
		if c, ok := same(per[n], arches, func(c *spec.Constant) []byte { return []byte(valueKey(c.Value) + " " + c.Type) }); ok {
			out = append(out, c)
			continue
		}
		for _, a := range arches {
			if c := per[n][a]; c != nil {
				x := *c
				x.Arch = []string{a}
				out = append(out, &x)
			}
		}
	}
	return out
}

// mergeIoctls gives an ioctl one item per architecture where the
// architectures define it differently (another argument size, so another
// request number) or not at all.
func mergeIoctls(arches []string, byArch map[string]*Result) []*spec.Ioctl {
	var order []string
	per := map[string]map[string]*spec.Ioctl{}
	for _, a := range arches {
		for _, x := range byArch[a].Ioctls {
			if per[x.Name] == nil {
				per[x.Name] = map[string]*spec.Ioctl{}
				order = append(order, x.Name)
			}
			per[x.Name][a] = x
		}
	}
	var out []*spec.Ioctl
	for _, n := range order {
		if x, ok := same(per[n], arches, func(x *spec.Ioctl) []byte {
			return []byte(fmt.Sprint(x.Dir, x.Magic, x.Nr, x.Arg, valueKey(x.Request)))
		}); ok {
			out = append(out, x)
			continue
		}
		for _, a := range arches {
			if x := per[n][a]; x != nil {
				c := *x
				c.Arch = []string{a}
				out = append(out, &c)
			}
		}
	}
	return out
}

func valueKey(v *uint64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

// same returns the one item when every architecture has it alike.
func same[T any](variants map[string]T, arches []string, key func(T) []byte) (T, bool) {
	var zero T
	first, ok := variants[arches[0]]
	if !ok || len(variants) != len(arches) {
		return zero, false
	}
	k := key(first)
	for _, a := range arches[1:] {
		if !bytes.Equal(key(variants[a]), k) {
			return zero, false
		}
	}
	return first, true
}

// typeKey is a type's content without its position and citation (an item
// declared alike in both branches of an #if is the same item).
func typeKey(t *spec.Type) []byte {
	c := *t
	c.Item = spec.Item{Name: t.Name}
	var b bytes.Buffer
	if err := writeType(&b, &c); err != nil {
		return []byte(err.Error())
	}
	return b.Bytes()
}

func mergeItems[T any](arches []string, byArch map[string]*Result, list func(*Result) []T, item func(T) *spec.Item, key func(T) string, skipped *[]Problem) []T {
	var order []string
	per := map[string]map[string]T{}
	for _, a := range arches {
		for _, x := range list(byArch[a]) {
			n := item(x).Name
			if per[n] == nil {
				per[n] = map[string]T{}
				order = append(order, n)
			}
			per[n][a] = x
		}
	}
	var out []T
	for _, n := range order {
		variants := per[n]
		var have []string
		var first T
		keys := map[string]bool{}
		for _, a := range arches {
			if x, ok := variants[a]; ok {
				if len(have) == 0 {
					first = x
				}
				have = append(have, a)
				keys[key(x)] = true
			}
		}
		it := item(first)
		if len(keys) > 1 {
			*skipped = append(*skipped, Problem{File: it.Pos.File, Line: it.Pos.Line, Name: n,
				Msg: fmt.Sprintf("%s: differs between architectures (%v); the registry has no per-architecture constants", n, have)})
			continue
		}
		if len(have) < len(arches) {
			it.Doc += fmt.Sprintf(" The header defines it only when built for %s.", joinWords(have))
		}
		out = append(out, first)
	}
	return out
}

func joinWords(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return fmt.Sprintf("%s and %s", xs[0], xs[1])
}
