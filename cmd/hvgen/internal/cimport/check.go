package cimport

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// Check resolves the imported items as a registry of their own (the
// registry's checks and layout stage, layout.Resolve) and compares every
// struct and union laid out on each architecture imported with the C front
// end's layout. Each disagreement names the type and the member.
func Check(r *Result, version string) []string {
	reg := &spec.Registry{
		Versions:   []*spec.Version{{Item: spec.Item{Name: version}}},
		Types:      r.Types,
		Constants:  r.Constants,
		Statuses:   r.Statuses,
		Hypercalls: r.Hypercalls,
		Ioctls:     r.Ioctls,
	}
	// Headers declare no type for call codes and status values (the
	// registry's linux_hvcall.yaml gives them by hand); the check needs one
	// to hold the values, so a 64-bit stand-in is declared where the
	// headers have none.
	for _, name := range []string{"HV_CALL_CODE", "HV_STATUS"} {
		if !slices.ContainsFunc(r.Types, func(t *spec.Type) bool { return t.Name == name }) {
			reg.Types = append(reg.Types, &spec.Type{Item: spec.Item{Name: name, Versions: []string{version}, Refs: []string{"(hvgen import)"}},
				Kind: spec.KindAlias, Base: "UINT64"})
		}
	}
	var out []string
	abi, err := layout.Resolve(reg)
	if err != nil {
		var list spec.ErrorList
		if !errors.As(err, &list) {
			return []string{err.Error()}
		}
		for _, e := range list {
			out = append(out, e.Error())
		}
		return out
	}
	v := abi.Version(version)
	for _, a := range layout.Arches {
		want := r.Layout[a.Name]
		if want == nil {
			continue
		}
		res := v.Layout[a.Name]
		names := make([]string, 0, len(want))
		for n := range want {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			c := want[name]
			got := res.Types[name]
			if got == nil {
				out = append(out, fmt.Sprintf("%s: %s: the registry's layout engine cannot lay it out", a.Name, name))
				continue
			}
			if got.Size != c.Size {
				out = append(out, fmt.Sprintf("%s: %s: size %d in C, %d in the registry", a.Name, name, c.Size, got.Size))
			}
			if got.Align != c.Align {
				out = append(out, fmt.Sprintf("%s: %s: alignment %d in C, %d in the registry", a.Name, name, c.Align, got.Align))
			}
			offs, sizes := map[string]int64{}, map[string]int64{}
			paths(got, "", 0, offs, sizes)
			var members []string
			for p := range c.Offsets {
				members = append(members, p)
			}
			sort.Strings(members)
			for _, p := range members {
				o, ok := offs[p]
				switch {
				case !ok:
					out = append(out, fmt.Sprintf("%s: %s.%s: missing from the registry's layout", a.Name, name, p))
				case o != c.Offsets[p]:
					out = append(out, fmt.Sprintf("%s: %s.%s: offset %d in C, %d in the registry", a.Name, name, p, c.Offsets[p], o))
				case sizes[p] != c.Sizes[p]:
					out = append(out, fmt.Sprintf("%s: %s.%s: size %d in C, %d in the registry", a.Name, name, p, c.Sizes[p], sizes[p]))
				}
			}
		}
	}
	return out
}

// paths records the offset of every named member as C11 names it.
func paths(t *layout.Type, prefix string, base int64, out, sizes map[string]int64) {
	for _, f := range t.Fields {
		sf := f.Spec
		switch {
		case sf.Name == "" && f.Elem != nil:
			paths(f.Elem, prefix, base+f.Offset, out, sizes)
		default:
			out[prefix+sf.Name] = base + f.Offset
			sizes[prefix+sf.Name] = f.Size
			if sf.Nested != nil && sf.Nested.Kind != spec.KindBitfield && sf.Count == 0 && !sf.Flexible && f.Elem != nil {
				paths(f.Elem, prefix+sf.Name+".", base+f.Offset, out, sizes)
			}
		}
	}
}
