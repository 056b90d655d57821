package spec

import (
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Origin says what a version was written from and what that source leaves
// unsaid, so that a diff between versions can tell a change from a gap: an
// item of another version that this version's source does not describe is
// "undescribed" there, not removed. A version's source key in the registry
// sets it; a version without one states everything.
type Origin struct {
	Kind string // documents (reference pages) or headers (C header files)
	// Removed names items of other versions that the source states are gone;
	// only these are "removed" in a diff to this version. Any other item the
	// version lacks is one its source does not describe.
	Removed []string
	// Partial names types whose members the source lists only in part: a
	// member of another version's declaration missing here is undescribed.
	Partial []string
	// Unstated names attributes the source never gives (see OriginAttributes):
	// a difference in them is undescribed, whatever the registry holds there.
	Unstated []string
	Pos      Pos
}

// OriginKinds are the kinds of source a version can be written from.
var OriginKinds = []string{"documents", "headers"}

// OriginAttributes are the attributes a source may leave unstated.
var OriginAttributes = map[string]string{
	"hypercall.fast":     "which hypercalls accept the fast (register) convention",
	"hypercall.statuses": "the statuses each hypercall returns",
	"hypercall.access":   "who may make each hypercall",
	"status.value":       "the numbers of the status codes",
}

// States reports whether the version's source gives attribute a. A version
// with no source declaration states everything.
func (v *Version) States(a string) bool {
	return v == nil || v.Source == nil || !slices.Contains(v.Source.Unstated, a)
}

// Lists reports whether the version's source lists every member of the type.
func (v *Version) Lists(typ string) bool {
	return v == nil || v.Source == nil || !slices.Contains(v.Source.Partial, typ)
}

// StatesRemoved reports whether the version's source says the item is gone.
func (v *Version) StatesRemoved(item string) bool {
	return v != nil && v.Source != nil && slices.Contains(v.Source.Removed, item)
}

func (d *decoder) origin(n *yaml.Node, version string) *Origin {
	if n == nil {
		return nil
	}
	what := "version " + version + " source"
	m := d.mapping(n, what, "kind!", "removed", "partial", "unstated")
	if m == nil {
		return nil
	}
	s := &Origin{Pos: d.pos(n)}
	s.Kind = d.str(m["kind"], what+" kind")
	if m["kind"] != nil && !slices.Contains(OriginKinds, s.Kind) {
		d.errorf(m["kind"], "%s: kind %q: want %s", what, s.Kind, strings.Join(OriginKinds, " or "))
	}
	s.Removed = d.strs(m["removed"], what+" removed")
	s.Partial = d.strs(m["partial"], what+" partial")
	s.Unstated = d.strs(m["unstated"], what+" unstated")
	for _, a := range s.Unstated {
		if _, ok := OriginAttributes[a]; !ok {
			d.errorf(m["unstated"], "%s: unknown attribute %q (known: %s)", what, a, strings.Join(slices.Sorted(maps.Keys(OriginAttributes)), ", "))
		}
	}
	return s
}

// checkOrigin checks a version's source declaration against its view: a
// partial type is one the version has; a removed item is one it lacks and
// another version has.
func checkOrigin(r *Registry, v *Version, errs *ErrorList) {
	if v.Source == nil {
		return
	}
	view := r.View(v.Name)
	for _, t := range v.Source.Partial {
		if view.Type(t) == nil || Primitive(t) != nil {
			errs.Add(v.Source.Pos, "version %s source: partial type %s is not a type of %s", v.Name, t, v.Name)
		}
	}
	for _, name := range v.Source.Removed {
		in, elsewhere := false, false
		eachItem(r, func(it *Item) {
			if it.Name == name {
				if it.In(v.Name) {
					in = true
				} else {
					elsewhere = true
				}
			}
		})
		switch {
		case in:
			errs.Add(v.Source.Pos, "version %s source: %s is listed as removed but %s has it", v.Name, name, v.Name)
		case !elsewhere:
			errs.Add(v.Source.Pos, "version %s source: removed item %s is in no other version", v.Name, name)
		}
	}
}
