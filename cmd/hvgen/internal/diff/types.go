package diff

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

func (d *differ) types() {
	tn := func(t *spec.Type) string { return t.Name }
	o, n := byName(d.old.Reg.Types, tn), byName(d.new.Reg.Types, tn)
	for _, name := range names(o, n) {
		a, b := o[name], n[name]
		switch {
		case a == nil:
			d.add(Compatible, "type.added", name, "", "", string(b.Kind))
			continue
		case b == nil:
			d.gone("type", name, string(a.Kind))
			continue
		case a.Kind != b.Kind && !wrapped(d.spelled(name), a, b):
			d.add(Incompatible, "type.kind", name, "", string(a.Kind), string(b.Kind))
			continue
		}
		la, lb := d.old.Lay.Types[name], d.new.Lay.Types[name]
		if la == nil || lb == nil {
			continue
		}
		if la.Size != lb.Size {
			d.add(Incompatible, "type.size", name, "", fmt.Sprint(la.Size), fmt.Sprint(lb.Size))
		}
		if la.Align != lb.Align {
			c := Incompatible
			if d.spelled(name) && la.Size == lb.Size && a.Packed != b.Packed {
				// One source declares the type packed, the other lays it out
				// naturally, and the bytes agree: only where the type may sit
				// differs, and a member that moves in a type containing it is
				// reported on that type.
				c = Compatible
			}
			d.add(c, "type.align", name, "", fmt.Sprint(la.Align), fmt.Sprint(lb.Align))
		}
		if a.Kind != b.Kind { // wrapped: the same bytes, the members compared below
			c := Compatible
			if la.Size != lb.Size {
				c = Incompatible
			}
			d.add(c, "type.kind", name, "", string(a.Kind), string(b.Kind))
		}
		if a.Base != b.Base && la.Size == lb.Size {
			d.add(Doc, "type.base", name, "", a.Base, b.Base)
		}
		spelled := d.spelled(name)
		switch a.Kind {
		case spec.KindEnum, spec.KindFlags:
			d.values(name, a, b, spelled)
		case spec.KindBitfield:
			d.bits(name, "", a.Bits, b.Bits, spelled)
		case spec.KindStruct, spec.KindUnion:
			d.members(name, la, lb, spelled)
		}
		d.docChange("type", name, a.Doc, b.Doc, a.Refs, b.Refs)
	}
}

// wrapped reports whether, in an aliased item, one source declares a struct
// that the other wraps in a union (the kernel's union { u64 as_uint64[2];
// struct { ... }; }): the members are compared as for any aggregate, and the
// kind change is compatible where the sizes agree.
func wrapped(spelled bool, a, b *spec.Type) bool {
	agg := func(k spec.Kind) bool { return k == spec.KindStruct || k == spec.KindUnion }
	return spelled && agg(a.Kind) && agg(b.Kind)
}

func (d *differ) values(typ string, a, b *spec.Type, spelled bool) {
	vn := func(v *spec.Value) string { return v.Name }
	o, n := byName(a.Values, vn), byName(b.Values, vn)
	if spelled {
		n = respell(o, n, func(v *spec.Value, name string) *spec.Value { c := *v; c.Name = name; return &c })
	}
	// A value gone under one name and new under another with the same number
	// is renamed (when that number names one gone and one new value only).
	var gone, added []*spec.Value
	for _, name := range names(o, n) {
		switch x, y := o[name], n[name]; {
		case y == nil:
			gone = append(gone, x)
		case x == nil:
			added = append(added, y)
		}
	}
	renamedTo := renames(gone, added, func(v *spec.Value) uint64 { return v.Value }, vn)
	renamedFrom := map[string]bool{}
	for _, y := range renamedTo {
		renamedFrom[y.Name] = true
	}
	for _, name := range names(o, n) {
		x, y := o[name], n[name]
		switch {
		case x == nil && renamedFrom[name]:
			// reported under its old name
		case x == nil:
			d.add(Compatible, "value.added", typ, name, "", hex(y.Value))
		case y == nil && renamedTo[name] != nil:
			d.add(Compatible, "value.renamed", typ, name, name, renamedTo[name].Name)
		case y == nil:
			d.memberGone("value", typ, name, hex(x.Value))
		case x.Value != y.Value:
			d.add(Incompatible, "value.changed", typ, name, hex(x.Value), hex(y.Value))
		}
	}
}

// renames pairs gone and added members that share a key (a value, a bit
// range) no other gone or added member has: old name -> new member.
func renames[T any, K comparable](gone, added []T, key func(T) K, name func(T) string) map[string]T {
	count := func(xs []T) map[K]int {
		m := map[K]int{}
		for _, x := range xs {
			m[key(x)]++
		}
		return m
	}
	cg, ca := count(gone), count(added)
	byKey := map[K]T{}
	for _, y := range added {
		byKey[key(y)] = y
	}
	out := map[string]T{}
	for _, x := range gone {
		if k := key(x); cg[k] == 1 && ca[k] == 1 {
			out[name(x)] = byKey[k]
		}
	}
	return out
}

func bitRange(b *spec.Bit) string {
	if b.Width == 1 {
		return fmt.Sprintf("bit %d", b.Bit)
	}
	return fmt.Sprintf("bits %d..%d", b.Bit, b.Bit+b.Width-1)
}

// bits compares bit ranges by name; a range that was reserved and now has a
// name is a compatible change.
func (d *differ) bits(typ, prefix string, a, b []*spec.Bit, spelled bool) {
	bn := func(x *spec.Bit) string { return x.Name }
	o, n := byName(a, bn), byName(b, bn)
	if spelled {
		n = respell(o, n, func(x *spec.Bit, name string) *spec.Bit { c := *x; c.Name = name; return &c })
	}
	reservedIn := func(bits []*spec.Bit, x *spec.Bit) bool {
		for _, r := range bits {
			if r.Reserved && r.Bit <= x.Bit && x.Bit+x.Width <= r.Bit+r.Width {
				return true
			}
		}
		return false
	}
	var gone, added []*spec.Bit
	for _, name := range names(o, n) {
		switch x, y := o[name], n[name]; {
		case y == nil && !x.Reserved:
			gone = append(gone, x)
		case x == nil && !y.Reserved:
			added = append(added, y)
		}
	}
	type span struct{ bit, width int }
	renamedTo := renames(gone, added, func(b *spec.Bit) span { return span{b.Bit, b.Width} }, bn)
	renamedFrom := map[string]bool{}
	for _, y := range renamedTo {
		renamedFrom[y.Name] = true
	}
	for _, name := range names(o, n) {
		x, y := o[name], n[name]
		switch {
		case x == nil && y.Reserved:
			// a reserved range split or renamed: nothing callers use
		case x == nil && renamedFrom[name]:
			// reported under its old name
		case y == nil && renamedTo[name] != nil:
			d.add(Compatible, "bits.renamed", typ, prefix+name, name, renamedTo[name].Name)
		case x == nil && reservedIn(a, y):
			d.add(Compatible, "bits.named", typ, prefix+name, "reserved", bitRange(y))
		case x == nil:
			d.add(Compatible, "bits.added", typ, prefix+name, "", bitRange(y))
		case y == nil && x.Reserved:
		case y == nil:
			d.memberGone("bits", typ, prefix+name, bitRange(x))
		case x.Reserved && y.Reserved:
			// reserved ranges moving: nothing callers use
		case x.Bit != y.Bit || x.Width != y.Width:
			d.add(Incompatible, "bits.position", typ, prefix+name, bitRange(x), bitRange(y))
		}
	}
}

// member is a struct or union member at its offset from the start of the
// type, reached through nested aggregates.
type member struct {
	path     string
	offset   int64
	size     int64
	typ      string
	reserved bool // reserved or padding
	bits     []*spec.Bit
}

func flatten(l *layout.Type, prefix string, base int64, out map[string]*member) {
	for _, f := range l.Fields {
		sf := f.Spec
		off := base + f.Offset
		if sf.Name == "" { // anonymous: its members are the parent's
			flatten(f.Elem, prefix, off, out)
			continue
		}
		m := &member{path: prefix + sf.Name, offset: off, size: f.Size, typ: sf.Type, reserved: sf.Reserved || sf.Padding}
		if sf.Nested != nil {
			m.typ = string(sf.Nested.Kind)
			if sf.Nested.Kind == spec.KindBitfield {
				m.bits = sf.Nested.Bits
			} else if sf.Count == 0 {
				flatten(f.Elem, m.path+".", off, out)
			}
		}
		out[m.path] = m
	}
}

func (d *differ) members(typ string, la, lb *layout.Type, spelled bool) {
	o, n := map[string]*member{}, map[string]*member{}
	flatten(la, "", 0, o)
	flatten(lb, "", 0, n)
	if spelled {
		n = foldPaths(o, n)
	}
	// Renames first: a member gone from o whose bytes a member new in n took.
	renames, renamed := map[string]*member{}, map[string]bool{}
	for _, path := range slices.Sorted(maps.Keys(o)) {
		if _, kept := n[path]; kept {
			continue
		}
		if y := sameBytes(n, o, o[path]); y != nil && !renamed[y.path] {
			renames[path], renamed[y.path] = y, true
		}
	}
	for _, path := range names(o, n) {
		x, y := o[path], n[path]
		switch {
		case x != nil && y != nil && spelled && x.reserved && y.reserved:
			// padding between the two sources' members: it moves with them,
			// and whatever moved is reported under its own name
		case x != nil && y != nil:
			if x.offset != y.offset {
				d.add(Incompatible, "field.offset", typ, path, hex(uint64(x.offset)), hex(uint64(y.offset)))
			}
			if x.size != y.size {
				d.add(Incompatible, "field.size", typ, path, fmt.Sprint(x.size), fmt.Sprint(y.size))
			} else if x.typ != y.typ && !(spelled && sameSpelling(d.old.Reg, d.new.Reg, x.typ, y.typ)) {
				d.add(Compatible, "field.type", typ, path, x.typ, y.typ) // same bytes, another type name
			}
			if x.bits != nil || y.bits != nil {
				d.bits(typ, path+".", x.bits, y.bits, spelled)
			}
		case x != nil: // gone: renamed (same bytes under another name) or removed
			if y2 := renames[path]; y2 != nil {
				switch {
				case x.reserved && y2.reserved: // one reserved name for another
				case x.reserved:
					d.add(Compatible, "field.named", typ, path, x.path, y2.path) // a reserved member given a name
				case y2.reserved:
					d.add(Incompatible, "field.reserved", typ, path, x.path, y2.path) // callers lose the member
				default: // the same bytes under another name: binaries keep working
					d.add(Compatible, "field.renamed", typ, path, x.path, y2.path)
				}
				continue
			}
			if x.reserved {
				continue // reserved bytes no caller used; what took their place is reported itself
			}
			d.memberGone("field", typ, path, fmt.Sprintf("%s at %#x", x.typ, x.offset))
		default: // new
			if renamed[path] || y.reserved {
				continue // reported as a rename, or new reserved bytes (they matter only through the layout around them)
			}
			if reservedOverlap(o, y) {
				d.add(Compatible, "field.named", typ, path, "reserved", fmt.Sprintf("%s at %#x", y.typ, y.offset))
				continue
			}
			d.add(Compatible, "field.added", typ, path, "", fmt.Sprintf("%s at %#x", y.typ, y.offset))
		}
	}
}

// sameBytes finds a member of n, missing from o, that sits exactly where x did.
// A rename is a member of the same parent taking the same bytes; aggregates
// are compared member by member instead.
func sameBytes(n, o map[string]*member, x *member) *member {
	if aggregate(x) {
		return nil
	}
	for _, path := range slices.Sorted(maps.Keys(n)) { // sorted: the report must not depend on map order
		y := n[path]
		if _, kept := o[y.path]; !kept && y.offset == x.offset && y.size == x.size && !aggregate(y) && parent(y.path) == parent(x.path) {
			return y
		}
	}
	return nil
}

func aggregate(m *member) bool { return m.typ == "struct" || m.typ == "union" }

func parent(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func reservedOverlap(o map[string]*member, y *member) bool {
	for _, x := range o {
		if x.reserved && x.offset <= y.offset && y.offset+y.size <= x.offset+x.size {
			return true
		}
	}
	return false
}

// attribute names, for every change inside a type, the hypercalls whose
// parameters contain that type (in the old or the new ABI).
func (d *differ) attribute() {
	users := map[string][]string{}
	for _, s := range []*archSide{d.old, d.new} {
		for _, h := range s.Reg.Hypercalls {
			for t := range reach(s.Reg, h.Input, h.Output, h.InputRep, h.OutputRep) {
				if !slices.Contains(users[t], h.Name) {
					users[t] = append(users[t], h.Name)
				}
			}
		}
	}
	for i := range d.out {
		c := &d.out[i]
		switch c.Kind[:4] {
		case "type", "fiel", "bits", "valu":
			if c.Kind == "type.added" || c.Kind == "type.doc" || c.Kind == "type.ref" {
				continue
			}
			c.Affects = slices.Sorted(slices.Values(users[c.Item]))
		}
	}
}

// reach returns every type the named types contain.
func reach(r *spec.Registry, roots ...string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		t := r.Type(name)
		if t == nil {
			return
		}
		visit(t.Base)
		for _, b := range t.Bits {
			visit(b.Type)
		}
		var fields func([]*spec.Field)
		fields = func(fs []*spec.Field) {
			for _, f := range fs {
				visit(f.Type)
				if f.Nested != nil {
					visit(f.Nested.Base)
					fields(f.Nested.Fields)
				}
			}
		}
		fields(t.Fields)
	}
	for _, root := range roots {
		visit(root)
	}
	return seen
}
