// Package export turns the registry and its layouts into the JSON document
// that `hvgen export` writes: one object (schema 2) with the versions, and the
// hypercalls, types (with their laid-out fields), statuses, constants, ioctls,
// event-log groups and statistics groups of the chosen version and
// architecture. A value that can need 64 bits is a "0x..." string; a JSON
// number appears only where every value fits in 53 bits. docs/registry.md in
// hvgen's repository lists every key.
package export

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// Document is the exported ABI.
type Document struct {
	Schema     int          `json:"schema"`            // bumped on incompatible changes to this format
	Version    string       `json:"version,omitempty"` // the version exported; empty: all
	Arch       string       `json:"arch"`              // the architecture whose layouts and type variants are exported
	Versions   []string     `json:"versions"`          // the registry's versions
	Hypercalls []Hypercall  `json:"hypercalls"`
	Types      []Type       `json:"types"`
	Statuses   []Status     `json:"statuses"`
	Constants  []Constant   `json:"constants"`
	EventLog   []EventGroup `json:"eventlog_groups"`
	Stats      []StatsGroup `json:"stats_groups"`
	Ioctls     []Ioctl      `json:"ioctls"`
}

// Ioctl is an exported ioctl request of a driver's interface.
type Ioctl struct {
	Common
	Dir      string            `json:"dir"`              // none, read, write, readwrite
	Type     uint64            `json:"type"`             // the request's type (the driver's magic number)
	Nr       uint64            `json:"nr"`               // the request's number
	Arg      string            `json:"arg,omitempty"`    // the argument type
	ArgSize  int64             `json:"arg_size"`         // its size on the exported architecture
	Request  uint32            `json:"request"`          // the request number on the exported architecture
	Requests map[string]uint32 `json:"requests"`         // the request number on every architecture the version describes
	Fds      []string          `json:"fd"`               // the file descriptor kinds that accept it: system, partition, vp
	FdRef    []string          `json:"fd_ref,omitempty"` // where the driver says so
	Arch     []string          `json:"arch,omitempty"`
}

// Passthrough is what a driver does with a hypercall it forwards for its
// users: the file descriptor kinds that pass it, and whether it completes
// the call itself when the hypervisor answers it is pending.
type Passthrough struct {
	Fds   []string `json:"fd"`
	Async bool     `json:"async"`
	Ref   []string `json:"ref"`
}

// Common is what every item has.
type Common struct {
	Name     string   `json:"name"`
	Versions []string `json:"versions"`
	Area     string   `json:"area"`
	Doc      string   `json:"doc"`
	Ref      []string `json:"ref"`
}

// Hypercall is an exported hypercall.
type Hypercall struct {
	Common
	Code           uint64       `json:"code"`
	Kind           string       `json:"kind"` // simple | rep
	Fast           bool         `json:"fast"`
	VariableHeader bool         `json:"variable_header"`
	Input          string       `json:"input,omitempty"`
	InputSize      *int64       `json:"input_size,omitempty"`
	Output         string       `json:"output,omitempty"`
	OutputSize     *int64       `json:"output_size,omitempty"`
	InputRep       string       `json:"input_rep,omitempty"`
	InputRepSize   *int64       `json:"input_rep_size,omitempty"`
	OutputRep      string       `json:"output_rep,omitempty"`
	OutputRepSize  *int64       `json:"output_rep_size,omitempty"`
	Access         *Access      `json:"access,omitempty"`
	Statuses       []CallStatus `json:"statuses"`
	Incomplete     string       `json:"incomplete,omitempty"`
	Passthrough    *Passthrough `json:"passthrough,omitempty"` // set when a driver passes the call through (linux-7.0: the mshv driver's MSHV_ROOT_HVCALL)
}

// Access says who may call.
type Access struct {
	Callers    []string `json:"callers"`
	Privileges []string `json:"privileges"`
	Note       string   `json:"note,omitempty"`
}

// CallStatus is a status a hypercall returns.
type CallStatus struct {
	Name  string   `json:"name"`
	Value *uint64  `json:"value"`
	When  []string `json:"when"`
}

// Type is an exported type with its layout.
type Type struct {
	Common
	GoName string   `json:"go_name"`        // the name hvgen's Go emitter gives it
	Arch   []string `json:"arch,omitempty"` // set when the type is declared per architecture: the ones this variant is for
	Kind   string   `json:"kind"`
	Base   string   `json:"base,omitempty"`
	Size   int64    `json:"size"`
	Align  int64    `json:"align"`
	Packed bool     `json:"packed,omitempty"`
	Fields []Field  `json:"fields,omitempty"`
	Values []Value  `json:"values,omitempty"`
}

// Field is a struct or union member, or a bit range of a bitfield. Offsets are
// in bytes from the start of the enclosing aggregate; bit ranges have
// bit_offset and bit_width within their container.
type Field struct {
	Name      string  `json:"name"`
	GoName    string  `json:"go_name,omitempty"` // Go field or accessor name; empty for padding and anonymous structs and unions
	Type      string  `json:"type"`              // a type name, or "struct"/"union"/"bitfield" for an inline one
	Offset    int64   `json:"offset"`
	Size      int64   `json:"size"`
	Count     int64   `json:"count,omitempty"`
	Flexible  bool    `json:"flexible,omitempty"`
	BitOffset *int    `json:"bit_offset,omitempty"`
	BitWidth  *int    `json:"bit_width,omitempty"`
	Reserved  bool    `json:"reserved,omitempty"`
	Padding   bool    `json:"padding,omitempty"`
	Packed    bool    `json:"packed,omitempty"` // an inline struct or union that is packed
	Doc       string  `json:"doc,omitempty"`
	Fields    []Field `json:"fields,omitempty"` // inline struct, union or bitfield
}

// Value is an enum or flags value.
type Value struct {
	Name  string `json:"name"`
	Value Word   `json:"value"`
	Alias bool   `json:"alias,omitempty"`
	Doc   string `json:"doc,omitempty"`
}

// Status is an exported status code; value is null when no reference gives one.
type Status struct {
	Common
	Value *uint64 `json:"value"`
}

// Constant is an exported constant; value is null when no reference gives one.
type Constant struct {
	Common
	Value *Word    `json:"value"`
	Type  string   `json:"type,omitempty"`
	Arch  []string `json:"arch,omitempty"` // set when the constant is defined per architecture
}

// EventGroup is an exported event-log group.
type EventGroup struct {
	Common
	Mask    Word         `json:"mask"`
	Entries []EventEntry `json:"entries"`
}

// EventEntry is an exported event-log entry type.
type EventEntry struct {
	Name   string  `json:"name"`
	ID     uint64  `json:"id"`
	Doc    string  `json:"doc"`
	Params []Param `json:"params"`
}

// Param is an event-log entry parameter.
type Param struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc,omitempty"`
}

// StatsGroup is an exported statistics group.
type StatsGroup struct {
	Common
	Object      string    `json:"object"`
	Class       string    `json:"class"`
	CounterEnum string    `json:"counter_enum,omitempty"`
	Layout      string    `json:"layout,omitempty"` // omitted for the default, grouped
	Counters    []Counter `json:"counters"`
}

// Counter is an exported statistics counter.
type Counter struct {
	Index     int64    `json:"index"`
	Name      string   `json:"name"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`
	EnumValue string   `json:"enum_value,omitempty"`
	Kind      string   `json:"kind,omitempty"`
	Unit      string   `json:"unit,omitempty"`
	Arch      []string `json:"arch,omitempty"`
	Reserved  bool     `json:"reserved,omitempty"`
	Doc       string   `json:"doc,omitempty"`
}

// Build exports the resolved registry on one architecture (a spec.Arches name): one
// version's view when version is not empty, else every item with the versions
// that have it. Types declared per architecture appear in arch's variant, and
// layouts are arch's; an item in several versions is laid out in the first of
// them.
func Build(a *layout.ABI, version, arch string) (*Document, error) {
	if _, ok := layout.ArchNamed(arch); !ok {
		return nil, fmt.Errorf("unknown architecture %q", arch)
	}
	r := a.Registry.ForArch(arch)
	layouts := map[string]*layout.Result{}
	for _, v := range a.Versions() {
		layouts[v.Name] = v.Layout[arch]
	}
	src := r
	if version != "" {
		if layouts[version] == nil {
			return nil, fmt.Errorf("unknown version %q", version)
		}
		src = r.View(version)
	}
	first := func(it *spec.Item) *layout.Result {
		if version != "" {
			return layouts[version]
		}
		return layouts[it.Versions[0]]
	}
	doc := &Document{Schema: 2, Version: version, Arch: arch, Versions: r.VersionNames(),
		Hypercalls: []Hypercall{}, Types: []Type{}, Statuses: []Status{}, Constants: []Constant{},
		EventLog: []EventGroup{}, Stats: []StatsGroup{}, Ioctls: []Ioctl{}}
	statusValue := func(it *spec.Item, name string) *uint64 {
		view := src
		if version == "" {
			view = r.View(it.Versions[0])
		}
		for _, s := range view.Statuses {
			if s.Name == name {
				return s.Value
			}
		}
		return nil
	}
	for _, h := range src.Hypercalls {
		if err := exact(h.Pos, h.Name+" code", h.Code); err != nil {
			return nil, err
		}
		for _, s := range h.Statuses {
			if v := statusValue(&h.Item, s.Status); v != nil {
				if err := exact(s.Pos, s.Status, *v); err != nil {
					return nil, err
				}
			}
		}
		res := first(&h.Item)
		size := func(t string) *int64 {
			if l := res.Types[t]; l != nil && t != "" {
				return &l.Size
			}
			return nil
		}
		x := Hypercall{Common: common(&h.Item), Code: h.Code, Kind: "simple", Fast: h.Fast,
			VariableHeader: h.VariableHeader, Input: h.Input, InputSize: size(h.Input), Output: h.Output,
			OutputSize: size(h.Output), InputRep: h.InputRep, InputRepSize: size(h.InputRep),
			OutputRep: h.OutputRep, OutputRepSize: size(h.OutputRep), Statuses: []CallStatus{},
			Incomplete: h.Incomplete}
		if h.Rep {
			x.Kind = "rep"
		}
		if h.Access != nil {
			x.Access = &Access{Callers: nonNil(h.Access.Callers), Privileges: nonNil(h.Access.Privileges), Note: h.Access.Note}
		}
		for _, s := range h.Statuses {
			x.Statuses = append(x.Statuses, CallStatus{Name: s.Status, Value: statusValue(&h.Item, s.Status), When: nonNil(s.When)})
		}
		if p := h.Passthrough; p != nil {
			x.Passthrough = &Passthrough{Fds: nonNil(p.Fds), Async: p.Async, Ref: nonNil(p.Refs)}
		}
		doc.Hypercalls = append(doc.Hypercalls, x)
	}
	for _, t := range src.Types {
		if t.Kind == spec.KindOpaque { // named only: no Go type, layout or members
			doc.Types = append(doc.Types, Type{Common: common(&t.Item), Arch: t.Arch, Kind: string(t.Kind)})
			continue
		}
		l := first(&t.Item).Types[t.Name]
		if l == nil {
			return nil, fmt.Errorf("%s: %s has no layout", t.Pos, t.Name)
		}
		x := Type{Common: common(&t.Item), GoName: naming.Go(t.Name), Arch: t.Arch, Kind: string(t.Kind), Base: t.Base, Size: l.Size, Align: l.Align, Packed: t.Packed}
		switch t.Kind {
		case spec.KindStruct, spec.KindUnion:
			x.Fields = fields(l, 0)
		case spec.KindBitfield:
			x.Fields = bitFields(t, l.Size)
		}
		for _, v := range t.Values {
			x.Values = append(x.Values, Value{Name: v.Name, Value: Word(v.Value), Alias: v.Alias, Doc: v.Doc})
		}
		doc.Types = append(doc.Types, x)
	}
	for _, s := range src.Statuses {
		if s.Value != nil {
			if err := exact(s.Pos, s.Name, *s.Value); err != nil {
				return nil, err
			}
		}
		doc.Statuses = append(doc.Statuses, Status{Common: common(&s.Item), Value: s.Value})
	}
	for _, c := range src.Constants {
		doc.Constants = append(doc.Constants, Constant{Common: common(&c.Item), Value: wordPtr(c.Value), Type: c.Type, Arch: c.Arch})
	}
	for _, g := range src.EventGroups {
		x := EventGroup{Common: common(&g.Item), Mask: Word(g.Mask), Entries: []EventEntry{}}
		for _, e := range g.Entries {
			if err := exact(e.Pos, e.Name+" id", e.ID); err != nil {
				return nil, err
			}
			ee := EventEntry{Name: e.Name, ID: e.ID, Doc: e.Doc, Params: []Param{}}
			for _, p := range e.Params {
				ee.Params = append(ee.Params, Param{Name: p.Name, Type: p.Type, Doc: p.Doc})
			}
			x.Entries = append(x.Entries, ee)
		}
		doc.EventLog = append(doc.EventLog, x)
	}
	for _, io := range src.Ioctls {
		v := version
		if v == "" {
			v = io.Versions[0]
		}
		ver := a.Version(v)
		l := ver.Layout[arch].Ioctls[io.Name]
		if l == nil {
			return nil, fmt.Errorf("%s: ioctl %s has no request number", io.Pos, io.Name)
		}
		x := Ioctl{Common: common(&io.Item), Dir: io.Dir, Type: io.Magic, Nr: io.Nr, Arg: io.Arg, ArgSize: l.Size,
			Request: l.Request, Requests: map[string]uint32{}, Fds: nonNil(io.Fds), FdRef: io.FdRefs, Arch: io.Arch}
		for _, vs := range ver.Registry.Versions {
			for _, an := range spec.Arches {
				if la := ver.Layout[an].Ioctls[io.Name]; la != nil && vs.Covers(an) {
					x.Requests[an] = la.Request
				}
			}
		}
		doc.Ioctls = append(doc.Ioctls, x)
	}
	for _, g := range src.StatsGroups {
		x := StatsGroup{Common: common(&g.Item), Object: g.Object, Class: g.Class, CounterEnum: g.CounterEnum, Counters: []Counter{}}
		if g.Layout != spec.LayoutGrouped {
			x.Layout = g.Layout
		}
		for _, c := range g.Counters {
			x.Counters = append(x.Counters, Counter{Index: c.Index, Name: c.Name, Label: c.Label, Type: c.Type, EnumValue: c.EnumValue,
				Kind: c.Kind, Unit: c.Unit, Arch: c.Arch, Reserved: c.Reserved, Doc: c.Doc})
		}
		doc.Stats = append(doc.Stats, x)
	}
	return doc, nil
}

// maxExact is the largest integer every JSON reader keeps exactly (2^53-1).
const maxExact = 1<<53 - 1

// exact checks a value exported as a JSON number: codes, status values and
// entry ids fit 16 bits in the references, but an overlay could declare wider
// ones, and a number past 2^53 would reach a JavaScript reader changed.
func exact(pos spec.Pos, what string, v uint64) error {
	if v > maxExact {
		return fmt.Errorf("%s:%d: %s = %#x does not fit in 53 bits, the JSON export writes it as a number", pos.File, pos.Line, what, v)
	}
	return nil
}

func common(it *spec.Item) Common {
	return Common{Name: it.Name, Versions: nonNil(it.Versions), Area: it.Area, Doc: it.Doc, Ref: nonNil(it.Refs)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fields exports the members of a layout; base is its offset in the
// outermost Go type that holds its members (anonymous members are flattened
// into it), which names an anonymous inline bitfield's Go field.
func fields(l *layout.Type, base int64) []Field {
	var out []Field
	for _, f := range l.Fields {
		sf := f.Spec
		x := Field{Name: sf.Name, Type: sf.Type, Offset: f.Offset, Size: f.Size, Count: sf.Count,
			Flexible: sf.Flexible, Reserved: sf.Reserved, Padding: sf.Padding, Doc: sf.Doc}
		switch {
		case sf.Name != "" && !sf.Padding:
			x.GoName = naming.Field(sf.Name)
		case sf.Name == "" && sf.Nested != nil && sf.Nested.Kind == spec.KindBitfield:
			x.GoName = fmt.Sprintf("Bits%X", base+f.Offset) // as gogen names it
		}
		if sf.Nested != nil {
			x.Type, x.Packed = string(sf.Nested.Kind), sf.Nested.Packed
			switch {
			case sf.Nested.Kind == spec.KindBitfield:
				x.Fields = bitFields(sf.Nested, f.Elem.Size)
			case sf.Name == "":
				x.Fields = fields(f.Elem, base+f.Offset)
			default:
				x.Fields = fields(f.Elem, 0)
			}
		}
		out = append(out, x)
	}
	return out
}

func bitFields(t *spec.Type, size int64) []Field {
	var out []Field
	for _, b := range t.Bits {
		bit, width := b.Bit, b.Width
		typ := b.Type
		if typ == "" {
			typ = t.Base
		}
		x := Field{Name: b.Name, Type: typ, Offset: 0, Size: size, BitOffset: &bit, BitWidth: &width,
			Reserved: b.Reserved, Doc: b.Doc}
		if !b.Reserved {
			x.GoName = naming.Field(b.Name)
		}
		out = append(out, x)
	}
	return out
}

// Write encodes the document as indented JSON.
func Write(w io.Writer, doc *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
