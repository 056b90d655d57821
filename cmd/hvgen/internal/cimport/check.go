package cimport

import (
	"fmt"
	"sort"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/layout"
	"github.com/hvgen/hvgen/spec"
)

// Check lays out the imported types with the registry's layout engine on
// each architecture imported and compares every struct and union with the C
// front end's layout. Each disagreement names the type and the member.
func Check(r *Result, version string) []string {
	reg := &spec.Registry{
		Versions:   []*spec.Version{{Item: spec.Item{Name: version}}},
		Types:      r.Types,
		Constants:  r.Constants,
		Statuses:   r.Statuses,
		Hypercalls: r.Hypercalls,
	}
	var out []string
	for _, a := range layout.Arches {
		want := r.Layout[a.Name]
		if want == nil {
			continue
		}
		res, errs := layout.Compute(reg.View(version), a)
		for _, e := range errs {
			out = append(out, fmt.Sprintf("%s: %s", a.Name, e))
		}
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
