package cimport

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"modernc.org/cc/v4"

	"github.com/hvgen/hvgen/spec"
)

// primitiveNames are the typedef names that stand for a registry primitive,
// in the spellings of the hvgen C header, C99 and the kernel. A typedef of
// one of these with the primitive's size and alignment is not an item: it is
// the primitive itself (see primitiveOf).
var primitiveNames = map[string]string{
	"UINT8": "UINT8", "UINT16": "UINT16", "UINT32": "UINT32", "UINT64": "UINT64", "UINT128": "UINT128",
	"INT8": "INT8", "INT16": "INT16", "INT32": "INT32", "INT64": "INT64", "BOOLEAN": "BOOLEAN",
	// hvgen's C header: BOOLEAN and the 16-byte aligned UINT128, which
	// <stdint.h> has no names for.
	"HVGEN_BOOLEAN": "BOOLEAN", "HV_UINT128": "UINT128",
	"uint8_t": "UINT8", "uint16_t": "UINT16", "uint32_t": "UINT32", "uint64_t": "UINT64",
	"int8_t": "INT8", "int16_t": "INT16", "int32_t": "INT32", "int64_t": "INT64",
	"u8": "UINT8", "u16": "UINT16", "u32": "UINT32", "u64": "UINT64",
	"s8": "INT8", "s16": "INT16", "s32": "INT32", "s64": "INT64",
	"__u8": "UINT8", "__u16": "UINT16", "__u32": "UINT32", "__u64": "UINT64",
	"__s8": "INT8", "__s16": "INT16", "__s32": "INT32", "__s64": "INT64",
	"__le16": "UINT16", "__le32": "UINT32", "__le64": "UINT64",
	"bool": "BOOLEAN", "_Bool": "BOOLEAN",
	"ulong": "UINT64", // the kernel's unsigned long: 64 bits on both LP64 targets
}

// reservedName matches the member names that mean "reserved" in the headers,
// must-be-zero (MBZ) members included.
var reservedName = regexp.MustCompile(`(?i)^(reserved|rsvd|rsvdz|rsvd_z|rsvdp|mbz)[_0-9a-z]*$`)

// paddingName matches the member names that only fill an alignment gap.
var paddingName = regexp.MustCompile(`(?i)^padding[0-9]*$`)

// unsupported is a construct the registry cannot express; the item that has
// it is left out with this reason.
type unsupported struct {
	line int
	msg  string
}

func (u *unsupported) Error() string { return u.msg }

func fail(line int, format string, args ...any) *unsupported {
	return &unsupported{line, fmt.Sprintf(format, args...)}
}

// converter turns one translation unit into items.
type converter struct {
	c       *Config
	ast     *cc.AST
	files   map[string]bool // the headers items are taken from
	res     *Result
	arch    string
	tags    map[string]string         // "struct tag" -> registry name
	names   map[string]bool           // registry type names declared so far
	lines   map[string]map[int]string // file -> line -> typedef of an integer declared there
	curFile string                    // the header of the declaration being converted
}

// Parse imports the headers for one architecture.
func Parse(c *Config) (*Result, error) {
	ast, err := translate(c)
	if err != nil {
		return nil, err
	}
	v := &converter{c: c, ast: ast, files: map[string]bool{}, arch: c.Arch,
		res:  &Result{Layout: map[string]map[string]*CLayout{c.Arch: {}}},
		tags: map[string]string{}, names: map[string]bool{}, lines: map[string]map[int]string{}}
	for _, f := range c.Files {
		v.files[path.Clean(f)] = true
	}
	v.declarations()
	v.macros()
	v.link()
	v.res.SortSkipped()
	return v.res, nil
}

// inFiles reports whether a position lies in one of the imported headers.
func (v *converter) inFiles(file string) (string, bool) {
	f := path.Clean(file)
	return f, v.files[f]
}

func (v *converter) skip(file string, line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	v.res.Skipped = append(v.res.Skipped, Problem{File: file, Line: line, Msg: msg, Name: subject(msg)})
}

// subject is the C name a problem's message is about: the last word before
// its first colon ("struct hv_x: ...", "#define HV_Y: ...", "HV_Z: ...").
// A message that names nothing ("not a declaration", "unnamed enum ...")
// has none.
func subject(msg string) string {
	head, _, ok := strings.Cut(msg, ": ")
	if !ok || strings.HasPrefix(head, "unnamed ") {
		return ""
	}
	f := strings.Fields(head)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

func (v *converter) item(name, file string, line int, doc string) spec.Item {
	return spec.Item{Name: name, Versions: []string{v.c.Version}, Doc: doc, Refs: []string{v.c.ref(file, line)},
		Pos: spec.Pos{File: file, Line: line}}
}

// declarations walks the file scope in order.
func (v *converter) declarations() {
	for l := v.ast.TranslationUnit; l != nil; l = l.TranslationUnit {
		ed := l.ExternalDeclaration
		pos := ed.Position()
		file, ok := v.inFiles(pos.Filename)
		if !ok {
			continue
		}
		v.curFile = file
		switch ed.Case {
		case cc.ExternalDeclarationDecl:
			v.declaration(file, ed.Declaration)
		case cc.ExternalDeclarationFuncDef:
			v.skip(file, pos.Line, "function definition %s: not an ABI item", ed.FunctionDefinition.Declarator.Name())
		default:
			v.skip(file, pos.Line, "not a declaration")
		}
	}
}

// definition returns the struct, union or enum a declaration's specifiers
// define with a body, if any.
func definition(ds *cc.DeclarationSpecifiers) (sou *cc.StructOrUnionSpecifier, enum *cc.EnumSpecifier) {
	for ; ds != nil; ds = ds.DeclarationSpecifiers {
		ts := ds.TypeSpecifier
		if ts == nil {
			continue
		}
		if s := ts.StructOrUnionSpecifier; s != nil && s.Case == cc.StructOrUnionSpecifierDef {
			return s, nil
		}
		if e := ts.EnumSpecifier; e != nil && e.Case == cc.EnumSpecifierDef {
			return nil, e
		}
	}
	return nil, nil
}

func (v *converter) declaration(file string, d *cc.Declaration) {
	line := d.Position().Line
	if d.Case != cc.DeclarationDecl || d.DeclarationSpecifiers == nil {
		return // _Static_assert and the like: no item
	}
	ds := d.DeclarationSpecifiers
	t := ds.Type()
	sou, enum := definition(ds)
	if d.InitDeclaratorList == nil {
		switch {
		case sou != nil:
			tag := tagOf(t)
			if tag == "" {
				v.skip(file, line, "unnamed %s declared without a typedef: no name to import it by", kindWord(t))
				return
			}
			v.tags[kindWord(t)+" "+tag] = tag
			v.aggregate(tag, file, line, t)
		case enum != nil:
			v.enum(tagOf(t), file, line, t)
		}
		return
	}
	for il := d.InitDeclaratorList; il != nil; il = il.InitDeclaratorList {
		dd := il.InitDeclarator.Declarator
		dline := dd.Position().Line
		if !dd.IsTypename() {
			v.skip(file, dline, "%s: a variable or function declaration, not a type", dd.Name())
			continue
		}
		name := dd.Name()
		dt := dd.Type()
		if _, ok := primitiveOf(name, dt); ok {
			continue // the primitive itself
		}
		switch {
		case sou != nil && sameType(dt, t):
			if tag := tagOf(t); tag != "" {
				v.tags[kindWord(t)+" "+tag] = name
			}
			v.aggregate(name, file, line, dt)
		case enum != nil && sameType(dt, t):
			v.enum(name, file, line, dt)
		default:
			v.alias(name, file, dline, ds, dt)
		}
	}
}

// primitiveOf returns the registry primitive a typedef name stands for, if
// the C type has that primitive's size and alignment (the registry aligns
// every primitive to its size, UINT128 to 16 like HV_UINT128's alignas(16)).
// A header's own type under such a name but laid out otherwise, a packed
// 128-bit struct say, is an ordinary item.
func primitiveOf(name string, t cc.Type) (string, bool) {
	p, ok := primitiveNames[name]
	if !ok {
		return "", false
	}
	size, _, _ := spec.PrimitiveSize(p)
	return p, t.Size() == size && int64(t.Align()) == size
}

// sameType reports whether a declarator declares the specifier's type itself
// (not an array of it or a pointer to it).
func sameType(dt, t cc.Type) bool { return dt.Kind() == t.Kind() && dt.Size() == t.Size() }

func kindWord(t cc.Type) string {
	switch t.Kind() {
	case cc.Union:
		return "union"
	case cc.Enum:
		return "enum"
	}
	return "struct"
}

func tagOf(t cc.Type) string {
	var tok cc.Token
	switch x := t.(type) {
	case *cc.StructType:
		tok = x.Tag()
	case *cc.UnionType:
		tok = x.Tag()
	case *cc.EnumType:
		tok = x.Tag()
	default:
		return ""
	}
	return tok.SrcStr()
}

func (v *converter) addType(t *spec.Type) {
	if v.names[t.Name] {
		v.skip(t.Pos.File, t.Pos.Line, "%s: declared twice", t.Name)
		return
	}
	v.names[t.Name] = true
	v.res.Types = append(v.res.Types, t)
}

// alias imports typedef NAME BASE.
func (v *converter) alias(name, file string, line int, ds *cc.DeclarationSpecifiers, dt cc.Type) {
	if dt.Kind() == cc.Array || dt.Kind() == cc.Ptr || dt.Kind() == cc.Function {
		v.skip(file, line, "typedef %s: names an array, pointer or function type (the registry's alias renames a type)", name)
		return
	}
	base, err := v.typeName(ds.Type(), line)
	if err != nil {
		v.skip(file, line, "typedef %s: %v", name, err)
		return
	}
	t := &spec.Type{Item: v.item(name, file, line, fmt.Sprintf("Type name for %s (C typedef %s).", articleOf(base), name)),
		Kind: spec.KindAlias, Base: base}
	if spec.Primitive(base) != nil && isInteger(dt) {
		if v.lines[file] == nil {
			v.lines[file] = map[int]string{}
		}
		v.lines[file][line] = name
	}
	v.addType(t)
}

func articleOf(base string) string {
	if spec.Primitive(base) != nil {
		return "a " + base
	}
	return base
}

func isInteger(t cc.Type) bool { return cc.IsIntegerType(t) || t.Kind() == cc.Bool }

// typeName names the registry type a C type is: a primitive, or a type the
// headers declare (by typedef or tag). Anonymous aggregates are not names.
func (v *converter) typeName(t cc.Type, line int) (string, error) {
	if td := t.Typedef(); td != nil {
		if p, ok := primitiveOf(td.Name(), t); ok {
			return p, nil
		}
		if v.names[td.Name()] {
			return td.Name(), nil
		}
		return "", fail(line, "type %s is not imported (declared outside the headers, or left out)", td.Name())
	}
	switch t.Kind() {
	case cc.Struct, cc.Union, cc.Enum:
		tag := tagOf(t)
		if tag == "" {
			return "", fail(line, "an unnamed %s where a type name is needed", kindWord(t))
		}
		if n, ok := v.tags[kindWord(t)+" "+tag]; ok && v.names[n] {
			return n, nil
		}
		return "", fail(line, "%s %s is not imported", kindWord(t), tag)
	case cc.Ptr:
		return "", fail(line, "a pointer (the ABI has none)")
	case cc.Array:
		return "", fail(line, "an array type where a scalar or aggregate is needed")
	case cc.Bool:
		return "BOOLEAN", nil
	}
	if cc.IsIntegerType(t) {
		size := t.Size()
		signed := cc.IsSignedInteger(t)
		for n, p := range map[string]struct {
			size   int64
			signed bool
		}{"UINT8": {1, false}, "UINT16": {2, false}, "UINT32": {4, false}, "UINT64": {8, false}, "UINT128": {16, false},
			"INT8": {1, true}, "INT16": {2, true}, "INT32": {4, true}, "INT64": {8, true}} {
			if p.size == size && p.signed == signed {
				return n, nil
			}
		}
	}
	return "", fail(line, "C type %s has no registry equivalent", t)
}

// enum imports a C enumeration; an unnamed one gives constants.
func (v *converter) enum(name, file string, line int, t cc.Type) {
	et, ok := t.(*cc.EnumType)
	if !ok {
		v.skip(file, line, "enum %s: not an enumeration type", name)
		return
	}
	var vals []*spec.Value
	seen := map[uint64]bool{}
	bitNumbers := name == "" && isBitNumbers(et)
	for _, e := range et.Enumerators() {
		eline := e.Position().Line
		val, ok := unsignedValue(e.Value())
		doc := ""
		if n, neg := e.Value().(cc.Int64Value); neg && n < 0 && n >= -1<<31 && et.Size() == 4 {
			// A negative enumerator of a 32-bit enum: the same bits unsigned.
			val, ok = uint64(uint32(int32(n))), true
			doc = fmt.Sprintf("%d in the header: all %d bits as an unsigned value.", int64(n), 32)
		}
		if !ok {
			v.skip(file, eline, "enumerator %s: value %v is not a non-negative integer", e.Token.SrcStr(), e.Value())
			if name != "" {
				v.skip(file, line, "enum %s: left out (a value cannot be represented)", name)
				return
			}
			continue
		}
		if name == "" {
			what := "Constant " + words(e.Token.SrcStr()) + " (a value of an unnamed C enumeration)."
			if bitNumbers {
				what = bitNumberDoc(e.Token.SrcStr(), val)
			}
			c := &spec.Constant{Item: v.item(e.Token.SrcStr(), file, eline, strings.TrimSpace(what+" "+doc)), Value: &val}
			v.res.Constants = append(v.res.Constants, c)
			continue
		}
		vals = append(vals, &spec.Value{Name: e.Token.SrcStr(), Value: val, Alias: seen[val], Doc: doc, Pos: spec.Pos{File: file, Line: eline}})
		seen[val] = true
	}
	if name == "" {
		return
	}
	base := "UINT32"
	switch et.Size() {
	case 1:
		base = "UINT8"
	case 2:
		base = "UINT16"
	case 8:
		base = "UINT64"
	}
	v.addType(&spec.Type{Item: v.item(name, file, line, "Enumeration "+words(name)+" (C enum)."), Kind: spec.KindEnum, Base: base, Values: vals})
}

// isBitNumbers recognises an unnamed enumeration of flag bit numbers, as
// Linux's uapi headers write them: every name has _BIT_ in it, the values
// count up from 0, and the last is the count (NAME_BIT_COUNT).
func isBitNumbers(et *cc.EnumType) bool {
	es := et.Enumerators()
	if len(es) < 2 || !strings.HasSuffix(es[len(es)-1].Token.SrcStr(), "_BIT_COUNT") {
		return false
	}
	for i, e := range es {
		n, ok := unsignedValue(e.Value())
		if !ok || n != uint64(i) || !strings.Contains(e.Token.SrcStr(), "_BIT_") {
			return false
		}
	}
	return true
}

// bitNumberDoc describes one value of an enumeration of bit numbers.
func bitNumberDoc(name string, n uint64) string {
	prefix, flag, _ := strings.Cut(name, "_BIT_")
	if flag == "COUNT" {
		return fmt.Sprintf("The number of %s flag bits (%d); the bits above them are reserved (a value of an unnamed C enumeration of bit numbers).", words(prefix), n)
	}
	return fmt.Sprintf("Bit number of the %s flag %s: the flag is 1 << %d (a value of an unnamed C enumeration of bit numbers).", words(prefix), words(flag), n)
}

func unsignedValue(x cc.Value) (uint64, bool) {
	switch n := x.(type) {
	case cc.Int64Value:
		if n < 0 {
			return 0, false
		}
		return uint64(n), true
	case cc.UInt64Value:
		return uint64(n), true
	}
	return 0, false
}

// aggr is what cc's struct and union types have in common.
type aggr interface {
	cc.Type
	NumFields() int
	FieldByIndex(int) *cc.Field
}

// aggregate imports a struct or union (or a bitfield: the union of an integer
// and a struct of bit-fields that fill it, or a struct of bit-fields alone).
func (v *converter) aggregate(name, file string, line int, t cc.Type) {
	a, ok := t.(aggr)
	if !ok {
		v.skip(file, line, "%s: not a struct or union", name)
		return
	}
	doc := fmt.Sprintf("C %s %s: %s.", kindWord(t), name, words(name))
	if base, bits, _, err := v.bitUnion(a, line); err == nil && bits != nil {
		v.addType(&spec.Type{Item: v.item(name, file, line, "Bit-field value "+words(name)+" (C union of an integer and its bit-fields)."), Kind: spec.KindBitfield, Base: base, Bits: bits})
		return
	}
	if base, bits, err := v.bitStruct(a, line, false); err == nil && bits != nil {
		v.addType(&spec.Type{Item: v.item(name, file, line, "Bit-field value "+words(name)+" (C struct of bit-fields)."), Kind: spec.KindBitfield, Base: base, Bits: bits})
		return
	}
	lay := &CLayout{Size: a.Size(), Align: int64(a.Align()), Offsets: map[string]int64{}, Sizes: map[string]int64{}}
	fields, err := v.fields(a, line, "", 0, lay)
	if err != nil {
		u, _ := err.(*unsupported)
		l := line
		if u != nil && u.line > 0 {
			l = u.line
		}
		v.skip(file, l, "%s %s: %v", kindWord(t), name, err)
		return
	}
	if err := explicitAlign(a, line); err != nil {
		v.skip(file, line, "%s %s: %v", kindWord(t), name, err)
		return
	}
	st := &spec.Type{Item: v.item(name, file, line, doc), Kind: spec.KindStruct, Fields: fields, Packed: a.Attributes().Packed()}
	if t.Kind() == cc.Union {
		st.Kind = spec.KindUnion
	}
	size := a.Size()
	st.Size = &size
	v.res.Layout[v.arch][name] = lay
	v.addType(st)
}

// explicitAlign reports an aggregate whose alignment is not what its
// members (or packing) give it: an aligned attribute, which the registry
// does not express.
func explicitAlign(a aggr, line int) error {
	al := 1
	if !a.Attributes().Packed() {
		for i := 0; i < a.NumFields(); i++ {
			al = max(al, a.FieldByIndex(i).Type().Align())
		}
	}
	if a.Align() != al {
		return fail(line, "alignment %d where its members give %d (an aligned attribute, or packed on a member declarator), which the registry does not express", a.Align(), al)
	}
	return nil
}

// bitGroup gathers the bit-fields from member i on that share one storage
// unit of their declared type, as the C compiler placed them, into an
// anonymous inline bitfield; next is the first member after them.
func (v *converter) bitGroup(a aggr, i, line int) (*spec.Field, int, error) {
	first := a.FieldByIndex(i)
	size := first.Type().Size()
	base, err := v.typeName(first.Type(), line)
	if err != nil {
		return nil, 0, err
	}
	if spec.Primitive(base) == nil {
		if u := v.underlying(base); u != "" {
			base = u
		}
	}
	if s, _, ok := spec.PrimitiveSize(base); !ok || s != size {
		return nil, 0, fail(line, "bit-field %s: container %s is not an integer of %d bytes", nameOf(first), base, size)
	}
	unitBits := size * 8
	unit := (first.Offset()*8 + int64(first.OffsetBits())) / unitBits
	var bits []*spec.Bit
	j := i
	for ; j < a.NumFields(); j++ {
		f := a.FieldByIndex(j)
		if !f.IsBitfield() || f.Type().Size() != size {
			break
		}
		pos := f.Offset()*8 + int64(f.OffsetBits())
		if f.ValueBits() == 0 {
			continue
		}
		if pos/unitBits != unit {
			break
		}
		if pos+f.ValueBits() > (unit+1)*unitBits {
			return nil, 0, fail(line, "bit-field %s straddles two %d-byte units (packed)", nameOf(f), size)
		}
		fline := line
		if d := f.Declarator(); d != nil {
			fline = d.Position().Line
		}
		bits = append(bits, &spec.Bit{Name: f.Name(), Bit: int(pos - unit*unitBits), Width: int(f.ValueBits()),
			Reserved: reservedName.MatchString(f.Name()), Pos: spec.Pos{Line: fline}})
	}
	off := unit * size
	if off+size > a.Size() {
		return nil, 0, fail(line, "bit-field %s: its %d-byte unit extends past the end of the %d-byte %s (packed)", nameOf(first), size, a.Size(), kindWord(a))
	}
	return &spec.Field{Offset: &off, Pos: spec.Pos{Line: line},
		Nested: &spec.Type{Kind: spec.KindBitfield, Base: base, Bits: fillBits(bits, int(unitBits))}}, j, nil
}

// bitStruct recognises a struct whose members are all bit-fields of one
// integer type that together fill it: the registry's bitfield.
//
// With fits, a packed struct smaller than the integer (gcc gives 5 packed
// bits one byte) also counts: for a union member whose integer it shares.
func (v *converter) bitStruct(a aggr, line int, fits bool) (string, []*spec.Bit, error) {
	if a.Kind() != cc.Struct || a.NumFields() == 0 {
		return "", nil, nil
	}
	var base string
	var bits []*spec.Bit
	var unit int64
	for i := 0; i < a.NumFields(); i++ {
		f := a.FieldByIndex(i)
		if !f.IsBitfield() {
			return "", nil, nil
		}
		bt, err := v.typeName(f.Type(), line)
		if err != nil {
			return "", nil, err
		}
		if bt == "BOOLEAN" || spec.Primitive(bt) == nil {
			if tt := v.underlying(bt); tt != "" {
				bt = tt
			}
		}
		if base == "" {
			base, unit = bt, f.Type().Size()
		} else if f.Type().Size() != unit {
			return "", nil, nil // mixed container sizes: not one integer
		}
		if f.ValueBits() == 0 {
			continue
		}
		fline := line
		if d := f.Declarator(); d != nil {
			fline = d.Position().Line
		}
		bits = append(bits, &spec.Bit{Name: f.Name(), Bit: int(f.Offset()*8) + f.OffsetBits(), Width: int(f.ValueBits()),
			Reserved: reservedName.MatchString(f.Name()), Pos: spec.Pos{Line: fline}})
	}
	if a.Size() != unit && !(fits && a.Attributes().Packed() && a.Size() < unit) {
		return "", nil, nil
	}
	for _, b := range bits {
		if int64(b.Bit+b.Width) > a.Size()*8 {
			return "", nil, nil
		}
	}
	return base, fillBits(bits, int(unit*8)), nil
}

// underlying is the primitive an imported alias stands for, or "".
func (v *converter) underlying(name string) string {
	for _, t := range v.res.Types {
		if t.Name == name && t.Kind == spec.KindAlias {
			if spec.Primitive(t.Base) != nil {
				return t.Base
			}
			return v.underlying(t.Base)
		}
	}
	return ""
}

// fillBits names the bits the header leaves unnamed (unnamed bit-fields, or
// none at all) as reserved ranges, so that every bit is listed.
func fillBits(bits []*spec.Bit, total int) []*spec.Bit {
	owner := make([]bool, total)
	var out []*spec.Bit
	for _, b := range bits {
		if b.Name == "" {
			continue
		}
		for i := b.Bit; i < b.Bit+b.Width && i < total; i++ {
			owner[i] = true
		}
		out = append(out, b)
	}
	for i := 0; i < total; i++ {
		if owner[i] {
			continue
		}
		j := i
		for j+1 < total && !owner[j+1] {
			j++
		}
		out = append(out, &spec.Bit{Name: fmt.Sprintf("Unnamed%d", i), Bit: i, Width: j - i + 1, Reserved: true,
			Doc: "Bits the header leaves unnamed."})
		i = j
	}
	slices.SortStableFunc(out, func(a, b *spec.Bit) int { return a.Bit - b.Bit })
	return out
}

// bitUnion recognises union { INT name; struct { bit-fields filling INT }; }
// in either order: a bitfield whose integer member is called name.
func (v *converter) bitUnion(a aggr, line int) (base string, bits []*spec.Bit, member string, err error) {
	if a.Kind() != cc.Union || a.NumFields() != 2 {
		return "", nil, "", nil
	}
	var whole, part *cc.Field
	for i := 0; i < 2; i++ {
		f := a.FieldByIndex(i)
		switch {
		case f.IsBitfield():
			return "", nil, "", nil
		case isInteger(f.Type()) && f.Name() != "":
			whole = f
		case f.Type().Kind() == cc.Struct && f.Name() == "" && tagOf(f.Type()) == "" && f.Type().Typedef() == nil:
			part = f
		}
	}
	if whole == nil || part == nil || whole.Type().Size() != a.Size() {
		return "", nil, "", nil
	}
	pb, bits, err := v.bitStruct(part.Type().(aggr), line, true)
	if err != nil || bits == nil {
		return "", nil, "", err
	}
	base, err = v.typeName(whole.Type(), line)
	if err != nil {
		return "", nil, "", err
	}
	if s, _, _ := spec.PrimitiveSize(pb); s != whole.Type().Size() {
		if v.underlying(pb) == "" {
			return "", nil, "", nil
		}
	}
	return base, bits, whole.Name(), nil
}

// fields converts the members of a struct or union. prefix and base place
// them in the outermost type's layout record (named nested members as
// dotted paths, anonymous ones flattened).
func (v *converter) fields(a aggr, line int, prefix string, base int64, lay *CLayout) ([]*spec.Field, error) {
	union := a.Kind() == cc.Union
	var out []*spec.Field
	var cur int64
	taken := map[string]bool{}
	for i := 0; i < a.NumFields(); i++ {
		taken[a.FieldByIndex(i).Name()] = true
	}
	pad := 0
	padding := func(at, n int64) {
		name := "Padding"
		for pad = pad + 1; pad > 1 || taken[name]; pad++ {
			if name = fmt.Sprintf("Padding%d", pad); !taken[name] {
				break
			}
		}
		taken[name] = true
		off := at
		out = append(out, &spec.Field{Name: name, Type: "UINT8", Count: n, Offset: &off, Padding: true,
			Doc: "Alignment padding the C compiler inserts; the header declares no member here."})
	}
	// In a union, an unnamed struct of bit-fields that fills one of the
	// union's named integer members is that member's bits.
	pairedBits := map[int]*spec.Type{} // integer member index -> its bits
	pairedAway := map[int]bool{}       // bit struct member index
	if union {
		for i := 0; i < a.NumFields(); i++ {
			f := a.FieldByIndex(i)
			if f.Name() != "" || f.Type().Kind() != cc.Struct || tagOf(f.Type()) != "" || f.Type().Typedef() != nil {
				continue
			}
			bt, bits, err := v.bitStruct(f.Type().(aggr), line, true)
			if err != nil || bits == nil {
				continue
			}
			unit, _, _ := spec.PrimitiveSize(bt) // the bits' integer (a packed struct of them may be smaller)
			for j := 0; j < a.NumFields(); j++ {
				g := a.FieldByIndex(j)
				gtype := g.Type()
				one := false
				if arr, ok := gtype.(*cc.ArrayType); ok && arr.Len() == 1 {
					gtype, one = arr.Elem(), true // u64 as_uint64[1]: the one integer
				}
				if g.Name() != "" && !g.IsBitfield() && isInteger(gtype) && gtype.Size() == unit && pairedBits[j] == nil {
					gt, err := v.typeName(gtype, line)
					if err != nil {
						break
					}
					pairedBits[j] = &spec.Type{Kind: spec.KindBitfield, Base: gt, Bits: bits}
					if one {
						pairedBits[j].Doc = "The header declares this member as an array of one " + gt + "."
					}
					pairedAway[i] = true
					break
				}
			}
		}
	}
	n := a.NumFields()
	for i := 0; i < n; i++ {
		f := a.FieldByIndex(i)
		if pairedAway[i] {
			continue
		}
		fline := line
		if d := f.Declarator(); d != nil {
			fline = d.Position().Line
		}
		if f.IsBitfield() {
			if union {
				return nil, fail(fline, "bit-field %s directly in a union", nameOf(f))
			}
			// A run of bit-fields sharing one storage unit of their type: an
			// anonymous inline bitfield at that unit.
			sf, next, err := v.bitGroup(a, i, fline)
			if err != nil {
				return nil, err
			}
			off := *sf.Offset
			if off < cur {
				return nil, fail(fline, "bit-field %s shares bytes with the member before it", nameOf(f))
			}
			if off > cur {
				padding(cur, off-cur)
			}
			out = append(out, sf)
			size, _, _ := spec.PrimitiveSize(sf.Nested.Base)
			cur = off + size
			i = next - 1
			continue
		}
		ft := f.Type()
		sf := &spec.Field{Name: f.Name(), Pos: spec.Pos{Line: fline}, Reserved: reservedName.MatchString(f.Name()),
			Padding: paddingName.MatchString(f.Name())}
		elem := ft
		if arr, ok := ft.(*cc.ArrayType); ok {
			elem = arr.Elem()
			if elem.Kind() == cc.Array {
				return nil, fail(fline, "member %s: a multi-dimensional array", nameOf(f))
			}
			switch {
			case f.IsFlexibleArrayMember() || arr.Len() == 0:
				if i != n-1 {
					return nil, fail(fline, "member %s: a zero-length array before the last member", nameOf(f))
				}
				sf.Flexible = true
			case arr.Len() < 0:
				return nil, fail(fline, "member %s: an array of unknown length", nameOf(f))
			default:
				sf.Count = arr.Len()
			}
		}
		if f.Type().Align() > 0 && int64(ft.Align()) < int64(f.Type().Align()) {
			return nil, fail(fline, "member %s: an explicit alignment", nameOf(f))
		}
		anon := elem.Typedef() == nil && (elem.Kind() == cc.Struct || elem.Kind() == cc.Union)
		if tag := tagOf(elem); anon && tag != "" {
			// A tagged aggregate defined inside this one (never declared at
			// file level in the headers) is imported inline, without its tag.
			if _, ok := v.tags[kindWord(elem)+" "+tag]; ok {
				anon = false
			} else {
				sf.Doc = fmt.Sprintf("The header tags this %s %s.", kindWord(elem), tag)
				v.skip(v.curFile, fline, "%s %s: defined inside another aggregate; imported there as an inline member, not as an item of its own", kindWord(elem), tag)
			}
		}
		switch {
		case pairedBits[i] != nil:
			sf.Nested, sf.Count, sf.Doc = pairedBits[i], 0, pairedBits[i].Doc
		case anon:
			ea := elem.(aggr)
			if bt, bits, member, err := v.bitUnion(ea, fline); err != nil {
				return nil, err
			} else if bits != nil && sf.Count == 0 && !sf.Flexible {
				if sf.Name == "" {
					sf.Name = member
				}
				sf.Nested = &spec.Type{Kind: spec.KindBitfield, Base: bt, Bits: bits}
				sf.Reserved = reservedName.MatchString(sf.Name)
				break
			}
			if bt, bits, err := v.bitStruct(ea, fline, false); err != nil {
				return nil, err
			} else if bits != nil {
				if sf.Count > 0 || sf.Flexible {
					return nil, fail(fline, "member %s: an array of bit-field structs", nameOf(f))
				}
				if sf.Name == "" && union {
					return nil, fail(fline, "an unnamed struct of bit-fields in a union, with no member naming its integer")
				}
				sf.Nested = &spec.Type{Kind: spec.KindBitfield, Base: bt, Bits: bits}
				break
			}
			if err := explicitAlign(ea, fline); err != nil {
				return nil, err
			}
			p := prefix
			if sf.Name != "" {
				p = prefix + sf.Name + "."
			}
			var sub *CLayout
			if sf.Count == 0 && !sf.Flexible {
				sub = lay
			}
			nested, err := v.fields(ea, fline, p, base+f.Offset(), sub)
			if err != nil {
				return nil, err
			}
			k := spec.KindStruct
			if elem.Kind() == cc.Union {
				k = spec.KindUnion
			}
			sf.Nested = &spec.Type{Kind: k, Fields: nested, Packed: ea.Attributes().Packed()}
			if k == spec.KindUnion && sf.Name == "" && len(nested) == 1 && ea.NumFields() > 1 && nested[0].Name != "" && !nested[0].Flexible && sf.Count == 0 {
				// An anonymous union left with one member (its bit struct
				// became that member's bits) is that member.
				sf = nested[0]
			}
		default:
			tn, err := v.typeName(elem, fline)
			if err != nil {
				return nil, fmt.Errorf("member %s: %w", nameOf(f), err)
			}
			sf.Type = tn
		}
		off := f.Offset()
		if !union {
			if off < cur {
				return nil, fail(fline, "member %s overlaps the member before it", nameOf(f))
			}
			if off > cur {
				padding(cur, off-cur)
			}
			o := off
			sf.Offset = &o
		}
		if lay != nil && sf.Name != "" {
			lay.Offsets[prefix+sf.Name] = base + off
			if sf.Flexible {
				lay.Sizes[prefix+sf.Name] = 0
			} else {
				lay.Sizes[prefix+sf.Name] = ft.Size()
			}
		}
		out = append(out, sf)
		size := ft.Size()
		if sf.Flexible {
			size = 0
		}
		if union {
			cur = max(cur, size)
		} else {
			cur = off + size
		}
	}
	if !union && a.Size() > cur {
		if len(out) > 0 && out[len(out)-1].Flexible {
			return nil, fail(line, "trailing padding after the flexible array member (the registry ends a struct at its flexible member)")
		}
		padding(cur, a.Size()-cur)
	}
	return out, nil
}

func nameOf(f *cc.Field) string {
	if f.Name() == "" {
		return "(anonymous)"
	}
	return f.Name()
}
