// Package diff compares two views of the ABI (two versions of one registry,
// or the same version in two registries) and classifies every change by what
// it does to existing callers. The rules are in README.md ("ABI diff").
package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/layout"
	"github.com/hvgen/hvgen/spec"
)

// Class is how a change affects existing callers.
type Class int

const (
	Doc          Class = iota // documentation only: descriptions, references, access notes
	Compatible                // an addition; existing callers keep working
	Incompatible              // an existing caller built against the old ABI breaks
)

func (c Class) String() string {
	return [...]string{"documentation", "compatible", "incompatible"}[c]
}

// ParseClass reads a class name (as -fail-on takes it).
func ParseClass(s string) (Class, bool) {
	switch s {
	case "doc", "documentation":
		return Doc, true
	case "compatible":
		return Compatible, true
	case "incompatible":
		return Incompatible, true
	}
	return 0, false
}

// Change is one difference.
type Change struct {
	Class   Class    `json:"-"`
	Kind    string   `json:"kind"`           // e.g. "hypercall.code", "field.offset"
	Item    string   `json:"item"`           // the hypercall, type, status or constant
	Path    string   `json:"path,omitempty"` // member path inside a type
	Old     string   `json:"old,omitempty"`
	New     string   `json:"new,omitempty"`
	Affects []string `json:"affects,omitempty"` // hypercalls whose parameters contain the changed type
	Arch    string   `json:"arch,omitempty"`    // set when the change holds on this architecture only
}

// Side is one side of a comparison: a version view and its layout on every
// architecture.
type Side struct {
	Name string // for reports: "wdk-2013", "main:spec (tlfs)"
	Reg  *spec.Registry
	Lay  layout.Results
}

// NewSide lays out a version view.
func NewSide(name string, view *spec.Registry) (*Side, error) {
	res, errs := layout.ComputeAll(view)
	if len(errs) > 0 {
		return nil, errs
	}
	return &Side{Name: name, Reg: view, Lay: res}, nil
}

// covers reports whether the side's version describes architecture a.
func (s *Side) covers(a string) bool {
	for _, v := range s.Reg.Versions {
		if !v.Covers(a) {
			return false
		}
	}
	return true
}

// archSide is one architecture's part of a Side.
type archSide struct {
	Reg *spec.Registry
	Lay *layout.Result
}

func (s *Side) on(arch string) *archSide {
	return &archSide{Reg: s.Reg.ForArch(arch), Lay: s.Lay[arch]}
}

// Compare lists every change from old to new, sorted by item and path. The
// sides are compared on each architecture both versions describe; a change
// found on some of them only names its architecture.
func Compare(old, new *Side) []Change {
	var arches []string
	for _, a := range layout.Arches {
		if old.covers(a.Name) && new.covers(a.Name) {
			arches = append(arches, a.Name)
		}
	}
	if len(arches) == 0 { // no architecture in common: compare on all
		for _, a := range layout.Arches {
			arches = append(arches, a.Name)
		}
	}
	var out []Change
	seen := map[string][]string{} // change key -> architectures
	for _, a := range arches {
		d := &differ{old: old.on(a), new: new.on(a)}
		d.hypercalls()
		d.types()
		d.statuses()
		d.constants()
		d.attribute()
		for _, c := range d.out {
			k := c.key()
			if seen[k] == nil {
				out = append(out, c)
			}
			seen[k] = append(seen[k], a)
		}
	}
	for i := range out {
		if archs := seen[out[i].key()]; len(archs) < len(arches) {
			out[i].Arch = strings.Join(archs, ", ")
		}
	}
	slices.SortStableFunc(out, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Arch, b.Arch))
	})
	return out
}

// key identifies a change across architectures.
func (c Change) key() string {
	return strings.Join([]string{c.Class.String(), c.Kind, c.Item, c.Path, c.Old, c.New, strings.Join(c.Affects, ",")}, "\x00")
}

type differ struct {
	old, new *archSide
	out      []Change
}

func (d *differ) add(c Class, kind, item, path, old, new string) {
	d.out = append(d.out, Change{Class: c, Kind: kind, Item: item, Path: path, Old: old, New: new})
}

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }

func byName[T any](xs []T, name func(T) string) map[string]T {
	m := make(map[string]T, len(xs))
	for _, x := range xs {
		m[name(x)] = x
	}
	return m
}

// names returns the sorted union of the keys of two maps.
func names[T any](a, b map[string]T) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (d *differ) hypercalls() {
	hn := func(h *spec.Hypercall) string { return h.Name }
	o, n := byName(d.old.Reg.Hypercalls, hn), byName(d.new.Reg.Hypercalls, hn)
	for _, name := range names(o, n) {
		a, b := o[name], n[name]
		switch {
		case a == nil:
			d.add(Compatible, "hypercall.added", name, "", "", hex(b.Code))
			continue
		case b == nil:
			d.add(Incompatible, "hypercall.removed", name, "", hex(a.Code), "")
			continue
		}
		if a.Code != b.Code {
			d.add(Incompatible, "hypercall.code", name, "", hex(a.Code), hex(b.Code))
		}
		if a.Rep != b.Rep {
			d.add(Incompatible, "hypercall.kind", name, "", kind(a), kind(b))
		}
		if a.Fast != b.Fast {
			c := Compatible // newly allowed
			if a.Fast {
				c = Incompatible // callers using registers now fail
			}
			d.add(c, "hypercall.fast", name, "", fmt.Sprint(a.Fast), fmt.Sprint(b.Fast))
		}
		for _, p := range []struct{ what, a, b string }{
			{"input", a.Input, b.Input}, {"output", a.Output, b.Output},
			{"input_rep", a.InputRep, b.InputRep}, {"output_rep", a.OutputRep, b.OutputRep},
		} {
			d.params(name, p.what, p.a, p.b)
		}
		d.statusSet(name, a, b)
		if a.Doc != b.Doc || !slices.Equal(a.Refs, b.Refs) {
			d.add(Doc, "hypercall.doc", name, "", "", "")
		}
		if accessText(a.Access) != accessText(b.Access) {
			d.add(Doc, "hypercall.access", name, "", accessText(a.Access), accessText(b.Access))
		}
	}
}

func kind(h *spec.Hypercall) string {
	if h.Rep {
		return "rep"
	}
	return "simple"
}

func accessText(a *spec.Access) string {
	if a == nil {
		return ""
	}
	return strings.Join(a.Callers, ",") + " " + strings.Join(a.Privileges, ",")
}

// params compares a hypercall's parameter block: a different type or a
// different layout of it. (Changes inside a type with the same name are
// reported once under the type and attributed to the hypercall.)
func (d *differ) params(call, what, a, b string) {
	la, lb := d.old.Lay.Types[a], d.new.Lay.Types[b]
	switch {
	case a == b:
		return
	case a == "":
		d.add(Incompatible, "hypercall."+what+".added", call, "", "", b)
	case b == "":
		d.add(Incompatible, "hypercall."+what+".removed", call, "", a, "")
	case la != nil && lb != nil && la.Size != lb.Size:
		d.add(Incompatible, "hypercall."+what+".type", call, "", fmt.Sprintf("%s (%d bytes)", a, la.Size), fmt.Sprintf("%s (%d bytes)", b, lb.Size))
	default:
		d.add(Incompatible, "hypercall."+what+".type", call, "", a, b)
	}
}

func (d *differ) statusSet(call string, a, b *spec.Hypercall) {
	sa := map[string]bool{}
	for _, s := range a.Statuses {
		sa[s.Status] = true
	}
	sb := map[string]bool{}
	for _, s := range b.Statuses {
		sb[s.Status] = true
		if !sa[s.Status] {
			d.add(Compatible, "hypercall.status.added", call, "", "", s.Status)
		}
	}
	for _, s := range a.Statuses {
		if !sb[s.Status] {
			d.add(Doc, "hypercall.status.removed", call, "", s.Status, "")
		}
	}
}

func (d *differ) statuses() {
	sn := func(s *spec.Status) string { return s.Name }
	o, n := byName(d.old.Reg.Statuses, sn), byName(d.new.Reg.Statuses, sn)
	for _, name := range names(o, n) {
		a, b := o[name], n[name]
		switch {
		case a == nil:
			d.add(Compatible, "status.added", name, "", "", optHex(b.Value))
		case b == nil:
			d.add(Incompatible, "status.removed", name, "", optHex(a.Value), "")
		case optHex(a.Value) != optHex(b.Value):
			c := Incompatible
			if a.Value == nil {
				c = Compatible // a value that was unknown is now given
			}
			d.add(c, "status.value", name, "", optHex(a.Value), optHex(b.Value))
		case a.Doc != b.Doc:
			d.add(Doc, "status.doc", name, "", "", "")
		}
	}
}

func (d *differ) constants() {
	cn := func(c *spec.Constant) string { return c.Name }
	o, n := byName(d.old.Reg.Constants, cn), byName(d.new.Reg.Constants, cn)
	for _, name := range names(o, n) {
		a, b := o[name], n[name]
		switch {
		case a == nil:
			d.add(Compatible, "constant.added", name, "", "", optHex(b.Value))
		case b == nil:
			d.add(Incompatible, "constant.removed", name, "", optHex(a.Value), "")
		case optHex(a.Value) != optHex(b.Value):
			c := Incompatible
			if a.Value == nil {
				c = Compatible
			}
			d.add(c, "constant.value", name, "", optHex(a.Value), optHex(b.Value))
		case a.Doc != b.Doc:
			d.add(Doc, "constant.doc", name, "", "", "")
		}
	}
}

func optHex(v *uint64) string {
	if v == nil {
		return "(no value)"
	}
	return hex(*v)
}
