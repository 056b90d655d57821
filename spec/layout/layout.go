// Package layout is the registry's resolve stage: Load (or LoadDir, or
// Resolve for a registry assembled in memory) reads, checks and lays out the
// registry exactly as hvgen check does, and returns an ABI: every version's
// items with the size, alignment and member offsets of every type on every
// architecture, where the registry's stated offsets and sizes were checked
// against them. It is the only place layout facts are computed: every
// emitter (Go, C, JSON, docs, diff) and the importer's check read them from
// an ABI.
package layout

import (
	"fmt"
	"strings"

	"github.com/hvgen/hvgen/spec"
)

// Arch is a target architecture: how big and how aligned each primitive is.
type Arch struct {
	Name  string
	align map[int64]int64 // primitive size -> alignment
}

// The architectures the hypervisor defines (spec.Arches). Both are LP64 with
// every fixed-width integer aligned to its size (UINT128 to 16), so a type
// declared alike lays out alike; what differs is the few types the TLFS
// declares per architecture. 32-bit targets align 64-bit integers to 4 and
// are not supported.
var (
	X64    = Arch{Name: "x64", align: map[int64]int64{1: 1, 2: 2, 4: 4, 8: 8, 16: 16}}
	ARM64  = Arch{Name: "arm64", align: map[int64]int64{1: 1, 2: 2, 4: 4, 8: 8, 16: 16}}
	Arches = []Arch{X64, ARM64}
)

// ArchNamed returns the architecture of a spec.Arches name.
func ArchNamed(name string) (Arch, bool) {
	for _, a := range Arches {
		if a.Name == name {
			return a, true
		}
	}
	return Arch{}, false
}

// PageSize is the hypercall input and output page size.
const PageSize = 4096

// Type is the layout of a type.
type Type struct {
	Spec        *spec.Type
	Size, Align int64
	Fields      []*Field // struct and union members
}

// Field is the layout of a struct or union member.
type Field struct {
	Spec   *spec.Field
	Offset int64 // from the start of the enclosing aggregate
	Size   int64 // whole member: element size times count (0 for a flexible array)
	Elem   *Type // the member's type (for an array, the element's)
}

// Result is the layout of one version's registry on one architecture.
type Result struct {
	Arch   Arch
	Types  map[string]*Type
	Ioctls map[string]*Ioctl
}

// Ioctl is an ioctl request resolved on an architecture: the size of its
// argument and the request number, encoded as Linux's asm-generic ioctl.h
// does on x64 and arm64 (IoctlRequest).
type Ioctl struct {
	Spec    *spec.Ioctl
	Size    int64 // the argument's size; 0 without one
	Request uint32
}

// The request encoding of include/uapi/asm-generic/ioctl.h:23-73 @
// 088fecfbb2c8, which x86-64 and arm64 use unchanged: number in bits 0-7,
// type in 8-15, argument size in 16-29, direction in 30-31.
const (
	iocSizeBits  = 14
	iocTypeShift = 8
	iocSizeShift = 16
	iocDirShift  = 30
)

// iocDir is the direction field of each spec.IoctlDirs entry (_IOC_NONE 0,
// _IOC_WRITE 1, _IOC_READ 2).
var iocDir = map[string]uint32{"none": 0, "write": 1, "read": 2, "readwrite": 3}

// IoctlRequest encodes a request number from its direction (a
// spec.IoctlDirs entry), type, number and argument size; ok is false when a
// field does not fit its bits.
func IoctlRequest(dir string, magic, nr uint64, size int64) (req uint32, ok bool) {
	d, known := iocDir[dir]
	if !known || magic > 0xff || nr > 0xff || size < 0 || size >= 1<<iocSizeBits {
		return 0, false
	}
	return d<<iocDirShift | uint32(size)<<iocSizeShift | uint32(magic)<<iocTypeShift | uint32(nr), true
}

// compute lays out every type of a version view on arch (taking arch's
// variant of a type declared per architecture). Types that cannot be laid
// out (undefined, recursive) are missing from the result and reported in the
// error list, undefined ones only with reportUndefined (spec.Check reports
// them otherwise); opaque types are missing too, and only a use of one is an
// error.
func compute(r *spec.Registry, arch Arch, reportUndefined bool) (*Result, spec.ErrorList) {
	all := r
	r = r.ForArch(arch.Name) // a type declared per architecture: this one's variant
	e := &engine{r: r, all: all, arch: arch, res: &Result{Arch: arch, Types: map[string]*Type{}, Ioctls: map[string]*Ioctl{}}, state: map[string]int{},
		reportUndefined: reportUndefined}
	for _, t := range r.Types {
		if t.Kind != spec.KindOpaque { // named only: nothing to lay out
			e.named(t.Name, t.Pos)
		}
	}
	e.hypercalls()
	e.ioctls()
	return e.res, e.errs
}

// Results is one version's layout on each architecture, by spec.Arches name.
type Results map[string]*Result

// Same reports whether a type lays out alike on every architecture of rs:
// same size, alignment and member offsets and sizes, all the way down.
func (rs Results) Same(name string) bool {
	var first *Type
	for _, a := range Arches {
		t := rs[a.Name].Types[name]
		if first == nil {
			first = t
		} else if !sameType(first, t) {
			return false
		}
	}
	return true
}

// SameSize reports whether a type has one size on every architecture of rs.
func (rs Results) SameSize(name string) bool {
	var size int64 = -1
	for _, a := range Arches {
		t := rs[a.Name].Types[name]
		if t == nil {
			return false
		}
		if size >= 0 && t.Size != size {
			return false
		}
		size = t.Size
	}
	return true
}

func sameType(a, b *Type) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Size != b.Size || a.Align != b.Align || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i, f := range a.Fields {
		g := b.Fields[i]
		if f.Spec.Name != g.Spec.Name || f.Offset != g.Offset || f.Size != g.Size || !sameType(f.Elem, g.Elem) {
			return false
		}
	}
	return true
}

type engine struct {
	r     *spec.Registry // the view on arch
	all   *spec.Registry // every architecture's types
	arch  Arch
	res   *Result
	errs  spec.ErrorList
	state map[string]int // 1: in progress, 2: done
	stack []string

	reportUndefined bool
}

func (e *engine) named(name string, pos spec.Pos) *Type {
	if l, ok := e.res.Types[name]; ok {
		return l
	}
	t := e.r.Type(name)
	if t == nil {
		switch {
		case e.all.Type(name) != nil:
			// spec.Check saw the type; it is declared for other architectures only.
			e.errs.Add(pos, "type %s is not declared for %s", name, e.arch.Name)
		case e.reportUndefined:
			e.errs.Add(pos, "undefined type %s", name)
		}
		return nil
	}
	if t.Kind == spec.KindOpaque {
		e.errs.Add(pos, "type %s is opaque (the reference gives no members), so it has no layout to use here", name)
		return nil
	}
	switch e.state[name] {
	case 1:
		i := indexOf(e.stack, name)
		e.errs.Add(t.Pos, "recursive type: %s", strings.Join(append(e.stack[i:], name), " -> "))
		return nil
	case 2:
		return nil // failed before; already reported
	}
	e.state[name] = 1
	e.stack = append(e.stack, name)
	l := e.layout(t)
	e.stack = e.stack[:len(e.stack)-1]
	e.state[name] = 2
	if l != nil {
		e.res.Types[name] = l
	}
	return l
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return 0
}

func (e *engine) layout(t *spec.Type) *Type {
	what := t.Name
	switch t.Kind {
	case spec.KindPrimitive:
		size, _, _ := spec.PrimitiveSize(t.Name)
		return &Type{Spec: t, Size: size, Align: e.arch.align[size]}
	case spec.KindAlias:
		b := e.named(t.Base, t.Pos)
		if b == nil {
			return nil
		}
		return &Type{Spec: t, Size: b.Size, Align: b.Align, Fields: b.Fields}
	case spec.KindEnum, spec.KindFlags:
		b := e.named(t.Base, t.Pos)
		if b == nil {
			return nil
		}
		return &Type{Spec: t, Size: b.Size, Align: b.Align}
	case spec.KindBitfield:
		return e.bitfield(t, what)
	case spec.KindStruct:
		return e.aggregate(t, what, false)
	case spec.KindUnion:
		return e.aggregate(t, what, true)
	}
	return nil
}

func (e *engine) bitfield(t *spec.Type, what string) *Type {
	b := e.named(t.Base, t.Pos)
	if b == nil {
		return nil
	}
	total := int(b.Size * 8)
	owner := make([]string, total)
	ok := true
	for _, bit := range t.Bits {
		if bit.Bit < 0 || bit.Width <= 0 || bit.Bit+bit.Width > total {
			e.errs.Add(bit.Pos, "%s: bits %s (%d..%d) lie outside the %d-bit %s", what, bit.Name, bit.Bit, bit.Bit+bit.Width-1, total, t.Base)
			ok = false
			continue
		}
		if bit.Type != "" {
			if tt := e.named(bit.Type, bit.Pos); tt != nil && bit.Width > int(tt.Size*8) {
				e.errs.Add(bit.Pos, "%s: bits %s are %d wide but their type %s holds %d bits", what, bit.Name, bit.Width, bit.Type, tt.Size*8)
			}
		}
		for i := bit.Bit; i < bit.Bit+bit.Width; i++ {
			if owner[i] != "" {
				e.errs.Add(bit.Pos, "%s: bits %s overlap %s at bit %d", what, bit.Name, owner[i], i)
				ok = false
				break
			}
			owner[i] = bit.Name
		}
	}
	if ok {
		for i := 0; i < total; i++ {
			if owner[i] != "" {
				continue
			}
			j := i
			for j+1 < total && owner[j+1] == "" {
				j++
			}
			e.errs.Add(t.Pos, "%s: bits %d..%d are not covered; list them (reserved: true if the reference reserves them)", what, i, j)
			i = j
		}
	}
	return &Type{Spec: t, Size: b.Size, Align: b.Align}
}

// member returns the layout of a member's type.
func (e *engine) member(f *spec.Field, what string) *Type {
	if f.Nested == nil {
		return e.named(f.Type, f.Pos)
	}
	switch f.Nested.Kind {
	case spec.KindBitfield:
		return e.bitfield(f.Nested, what+"."+f.Name)
	case spec.KindUnion:
		return e.aggregate(f.Nested, what+"."+nameOr(f.Name), true)
	default:
		return e.aggregate(f.Nested, what+"."+nameOr(f.Name), false)
	}
}

func nameOr(n string) string {
	if n == "" {
		return "(anonymous)"
	}
	return n
}

func alignUp(x, a int64) int64 { return (x + a - 1) / a * a }

func (e *engine) aggregate(t *spec.Type, what string, union bool) *Type {
	l := &Type{Spec: t, Align: 1}
	var cur int64 // end of the previous member
	var prev string
	failed := false
	for _, f := range t.Fields {
		m := e.member(f, what)
		if m == nil {
			failed = true
			continue
		}
		fname := what + "." + nameOr(f.Name)
		align := m.Align
		if t.Packed {
			align = 1
		}
		l.Align = max(l.Align, align)
		count := max(f.Count, 1)
		if f.Flexible {
			count = 0
		}
		size := m.Size * count
		off := int64(0)
		if !union {
			off = alignUp(cur, align)
			if off > cur && !failed {
				e.errs.Add(f.Pos, "%s: undeclared gap of %d bytes at offset %#x before it (natural alignment %d): declare a padding member", fname, off-cur, cur, align)
			}
		}
		if f.Offset != nil && !failed {
			switch stated := *f.Offset; {
			case stated == off:
			case !union && stated < cur:
				e.errs.Add(f.Pos, "%s: stated offset %#x overlaps %s, which ends at %#x", fname, stated, prev, cur)
			default:
				e.errs.Add(f.Pos, "%s: stated offset %#x disagrees with the natural-alignment layout, which places it at %#x", fname, stated, off)
				if !union && stated > off && stated%align == 0 {
					off = stated // keep checking the members after it against the reference
				}
			}
		}
		if f.Size != nil && *f.Size != size && !failed {
			e.errs.Add(f.Pos, "%s: stated size %d, computed %d", fname, *f.Size, size)
		}
		l.Fields = append(l.Fields, &Field{Spec: f, Offset: off, Size: size, Elem: m})
		if union {
			cur = max(cur, size)
		} else {
			cur = off + size
		}
		prev = nameOr(f.Name)
	}
	if failed {
		return nil
	}
	if cur == 0 && !(len(t.Fields) > 0 && t.Fields[len(t.Fields)-1].Flexible) {
		e.errs.Add(t.Pos, "%s: size is zero", what)
	}
	l.Size = alignUp(cur, l.Align)
	if l.Size > cur && !union {
		e.errs.Add(t.Pos, "%s: undeclared trailing padding of %d bytes at offset %#x: declare a padding member", what, l.Size-cur, cur)
	}
	if t.Size != nil && *t.Size != l.Size {
		e.errs.Add(t.Pos, "%s: stated size %d, computed %d", what, *t.Size, l.Size)
	}
	return l
}

// hypercalls checks that each hypercall's parameters fit their pages.
func (e *engine) hypercalls() {
	for _, h := range e.r.Hypercalls {
		for _, side := range []struct {
			what, header, rep string
		}{{"input", h.Input, h.InputRep}, {"output", h.Output, h.OutputRep}} {
			var size int64
			if side.header != "" {
				if l := e.res.Types[side.header]; l != nil {
					size = l.Size
				}
			}
			if side.rep != "" {
				if l := e.res.Types[side.rep]; l != nil {
					size = alignUp(size, l.Align) + l.Size // at least one element must fit
				}
			}
			if size > PageSize {
				e.errs.Add(h.Pos, "hypercall %s: %s is %d bytes, larger than a %d-byte page", h.Name, side.what, size, PageSize)
			}
		}
	}
}

// ioctls computes each request number from its argument's size, and checks
// it against the number the registry states.
func (e *engine) ioctls() {
	for _, x := range e.r.Ioctls {
		var size int64
		if x.Arg != "" {
			l := e.named(x.Arg, x.Pos)
			if l == nil {
				continue
			}
			size = l.Size
		}
		req, ok := IoctlRequest(x.Dir, x.Magic, x.Nr, size)
		if !ok {
			e.errs.Add(x.Pos, "ioctl %s: argument %s is %d bytes on %s, more than a request's %d-bit size field holds", x.Name, x.Arg, size, e.arch.Name, iocSizeBits)
			continue
		}
		if x.Request != nil && uint64(req) != *x.Request {
			e.errs.Add(x.Pos, "ioctl %s: stated request %#x, computed %#x on %s (direction %s, type %#x, number %#x, %d-byte argument)", x.Name, *x.Request, req, e.arch.Name, x.Dir, x.Magic, x.Nr, size)
		}
		e.res.Ioctls[x.Name] = &Ioctl{Spec: x, Size: size, Request: req}
	}
}

// String describes a layout for debugging and golden tests.
func (l *Type) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "size %d align %d", l.Size, l.Align)
	for _, f := range l.Fields {
		fmt.Fprintf(&b, "\n  %#x %s (%d)", f.Offset, nameOr(f.Spec.Name), f.Size)
	}
	return b.String()
}
