// Package docs renders the registry as a static HTML site and as Markdown:
// index pages, a page per hypercall and per type (layout tables, byte-layout
// diagrams, "used by" links), statuses, constants, event-log entries,
// statistics counters, the differences between versions, and a search index.
// The page layout is in templates/ (docs_*.tmpl); this package prepares the
// data and draws the diagrams.
package docs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/diff"
	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// Site is everything the templates render.
type Site struct {
	Versions   []string
	Hypercalls []*Call     // sorted by code, then version
	Types      []*TypePage // one per type name, variants per version
	Statuses   []Row
	Constants  []Row
	Events     []*EventGroup
	Stats      []*StatsGroup
	Areas      []string
	Diffs      []*VersionDiff
	Ioctls     []*Ioctl
}

// Ioctl is one ioctl request of a driver's interface as the pages show it.
type Ioctl struct {
	*spec.Ioctl
	GoName   string // the generated request constant
	ArgSlug  string // the argument type's page
	Requests string // the request number, per architecture where they differ
	Fd       string // the file descriptor kinds that accept it
	Versions string
	AllRefs  []string // the header, then where the driver accepts it
}

// Row is one line of a simple table (statuses, constants, enum values).
type Row struct {
	Name, Value, Doc, Versions, Ref string
	GoName, CName                   string // the generated Go identifier and the C header's name ("" when the generated code has none)
}

// Call is one hypercall variant.
type Call struct {
	*spec.Hypercall
	GoName   string // the generated Go constant of the call code
	GoMethod string // the generated Client method that makes the call
	CName    string // the C header's #define of the call code
	Slug     string // file name without extension
	Code     string
	Kind     string
	Versions string
	Callers  string
	Params   []Param // input, output, rep elements, with their layouts
	Statuses []CallStatus
	// Passthrough says what the version's driver does with the call ("" when
	// the registry has no driver entry for it).
	Passthrough string
}

// Param is a parameter block of a call.
type Param struct {
	Role string // input, output, rep input element, rep output element
	Type string
	Slug string
	Size int64
	Rows []FieldRow
}

// CallStatus is a status a call returns.
type CallStatus struct {
	Name, Value, When string
}

// TypePage is a type with its variants.
type TypePage struct {
	Name, Slug, Area string
	Variants         []*TypeVariant
	UsedBy           []Link
}

// TypeVariant is one version's declaration of a type.
type TypeVariant struct {
	*spec.Type
	GoName   string // the generated Go type
	CName    string // the C header's typedef
	Versions string
	Size     int64
	Align    int64
	Rows     []FieldRow
	Values   []Row
	SVG      string // the byte-layout diagram (trusted markup drawn here)
}

// FieldRow is a line of a layout table.
type FieldRow struct {
	Depth            int
	Name, Type       string
	GoName           string // Go struct field, or for a bit range the accessor method; "" for padding and anonymous members
	TypeSlug         string // set when the type has its own page
	Offset, Size     string
	Bits, Doc, Notes string
}

// Link is a link to a page.
type Link struct{ Name, Slug, Kind string }

// EventGroup is an event-log source group.
type EventGroup struct {
	*spec.EventGroup
	Mask     string
	Versions string
}

// StatsGroup is a statistics group.
type StatsGroup struct {
	*spec.StatsGroup
	Versions string
	Counters []CounterRow // the counters of every architecture by slot, then each architecture's own (spec.Arches order)
}

// CounterRow is one statistics counter as the tables show it.
type CounterRow struct {
	*spec.Counter
	Label  string // the reference's label, or the counter's name where it gives none (linux-7.0)
	Arch   string // the architectures that have the counter at this slot, "" for all
	GoName string // the generated slot constant
}

// counterRows orders and labels a group's counters.
func counterRows(g *spec.StatsGroup) []CounterRow {
	var rows []CounterRow
	for i, a := range append([]string{""}, spec.Arches...) {
		for _, c := range g.Counters {
			if (i == 0) != (len(c.Arch) == 0) || i > 0 && c.Arch[0] != a {
				continue // each counter once: under the first architecture it names
			}
			row := CounterRow{Counter: c, Label: c.Label, Arch: strings.Join(c.Arch, ", "), GoName: naming.Go(g.Name) + naming.Field(c.Name)}
			if row.Label == "" {
				row.Label = c.Name
			}
			for _, a := range c.Arch {
				row.GoName += naming.Go(a) // as the generator names a counter the builds place differently
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// VersionDiff is what one version changes relative to an older one (the one
// before it, or for the newest version each older one).
type VersionDiff struct {
	From, To    string
	Summary     diff.Summary
	Changes     []diff.Change // the changes, undescribed differences left out
	Undescribed []diff.Change // what one version's source does not describe
}

// Build prepares the site from the resolved registry.
func Build(a *layout.ABI) (*Site, error) {
	r := a.Registry
	s := &Site{Versions: r.VersionNames()}
	lay := map[string]layout.Results{} // by version, then architecture
	for _, v := range a.Versions() {
		lay[v.Name] = v.Layout
	}
	// A type is shown in the first of its versions, on x64 unless it is
	// declared for other architectures only.
	typeLayout := func(t *spec.Type) *layout.Result {
		if len(t.Arch) > 0 {
			return lay[t.Versions[0]][t.Arch[0]]
		}
		return lay[t.Versions[0]]["x64"]
	}
	typeSlugs := map[string]string{}
	for _, t := range r.Types {
		typeSlugs[t.Name] = "types/" + t.Name
	}
	// The Go type names of each version, for the values whose Go name would
	// take a type's (see valueGoName).
	goTypes := map[string]map[string]bool{}
	for _, v := range s.Versions {
		goTypes[v] = map[string]bool{}
		for _, t := range r.View(v).Types {
			goTypes[v][naming.Go(t.Name)] = true
		}
	}
	areas := map[string]bool{}
	// Hypercalls.
	for _, h := range r.Hypercalls {
		areas[h.Area] = true
		c := &Call{Hypercall: h, GoName: naming.Go(h.Name), GoMethod: naming.Method(h.Name), CName: h.Name, Slug: slug(h.Name, h.Versions, r.Hypercalls, func(x *spec.Hypercall) *spec.Item { return &x.Item }),
			Code: fmt.Sprintf("0x%04X", h.Code), Kind: "simple", Versions: strings.Join(h.Versions, ", ")}
		if h.Rep {
			c.Kind = "rep"
		}
		if h.Access != nil {
			c.Callers = strings.Join(h.Access.Callers, ", ")
			if len(h.Access.Privileges) > 0 {
				c.Callers += "; privileges: " + strings.Join(h.Access.Privileges, ", ")
			}
		}
		for _, p := range []struct{ role, typ string }{{"input", h.Input}, {"output", h.Output}, {"rep input element", h.InputRep}, {"rep output element", h.OutputRep}} {
			if p.typ == "" {
				continue
			}
			// A block laid out differently per architecture is shown once for each.
			all := lay[h.Versions[0]]
			arches := []string{"x64"}
			if !all.Same(p.typ) {
				arches = spec.Arches
			}
			for _, a := range arches {
				prm := Param{Role: p.role, Type: p.typ, Slug: typeSlugs[p.typ]}
				if len(arches) > 1 {
					prm.Role += " (" + a + ")"
				}
				if l := all[a].Types[p.typ]; l != nil {
					prm.Size = l.Size
					prm.Rows = rows(l, typeSlugs, 0, 0)
				}
				c.Params = append(c.Params, prm)
			}
		}
		if p := h.Passthrough; p != nil {
			c.Passthrough = "passed through from " + strings.Join(p.Fds, ", ") + " fds"
			if p.Async {
				c.Passthrough += "; asynchronous (the driver completes a pending call itself)"
			}
		}
		view := r.View(h.Versions[0])
		for _, st := range h.Statuses {
			cs := CallStatus{Name: st.Status, When: strings.Join(st.When, "; ")}
			for _, x := range view.Statuses {
				if x.Name == st.Status && x.Value != nil {
					cs.Value = fmt.Sprintf("0x%04X", *x.Value)
				}
			}
			c.Statuses = append(c.Statuses, cs)
		}
		s.Hypercalls = append(s.Hypercalls, c)
	}
	slices.SortStableFunc(s.Hypercalls, func(a, b *Call) int { return int(a.Hypercall.Code) - int(b.Hypercall.Code) })
	// Types, grouped by name.
	pages := map[string]*TypePage{}
	for _, t := range r.Types {
		areas[t.Area] = true
		p := pages[t.Name]
		if p == nil {
			p = &TypePage{Name: t.Name, Slug: typeSlugs[t.Name], Area: t.Area}
			pages[t.Name] = p
			s.Types = append(s.Types, p)
		}
		l := typeLayout(t).Types[t.Name]
		tv := &TypeVariant{Type: t, GoName: naming.Go(t.Name), CName: t.Name, Versions: strings.Join(t.Versions, ", ")}
		if t.Kind == spec.KindOpaque {
			tv.GoName, tv.CName = "", "" // no layout, so neither the Go package nor the C header declares it
		}
		if len(t.Arch) > 0 {
			tv.Versions += " (" + strings.Join(t.Arch, ", ") + ")"
		}
		if l != nil {
			tv.Size, tv.Align = l.Size, l.Align
			switch t.Kind {
			case spec.KindStruct, spec.KindUnion:
				tv.Rows = rows(l, typeSlugs, 0, 0)
				tv.SVG = bytesDiagram(t.Name, l)
			case spec.KindBitfield:
				tv.Rows = bitRows(t)
				tv.SVG = bitsDiagram(t.Name, t, int(l.Size*8))
			}
		}
		for _, v := range t.Values {
			tv.Values = append(tv.Values, Row{Name: v.Name, Value: fmt.Sprintf("%#x", v.Value), Doc: v.Doc,
				GoName: valueGoName(goTypes[t.Versions[0]], tv.GoName, v.Name), CName: v.Name})
		}
		p.Variants = append(p.Variants, tv)
	}
	slices.SortFunc(s.Types, func(a, b *TypePage) int { return strings.Compare(a.Name, b.Name) })
	usedBy(r, s, pages)
	for _, st := range r.Statuses {
		s.Statuses = append(s.Statuses, Row{Name: st.Name, Value: optHex(st.Value, 4), Doc: st.Doc, Versions: strings.Join(st.Versions, ", "), Ref: strings.Join(st.Refs, ", "),
			GoName: declared(naming.Go(st.Name), st.Value), CName: declared(st.Name, st.Value)})
	}
	slices.SortStableFunc(s.Statuses, func(a, b Row) int { return strings.Compare(a.Value, b.Value) })
	for _, c := range r.Constants {
		s.Constants = append(s.Constants, Row{Name: c.Name, Value: optHex(c.Value, 0), Doc: c.Doc, Versions: strings.Join(c.Versions, ", "), Ref: strings.Join(c.Refs, ", "),
			GoName: declared(naming.Go(c.Name), c.Value), CName: declared(c.Name, c.Value)})
	}
	slices.SortFunc(s.Constants, func(a, b Row) int { return strings.Compare(a.Name, b.Name) })
	for _, g := range r.EventGroups {
		s.Events = append(s.Events, &EventGroup{EventGroup: g, Mask: fmt.Sprintf("%#018x", g.Mask), Versions: strings.Join(g.Versions, ", ")})
	}
	for _, x := range r.Ioctls {
		io := &Ioctl{Ioctl: x, GoName: "Ioctl" + naming.Go(x.Name), ArgSlug: typeSlugs[x.Arg], Fd: strings.Join(x.Fds, ", "),
			Versions: strings.Join(x.Versions, ", "), AllRefs: append(slices.Clone(x.Refs), x.FdRefs...)}
		var reqs []string
		same := true
		for _, a := range spec.Arches {
			if l := lay[x.Versions[0]][a].Ioctls[x.Name]; l != nil {
				reqs = append(reqs, fmt.Sprintf("%s %#08x", a, l.Request))
				if l.Request != lay[x.Versions[0]][spec.Arches[0]].Ioctls[x.Name].Request {
					same = false
				}
			}
		}
		if same && len(reqs) > 0 {
			_, io.Requests, _ = strings.Cut(reqs[0], " ")
		} else {
			io.Requests = strings.Join(reqs, ", ")
		}
		s.Ioctls = append(s.Ioctls, io)
	}
	for _, g := range r.StatsGroups {
		s.Stats = append(s.Stats, &StatsGroup{StatsGroup: g, Versions: strings.Join(g.Versions, ", "), Counters: counterRows(g)})
	}
	for a := range areas {
		s.Areas = append(s.Areas, a)
	}
	slices.Sort(s.Areas)
	// Each version against the one before it, and every older one against
	// the newest (the committed reports in generated/ too).
	var pairs [][2]string
	for i := 1; i < len(s.Versions); i++ {
		pairs = append(pairs, [2]string{s.Versions[i-1], s.Versions[i]})
	}
	for i := 0; i+2 < len(s.Versions); i++ {
		pairs = append(pairs, [2]string{s.Versions[i], s.Versions[len(s.Versions)-1]})
	}
	for _, p := range pairs {
		from, to := p[0], p[1]
		newSide := diff.NewSide
		if diff.TwoSpellings(r.View(from), r.View(to)) {
			newSide = diff.NewAliasedSide // as hvgen diff does by default
		}
		o, err := newSide(from, a.Version(from))
		if err != nil {
			return nil, err
		}
		n, err := newSide(to, a.Version(to))
		if err != nil {
			return nil, err
		}
		ch := diff.Compare(o, n)
		s.Diffs = append(s.Diffs, &VersionDiff{From: from, To: to, Summary: diff.Summarize(ch),
			Changes: diff.Only(ch, diff.Incompatible, diff.Compatible, diff.Doc), Undescribed: diff.Only(ch, diff.Undescribed)})
	}
	return s, nil
}

// slug names a hypercall's page: the name, plus the version when another
// variant of the same name exists.
func slug[T any](name string, versions []string, all []T, item func(T) *spec.Item) string {
	n := 0
	for _, x := range all {
		if item(x).Name == name {
			n++
		}
	}
	if n > 1 {
		return "hypercalls/" + name + "-" + versions[0]
	}
	return "hypercalls/" + name
}

// valueGoName is the generated Go constant of an enum value: its own Go
// name, or, where that is a type's, qualified by its enum, as gogen does
// (HvRegisterVsmVpStatus -> RegisterNameVsmVpStatus).
func valueGoName(goTypes map[string]bool, enumGo, value string) string {
	gn := naming.Go(value)
	if goTypes[gn] {
		return naming.Qualified(enumGo, gn)
	}
	return gn
}

// declared is the Go or C name of a status or constant: the generated code
// declares only those with a value.
func declared(name string, v *uint64) string {
	if v == nil {
		return ""
	}
	return name
}

func optHex(v *uint64, width int) string {
	if v == nil {
		return "(not given)"
	}
	if width > 0 {
		return fmt.Sprintf("0x%0*X", width, *v)
	}
	return fmt.Sprintf("%#x", *v)
}

// rows flattens a layout into table rows (nested members indented).
func rows(l *layout.Type, slugs map[string]string, depth int, base int64) []FieldRow {
	var out []FieldRow
	for _, f := range l.Fields {
		sf := f.Spec
		name := sf.Name
		if name == "" {
			name = "(anonymous " + string(sf.Nested.Kind) + ")"
		}
		typ := sf.Type
		if sf.Nested != nil {
			typ = string(sf.Nested.Kind)
		}
		if sf.Count > 0 {
			typ += fmt.Sprintf("[%d]", sf.Count)
		}
		if sf.Flexible {
			typ += "[]"
		}
		gn := ""
		if sf.Name != "" && !sf.Padding {
			gn = naming.Field(sf.Name)
		}
		row := FieldRow{Depth: min(depth, 3), Name: name, GoName: gn, Type: typ, TypeSlug: slugs[sf.Type], Offset: fmt.Sprintf("0x%X", base+f.Offset),
			Size: fmt.Sprint(f.Size), Doc: sf.Doc}
		switch {
		case sf.Padding:
			row.Notes = "padding"
		case sf.Reserved:
			row.Notes = "reserved"
		case sf.Flexible:
			row.Notes = "variable length"
		}
		out = append(out, row)
		if sf.Nested != nil && sf.Nested.Kind == spec.KindBitfield {
			for _, b := range bitRows(sf.Nested) {
				b.Depth = depth + 1
				out = append(out, b)
			}
		} else if sf.Nested != nil {
			out = append(out, rows(f.Elem, slugs, depth+1, base+f.Offset)...)
		}
	}
	return out
}

func bitRows(t *spec.Type) []FieldRow {
	var out []FieldRow
	for _, b := range t.Bits {
		bits := fmt.Sprintf("%d", b.Bit)
		if b.Width > 1 {
			bits = fmt.Sprintf("%d..%d", b.Bit, b.Bit+b.Width-1)
		}
		r := FieldRow{Name: b.Name, Type: b.Type, Bits: bits, Doc: b.Doc}
		if b.Reserved {
			r.Notes = "reserved"
		} else {
			r.GoName = naming.Field(b.Name) + "()"
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b FieldRow) int { return bitStart(a.Bits) - bitStart(b.Bits) })
	return out
}

func bitStart(s string) int {
	var n int
	fmt.Sscanf(s, "%d", &n)
	return n
}

// usedBy links each type to the hypercalls and types that contain it.
func usedBy(r *spec.Registry, s *Site, pages map[string]*TypePage) {
	add := func(typ string, l Link) {
		if p := pages[typ]; p != nil && !slices.Contains(p.UsedBy, l) {
			p.UsedBy = append(p.UsedBy, l)
		}
	}
	for _, c := range s.Hypercalls {
		for _, p := range c.Params {
			add(p.Type, Link{Name: c.Name, Slug: c.Slug, Kind: "hypercall"})
		}
	}
	for _, t := range r.Types {
		l := Link{Name: t.Name, Slug: "types/" + t.Name, Kind: "type"}
		var walk func([]*spec.Field)
		walk = func(fs []*spec.Field) {
			for _, f := range fs {
				add(f.Type, l)
				if f.Nested != nil {
					walk(f.Nested.Fields)
					add(f.Nested.Base, l)
				}
			}
		}
		walk(t.Fields)
		add(t.Base, l)
		for _, b := range t.Bits {
			add(b.Type, l)
		}
	}
	for _, p := range pages {
		slices.SortFunc(p.UsedBy, func(a, b Link) int { return strings.Compare(a.Name, b.Name) })
	}
}
