// Package diff compares two views of the ABI (two versions of one registry,
// or the same version in two registries) and classifies every change by what
// it does to existing callers: incompatible (a caller built against the old
// ABI breaks), compatible (an addition or rename that leaves old callers
// working), documentation (descriptions, references, access notes), or
// undescribed (one side's source does not describe the item: not a change).
// docs/diff-and-import.md in hvgen's repository gives the rules with examples.
package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// Class is how a change affects existing callers.
type Class int

const (
	Doc          Class = iota // documentation only: descriptions, references, access notes
	Compatible                // an addition or a rename; existing callers keep working
	Incompatible              // an existing caller built against the old ABI breaks
	// Undescribed: one side's source does not describe the item (or never
	// states the attribute), so the difference is a gap in a source, not a
	// change of the ABI. It is outside the order of the three above.
	Undescribed
)

func (c Class) String() string {
	return [...]string{"documentation", "compatible", "incompatible", "undescribed"}[c]
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
	case "undescribed":
		return Undescribed, true
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
	// Aliased maps the items that carry another version's name through the
	// registry's aliases (NewAliasedSide) to their own name; inside them
	// members and values are matched across spellings (see spelling.go).
	Aliased map[string]string
}

// version is the ABI version the side views (nil for a view of several).
func (s *Side) version() *spec.Version {
	if len(s.Reg.Versions) == 1 {
		return s.Reg.Versions[0]
	}
	return nil
}

// NewSide is one resolved version as a side of a comparison.
func NewSide(name string, v *layout.Version) (*Side, error) {
	return &Side{Name: name, Reg: v.Registry, Lay: v.Layout}, nil
}

// NewAliasedSide is a resolved version with its items named by the
// registry's aliases (layout.Version.WithAliases), recording which items the
// aliases renamed.
func NewAliasedSide(name string, v *layout.Version) (*Side, error) {
	view := v.Registry
	alv, err := v.WithAliases()
	if err != nil {
		return nil, err
	}
	av := alv.Registry
	before := map[string]bool{}
	for _, n := range itemNames(view) {
		before[n] = true
	}
	aliased := map[string]string{}
	for _, a := range view.Aliases {
		aliased[a.Of] = a.Name
	}
	for _, n := range itemNames(av) {
		if before[n] {
			delete(aliased, n) // not renamed: the view already had the name
		}
	}
	after := map[string]bool{}
	for _, n := range itemNames(av) {
		after[n] = true
	}
	for of := range aliased {
		if !after[of] {
			delete(aliased, of) // its own name is not in this view
		}
	}
	return &Side{Name: name, Reg: av, Lay: alv.Layout, Aliased: aliased}, nil
}

func itemNames(r *spec.Registry) []string {
	var out []string
	for _, x := range r.Hypercalls {
		out = append(out, x.Name)
	}
	for _, x := range r.Types {
		out = append(out, x.Name)
	}
	for _, x := range r.Statuses {
		out = append(out, x.Name)
	}
	for _, x := range r.Constants {
		out = append(out, x.Name)
	}
	return out
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
	ov, nv := old.version(), new.version()
	// Two versions have two sources; the same version in two registries has
	// one, so there every missing item is removed.
	cross := ov != nil && nv != nil && ov.Name != nv.Name
	for _, a := range arches {
		d := &differ{old: old.on(a), new: new.on(a), newAll: new.Reg, cross: cross, oldV: ov, newV: nv, oldSide: old, newSide: new}
		d.hypercalls()
		d.types()
		d.statuses()
		d.constants()
		d.ioctls()
		d.passthrough()
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
	old, new   *archSide
	newAll     *spec.Registry // the new side on every architecture
	cross      bool           // the sides are two versions (two sources)
	oldV, newV *spec.Version
	// the sides as given (for the items their aliases renamed)
	oldSide, newSide *Side
	out              []Change
}

// spelled reports whether an item was paired through an alias, so that its
// members are matched across the two sources' spellings.
func (d *differ) spelled(item string) bool {
	return d.oldSide.Aliased[item] != "" || d.newSide.Aliased[item] != ""
}

// gone reports an item of the old side that the new side lacks: removed when
// the sides are the same version, or when the new version's source says it is
// gone; otherwise the new source does not describe it.
func (d *differ) gone(what, item, old string) {
	// A type the new version declares for other architectures only is
	// described there: gone from this one.
	elsewhere := what == "type" && d.newAll.Type(item) != nil
	if d.cross && !elsewhere && !d.newV.StatesRemoved(item) {
		d.add(Undescribed, what+".undescribed", item, "", old, "")
		return
	}
	d.add(Incompatible, what+".removed", item, "", old, "")
}

// memberGone reports a member of a type that the new side's declaration
// lacks: undescribed when the new source lists the type's members in part.
func (d *differ) memberGone(what, typ, path, old string) {
	if d.cross && (!d.newV.Lists(typ) || d.newSide.Aliased[typ] != "" && !d.newV.Lists(d.newSide.Aliased[typ])) {
		d.add(Undescribed, what+".undescribed", typ, path, old, "")
		return
	}
	d.add(Incompatible, what+".removed", typ, path, old, "")
}

// stated reports whether both sides' sources give attribute a; a difference
// in an attribute one source never gives is undescribed.
func (d *differ) stated(a string) bool {
	return !d.cross || d.oldV.States(a) && d.newV.States(a)
}

// docChange reports changed descriptions and references, old and new text.
func (d *differ) docChange(what, item string, oldDoc, newDoc string, oldRefs, newRefs []string) {
	if oldDoc != newDoc {
		d.add(Doc, what+".doc", item, "", oldDoc, newDoc)
	}
	if !slices.Equal(oldRefs, newRefs) {
		d.add(Doc, what+".ref", item, "", strings.Join(oldRefs, ", "), strings.Join(newRefs, ", "))
	}
}

func (d *differ) add(c Class, kind, item, path, old, new string) {
	d.out = append(d.out, Change{Class: c, Kind: kind, Item: item, Path: path, Old: old, New: new})
}

// headers reports whether a version is written from C headers.
func headers(v *spec.Version) bool {
	return v != nil && v.Source != nil && v.Source.Kind == "headers"
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
			d.gone("hypercall", name, hex(a.Code))
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
			if !d.stated("hypercall.fast") {
				c = Undescribed
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
		d.docChange("hypercall", name, a.Doc, b.Doc, a.Refs, b.Refs)
		if accessText(a.Access) != accessText(b.Access) {
			c := Doc
			if !d.stated("hypercall.access") {
				c = Undescribed
			}
			d.add(c, "hypercall.access", name, "", accessText(a.Access), accessText(b.Access))
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
	spelled := d.spelled(call)
	switch {
	case a == b:
		return
	case spelled && sameSpelling(d.old.Reg, d.new.Reg, a, b):
		return // HV_GPA_PAGE_NUMBER and UINT64: one type in two spellings
	case a == "" && spelled && headers(d.oldV), b == "" && spelled && headers(d.newV):
		// The headers pair a call with its parameter blocks only where they
		// name them after it (hv_input_*): no block is no statement.
		d.add(Undescribed, "hypercall."+what+".undescribed", call, "", a, b)
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
	added, removed := Compatible, Doc
	if !d.stated("hypercall.statuses") {
		added, removed = Undescribed, Undescribed
	}
	sb := map[string]bool{}
	for _, s := range b.Statuses {
		sb[s.Status] = true
		if !sa[s.Status] {
			d.add(added, "hypercall.status.added", call, "", "", s.Status)
		}
	}
	for _, s := range a.Statuses {
		if !sb[s.Status] {
			d.add(removed, "hypercall.status.removed", call, "", s.Status, "")
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
			d.gone("status", name, optHex(a.Value))
		case optHex(a.Value) != optHex(b.Value):
			c := Incompatible
			switch {
			case !d.stated("status.value"):
				c = Undescribed
			case a.Value == nil:
				c = Compatible // a value that was unknown is now given
			}
			d.add(c, "status.value", name, "", optHex(a.Value), optHex(b.Value))
		default:
			d.docChange("status", name, a.Doc, b.Doc, a.Refs, b.Refs)
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
			d.gone("constant", name, optHex(a.Value))
		case optHex(a.Value) != optHex(b.Value):
			c := Incompatible
			if a.Value == nil {
				c = Compatible
			}
			d.add(c, "constant.value", name, "", optHex(a.Value), optHex(b.Value))
		default:
			d.docChange("constant", name, a.Doc, b.Doc, a.Refs, b.Refs)
		}
	}
}

// ioctls compares the driver requests: a new request is compatible; a
// request whose number, direction, argument type or file descriptor kinds
// changed, or that is gone, breaks its callers.
func (d *differ) ioctls() {
	in := func(x *spec.Ioctl) string { return x.Name }
	o, n := byName(d.old.Reg.Ioctls, in), byName(d.new.Reg.Ioctls, in)
	req := func(l *layout.Result, name string) string {
		if x := l.Ioctls[name]; x != nil {
			return fmt.Sprintf("%#08x", x.Request)
		}
		return "(none)"
	}
	for _, name := range names(o, n) {
		a, b := o[name], n[name]
		switch {
		case a == nil:
			d.add(Compatible, "ioctl.added", name, "", "", req(d.new.Lay, name))
		case b == nil:
			d.gone("ioctl", name, req(d.old.Lay, name))
		default:
			changed := false
			for _, c := range []struct{ kind, old, new string }{
				{"ioctl.request", req(d.old.Lay, name), req(d.new.Lay, name)},
				{"ioctl.dir", a.Dir, b.Dir},
				{"ioctl.arg", a.Arg, b.Arg},
				{"ioctl.fd", strings.Join(a.Fds, ","), strings.Join(b.Fds, ",")},
			} {
				if c.old != c.new {
					d.add(Incompatible, c.kind, name, "", c.old, c.new)
					changed = true
				}
			}
			if !changed {
				d.docChange("ioctl", name, a.Doc, b.Doc, a.Refs, b.Refs)
			}
		}
	}
}

// passthrough compares what a driver does with each hypercall, where both
// sides describe a driver: a call it no longer passes from some fd, or whose
// asynchronous handling changed, breaks callers that relied on it; a call
// newly passed is compatible.
func (d *differ) passthrough() {
	if len(d.old.Reg.Driver) == 0 || len(d.new.Reg.Driver) == 0 {
		return
	}
	for _, b := range d.new.Reg.Hypercalls {
		var a *spec.Hypercall
		for _, x := range d.old.Reg.Hypercalls {
			if x.Name == b.Name {
				a = x
			}
		}
		if a == nil {
			continue
		}
		fds := func(p *spec.Driver) []string {
			if p == nil {
				return nil
			}
			return p.Fds
		}
		of, nf := fds(a.Passthrough), fds(b.Passthrough)
		switch {
		case slices.Equal(of, nf):
		case !slices.ContainsFunc(of, func(f string) bool { return !slices.Contains(nf, f) }):
			d.add(Compatible, "hypercall.passthrough", b.Name, "", strings.Join(of, ","), strings.Join(nf, ","))
		default:
			d.add(Incompatible, "hypercall.passthrough", b.Name, "", strings.Join(of, ","), strings.Join(nf, ","))
		}
		if a.Passthrough != nil && b.Passthrough != nil && a.Passthrough.Async != b.Passthrough.Async {
			d.add(Incompatible, "hypercall.async", b.Name, "", fmt.Sprint(a.Passthrough.Async), fmt.Sprint(b.Passthrough.Async))
		}
	}
}

func optHex(v *uint64) string {
	if v == nil {
		return "(no value)"
	}
	return hex(*v)
}
