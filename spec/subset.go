package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Selection names the part of a registry a downstream module wants.
type Selection struct {
	Hypercalls []string // HV_CALL_CODE names
	Types      []string
	Areas      []string
}

// Empty reports whether nothing is selected (meaning: everything).
func (s Selection) Empty() bool {
	return len(s.Hypercalls) == 0 && len(s.Types) == 0 && len(s.Areas) == 0
}

// Subset returns the selected part of a version view: the selected
// hypercalls, types and areas plus every type they use, the constants of the
// selected areas or of the kept types, and all statuses (the status type is
// what the generated code reports errors with). A subset with any hypercall
// also keeps what its client needs (see ClientConstants and Roles).
func (r *Registry) Subset(sel Selection) (*Registry, error) {
	if sel.Empty() {
		return r, nil
	}
	keepType := map[string]bool{}
	var need []string
	want := func(name string) {
		if name != "" && !keepType[name] {
			keepType[name] = true
			need = append(need, name)
		}
	}
	areas := map[string]bool{}
	var unknown []string
	for _, a := range sel.Areas {
		found := false
		eachItem(r, func(it *Item) { found = found || it.Area == a })
		if !found {
			unknown = append(unknown, "area "+a)
		}
		areas[a] = true
	}
	calls := map[string]bool{}
	for _, n := range sel.Hypercalls {
		if !slices.ContainsFunc(r.Hypercalls, func(h *Hypercall) bool { return h.Name == n }) {
			unknown = append(unknown, "hypercall "+n)
		}
		calls[n] = true
	}
	for _, n := range sel.Types {
		if r.Type(n) == nil {
			unknown = append(unknown, "type "+n)
		}
		want(n)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("not in the registry: %s", strings.Join(unknown, ", "))
	}
	out := &Registry{Versions: r.Versions, Statuses: r.Statuses}
	for _, h := range r.Hypercalls {
		if calls[h.Name] || areas[h.Area] {
			out.Hypercalls = append(out.Hypercalls, h)
			for _, t := range []string{h.Input, h.Output, h.InputRep, h.OutputRep} {
				want(t)
			}
		}
	}
	if len(out.Hypercalls) > 0 {
		// What a client of the kept hypercalls needs: the call code, the
		// hypercall input and output values (and their bit types) and the
		// fast-call limits.
		want("HV_CALL_CODE")
		for _, t := range r.Types {
			if _, ok := Roles[t.Role]; ok {
				want(t.Name)
			}
		}
	}
	if len(out.Statuses) > 0 {
		want("HV_STATUS")
	}
	for _, g := range r.EventGroups {
		if areas[g.Area] {
			out.EventGroups = append(out.EventGroups, g)
			for _, e := range g.Entries {
				for _, p := range e.Params {
					want(p.Type)
				}
			}
		}
	}
	for _, g := range r.StatsGroups {
		if areas[g.Area] {
			out.StatsGroups = append(out.StatsGroups, g)
			want(g.CounterEnum)
			if t, _ := r.enumOf(g.Object); t != nil {
				want(t.Name)
			}
		}
	}
	for _, x := range r.Ioctls {
		if areas[x.Area] {
			out.Ioctls = append(out.Ioctls, x)
			want(x.Arg)
		}
	}
	for _, t := range r.Types {
		if areas[t.Area] {
			want(t.Name)
		}
	}
	// Close over the types the kept types use.
	for len(need) > 0 {
		n := need[len(need)-1]
		need = need[:len(need)-1]
		for _, t := range r.Types { // every architecture's variant
			if t.Name == n {
				for _, d := range typeDeps(t) {
					want(d)
				}
			}
		}
	}
	for _, t := range r.Types {
		if keepType[t.Name] {
			out.Types = append(out.Types, t)
		}
	}
	for _, c := range r.Constants {
		if areas[c.Area] || c.Type != "" && keepType[c.Type] || len(out.Hypercalls) > 0 && slices.Contains(ClientConstants, c.Name) {
			out.Constants = append(out.Constants, c)
		}
	}
	return out, nil
}

// ClientConstants are the constants a generated hypercall client reads its
// fast-call limits from (cmd/hvgen/internal/gogen/client.go); a subset with a
// hypercall keeps them.
var ClientConstants = []string{
	"HV_HYPERCALL_FAST_MAX_INPUT_PARAMETERS",
	"HV_HYPERCALL_XMM_FAST_MAX_INPUT_BYTES",
	"HV_HYPERCALL_XMM_FAST_MAX_OUTPUT_BYTES",
}

func (r *Registry) enumOf(value string) (*Type, *Value) {
	for _, t := range r.Types {
		for _, v := range t.Values {
			if v.Name == value {
				return t, v
			}
		}
	}
	return nil, nil
}

// typeDeps lists the types a type refers to.
func typeDeps(t *Type) []string {
	out := []string{t.Base}
	for _, b := range t.Bits {
		out = append(out, b.Type)
	}
	var walk func([]*Field)
	walk = func(fs []*Field) {
		for _, f := range fs {
			out = append(out, f.Type)
			if f.Nested != nil {
				out = append(out, f.Nested.Base)
				for _, b := range f.Nested.Bits {
					out = append(out, b.Type)
				}
				walk(f.Nested.Fields)
			}
		}
	}
	walk(t.Fields)
	return out
}
