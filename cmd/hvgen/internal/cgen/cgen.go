// Package cgen emits a C header for one ABI version of the registry, in the
// style of the hypervisor's own headers, with a static assertion on the size,
// alignment and member offsets of every struct and union. The header compiles
// as C11 and C++11 or later. The file layout is the template
// templates/c_header.tmpl; this package prepares its data.
package cgen

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
	"github.com/hvgen/hvgen/templates"
)

// File is the template's data.
type File struct {
	Command, Version, Guard string
	Types                   []Type
	Constants               []Define
	Ioctls                  []Ioctl
}

// Ioctl is one ioctl request: its macro (_IOW(type, nr, arg) ...) and the
// request number the registry computes, which the header asserts.
type Ioctl struct {
	Name, Doc, Macro, Request, If string
}

// Type is one typedef.
type Type struct {
	If              string // preprocessor condition for a type declared per architecture; "" for all
	Name, Doc, Kind string // Kind: alias, enum, aggregate
	Base            string // alias, enum: the underlying type
	Keyword         string // aggregate: struct or union
	Packed          bool
	Values          []Define
	Members         []Member
	Asserts         []Assert     // on every architecture
	ArchAsserts     []ArchAssert // where the layout differs per architecture
}

// ArchAssert is the assertions that hold on one architecture.
type ArchAssert struct {
	If      string
	Asserts []Assert
}

// archIf is the preprocessor condition that selects an architecture.
var archIf = map[string]string{
	"x64":   "defined(__x86_64__) || defined(_M_X64) || defined(_M_AMD64)",
	"arm64": "defined(__aarch64__) || defined(_M_ARM64)",
}

// Member is a struct or union member, possibly an inline aggregate or bitfield.
type Member struct {
	Indent            string
	Name, Type, Array string
	Keyword           string   // inline aggregate: struct or union
	Packed            bool     // inline aggregate: __attribute__((packed))
	Members           []Member // inline aggregate
	Bits              []Bit    // inline bitfield
}

// Bit is one bit range.
type Bit struct {
	Indent     string
	Name, Type string
	Width      int
}

// Define is a #define; If is the preprocessor condition of a constant one
// architecture defines its own way ("" for all).
type Define struct{ Name, Value, If string }

// Assert is one _Static_assert.
type Assert struct {
	Expr, What string
	Want       int64
}

// Generate returns the header for a resolved version (or a selection of
// one: layout.Version.Subset).
func Generate(v *layout.Version, command string) ([]byte, error) {
	r, res, version := v.Registry, v.Layout, v.Name
	tmpl, err := template.ParseFS(templates.FS, "c_header.tmpl")
	if err != nil {
		return nil, err
	}
	f := &File{Command: command, Version: version, Guard: "HVGEN_" + strings.ToUpper(ident(version)) + "_H"}
	b := &builder{r: r, res: res, arch: map[string]*spec.Registry{}, done: map[string]bool{}}
	for _, a := range spec.Arches {
		b.arch[a] = r.ForArch(a)
	}
	for _, t := range r.Types {
		b.visit(t.Name)
	}
	f.Types = b.out
	if b.err != nil {
		return nil, b.err
	}
	for _, c := range r.Constants {
		if c.Value == nil {
			continue
		}
		d := Define{Name: c.Name, Value: typed(c.Type, *c.Value)}
		if len(c.Arch) == 1 {
			d.If = archIf[c.Arch[0]]
		}
		f.Constants = append(f.Constants, d)
	}
	for _, s := range r.Statuses {
		if s.Value != nil {
			f.Constants = append(f.Constants, Define{Name: s.Name, Value: typed("HV_STATUS", *s.Value)})
		}
	}
	for _, h := range r.Hypercalls {
		f.Constants = append(f.Constants, Define{Name: h.Name, Value: typed("HV_CALL_CODE", h.Code)})
	}
	for _, x := range r.Ioctls {
		for i, a := range spec.Arches {
			l := res[a].Ioctls[x.Name]
			if l == nil {
				continue
			}
			io := Ioctl{Name: x.Name, Doc: x.Doc, Request: fmt.Sprintf("%#08x", l.Request)}
			macro := map[string]string{"none": "_IO", "read": "_IOR", "write": "_IOW", "readwrite": "_IOWR"}[x.Dir]
			io.Macro = fmt.Sprintf("%s(%#x, %#x)", macro, x.Magic, x.Nr)
			if x.Arg != "" {
				io.Macro = fmt.Sprintf("%s(%#x, %#x, %s)", macro, x.Magic, x.Nr, CName(x.Arg))
			}
			same := true
			for _, b := range spec.Arches {
				if lb := res[b].Ioctls[x.Name]; lb == nil || lb.Request != l.Request {
					same = false
				}
			}
			if same {
				if i == 0 {
					f.Ioctls = append(f.Ioctls, io)
				}
				continue
			}
			io.If = archIf[a]
			f.Ioctls = append(f.Ioctls, io)
		}
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func typed(typ string, v uint64) string {
	if typ == "" {
		return fmt.Sprintf("%#x", v)
	}
	return fmt.Sprintf("((%s)%#x)", CName(typ), v)
}

// cPrimitives are the C spellings of the registry's built-in integer types:
// <stdint.h> types, so that the header declares no UINT8 or UINT64 of its
// own (a program's or <windows.h>'s would collide with it). BOOLEAN and
// UINT128 have no <stdint.h> spelling of their own: the header declares them
// under prefixed names (templates/c_header.tmpl), which also lets
// "hvgen import" read them back as the registry's BOOLEAN and UINT128 rather
// than as a UINT8 and a struct.
var cPrimitives = map[string]string{
	"UINT8": "uint8_t", "UINT16": "uint16_t", "UINT32": "uint32_t", "UINT64": "uint64_t", "UINT128": "HV_UINT128",
	"INT8": "int8_t", "INT16": "int16_t", "INT32": "int32_t", "INT64": "int64_t", "BOOLEAN": "HVGEN_BOOLEAN",
}

// CName is the name the C header gives a registry type: its own name, or
// for a built-in integer type its <stdint.h> spelling.
func CName(typ string) string {
	if c, ok := cPrimitives[typ]; ok {
		return c
	}
	return typ
}

func ident(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

type builder struct {
	r    *spec.Registry            // the version view, every architecture's variants
	arch map[string]*spec.Registry // the view on each architecture
	res  layout.Results
	done map[string]bool
	out  []Type
	err  error
}

// visit emits a type after the types it uses (C needs them declared first).
// A type declared per architecture becomes one typedef per architecture,
// each under its #if.
func (b *builder) visit(name string) {
	t := b.r.Type(name)
	if t == nil || t.Kind == spec.KindPrimitive || t.Kind == spec.KindOpaque || b.done[name] {
		return
	}
	b.done[name] = true
	if len(t.Arch) > 0 {
		for _, a := range spec.Arches {
			if ta := b.arch[a].Type(name); ta != nil {
				ct := b.typedef(ta, a)
				ct.If = archIf[a]
				b.out = append(b.out, ct)
			}
		}
		return
	}
	ct := b.typedef(t, spec.Arches[0])
	// Asserted on every architecture: the facts that differ go under #if.
	byArch := map[string][]Assert{}
	for _, a := range spec.Arches {
		if lt := b.res[a].Types[name]; lt != nil {
			byArch[a] = b.asserts(t, lt)
		}
	}
	ct.Asserts = nil
	for _, as := range byArch[spec.Arches[0]] {
		if !slices.ContainsFunc(spec.Arches[1:], func(a string) bool { return !slices.Contains(byArch[a], as) }) {
			ct.Asserts = append(ct.Asserts, as)
		}
	}
	for _, a := range spec.Arches {
		var own []Assert
		for _, as := range byArch[a] {
			if !slices.Contains(ct.Asserts, as) {
				own = append(own, as)
			}
		}
		if len(own) > 0 {
			ct.ArchAsserts = append(ct.ArchAsserts, ArchAssert{archIf[a], own})
		}
	}
	b.out = append(b.out, ct)
}

// typedef builds a type's declaration and its assertions on architecture a,
// after the types it uses.
func (b *builder) typedef(t *spec.Type, a string) Type {
	r := b.arch[a]
	for _, dep := range deps(t) {
		b.visit(dep)
	}
	ct := Type{Name: t.Name, Doc: oneLine(t.Doc)}
	lt := b.res[a].Types[t.Name]
	if lt == nil {
		b.err = fmt.Errorf("%s: no layout", t.Name)
		return ct
	}
	switch t.Kind {
	case spec.KindAlias:
		ct.Kind, ct.Base = "alias", CName(t.Base)
	case spec.KindEnum, spec.KindFlags:
		ct.Kind, ct.Base = "enum", CName(t.Base)
		for _, v := range t.Values {
			ct.Values = append(ct.Values, Define{Name: v.Name, Value: fmt.Sprintf("%#x", v.Value)})
		}
	case spec.KindBitfield:
		base := r.Integer(t.Base).Name
		ct.Kind, ct.Keyword = "aggregate", "union"
		ct.Members = []Member{{Indent: indent(1), Bits: bits(t, CName(base), 2)}, {Indent: indent(1), Type: CName(base), Name: "As" + base}}
	case spec.KindStruct, spec.KindUnion:
		ct.Kind, ct.Keyword, ct.Packed = "aggregate", string(t.Kind), t.Packed
		ct.Members = b.members(r, t.Fields, 1, t.Kind == spec.KindUnion)
	}
	ct.Asserts = b.asserts(t, lt)
	return ct
}

// asserts are the size, alignment and offset assertions of a type's layout.
func (b *builder) asserts(t *spec.Type, lt *layout.Type) []Assert {
	ct := Type{}
	if t.Kind != spec.KindAlias || lt.Fields == nil { // an alias of an aggregate is checked where the aggregate is
		ct.Asserts = append(ct.Asserts, Assert{"sizeof(" + t.Name + ")", t.Name + " size", lt.Size})
		if !t.Packed {
			ct.Asserts = append(ct.Asserts, Assert{"HVGEN_ALIGNOF(" + t.Name + ")", t.Name + " alignment", lt.Align})
		}
	}
	if t.Kind == spec.KindStruct || t.Kind == spec.KindUnion {
		b.offsets(&ct, t.Name, "", lt, 0)
	}
	return ct.Asserts
}

// offsets asserts the offset of every named member, through anonymous
// aggregates (flattened in C11) and named nested ones (dotted paths).
func (b *builder) offsets(ct *Type, typ, prefix string, lt *layout.Type, base int64) {
	for _, f := range lt.Fields {
		sf := f.Spec
		switch {
		case sf.Name == "" && f.Elem != nil:
			b.offsets(ct, typ, prefix, f.Elem, base+f.Offset)
		case sf.Flexible:
			ct.Asserts = append(ct.Asserts, Assert{fmt.Sprintf("offsetof(%s, %s%s)", typ, prefix, sf.Name), typ + "." + prefix + sf.Name + " offset", base + f.Offset})
		default:
			path := prefix + sf.Name
			ct.Asserts = append(ct.Asserts, Assert{fmt.Sprintf("offsetof(%s, %s)", typ, path), typ + "." + path + " offset", base + f.Offset})
			if sf.Nested != nil && sf.Nested.Kind != spec.KindBitfield && sf.Count == 0 {
				b.offsets(ct, typ, path+".", f.Elem, base+f.Offset)
			}
		}
	}
}

func indent(depth int) string { return strings.Repeat("    ", depth) }

func (b *builder) members(r *spec.Registry, fields []*spec.Field, depth int, union bool) []Member {
	var out []Member
	for _, f := range fields {
		m := Member{Indent: indent(depth), Name: f.Name, Type: CName(f.Type)}
		switch {
		case f.Count > 0:
			m.Array = fmt.Sprintf("[%d]", f.Count)
		case f.Flexible && (len(fields) == 1 || union):
			// C11 wants a named member before a flexible array and none in a
			// union (the TLFS writes one there, as MSVC allows); GNU C's [0] is both.
			m.Array = "[0]"
		case f.Flexible:
			m.Array = "[]"
		}
		if f.Nested != nil {
			switch f.Nested.Kind {
			case spec.KindBitfield:
				m.Bits = bits(f.Nested, CName(r.Integer(f.Nested.Base).Name), depth+1)
			default:
				m.Keyword, m.Packed = string(f.Nested.Kind), f.Nested.Packed
				m.Members = b.members(r, f.Nested.Fields, depth+1, f.Nested.Kind == spec.KindUnion)
			}
		}
		out = append(out, m)
	}
	return out
}

func bits(t *spec.Type, base string, depth int) []Bit {
	var out []Bit
	sorted := slices.Clone(t.Bits)
	slices.SortFunc(sorted, func(a, b *spec.Bit) int { return a.Bit - b.Bit }) // C allocates in declaration order
	for _, bit := range sorted {
		out = append(out, Bit{Indent: indent(depth), Name: bit.Name, Type: base, Width: bit.Width})
	}
	return out
}

// deps returns the types a type uses by value.
func deps(t *spec.Type) []string {
	var out []string
	if t.Base != "" {
		out = append(out, t.Base)
	}
	var walk func([]*spec.Field)
	walk = func(fs []*spec.Field) {
		for _, f := range fs {
			if f.Type != "" {
				out = append(out, f.Type)
			}
			if f.Nested != nil {
				walk(f.Nested.Fields)
			}
		}
	}
	walk(t.Fields)
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "*/", "* /")
}
