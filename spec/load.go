package spec

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var embedded embed.FS

// Embedded is the registry compiled into this package, for tools run outside a
// checkout (go install, go run from another module).
func Embedded() fs.FS { return embedded }

// Source is one directory of registry files; Prefix is how positions name it.
type Source struct {
	FS     fs.FS
	Prefix string
}

// Load decodes the *.yaml files at the top of fsys and makes the checks that
// need no layout (Check). It is the first stage of package layout's Load,
// which also lays the registry out: use that (layout.Load, layout.LoadDir)
// for a registry checked as hvgen check checks it. Positions in errors
// are reported as prefix/file:line:col. The error, if any, is an ErrorList with
// every problem found, in every file; the registry is returned with it when
// the files decode but fail the cross-item checks, so that later stages can
// add their findings.
func Load(fsys fs.FS, prefix string) (*Registry, error) {
	return LoadSources(Source{FS: fsys, Prefix: prefix})
}

// LoadSources loads and checks a registry spread over several sources.
func LoadSources(srcs ...Source) (*Registry, error) {
	var errs ErrorList
	r := &Registry{}
	for _, src := range srcs {
		names, err := fs.Glob(src.FS, "*.yaml")
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("%s: no *.yaml registry files", src.Prefix)
		}
		slices.Sort(names)
		for _, name := range names {
			data, err := fs.ReadFile(src.FS, name)
			if err != nil {
				return nil, err
			}
			display := name
			if src.Prefix != "" {
				display = filepath.ToSlash(path.Join(filepath.ToSlash(src.Prefix), name))
			}
			parseFile(r, display, data, &errs)
		}
	}
	if len(errs) > 0 {
		// Some files do not decode: check the others too, except for what
		// an item of the broken files could make right (a reference to a
		// name they may declare), and return no registry (a layout needs
		// every item).
		check(r, &errs, true)
		return nil, errs.Err()
	}
	Check(r, &errs)
	if err := errs.Err(); err != nil {
		return r, err // decoded but inconsistent: r is returned for further checks
	}
	return r, nil
}

func parseFile(r *Registry, file string, data []byte, errs *ErrorList) {
	if line, col, b, bad := invalidUTF8(data); bad {
		errs.Add(Pos{File: file, Line: line, Col: col}, "invalid UTF-8 (byte %#02x): registry files are UTF-8 text", b)
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlError(err, data)
		errs.Add(Pos{File: file, Line: line}, "%s", msg)
		return
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		errs.Add(Pos{File: file, Line: 1, Col: 1}, "empty registry file")
		return
	}
	d := &decoder{file: file, errs: errs}
	root := doc.Content[0]
	m := d.mapping(root, "file", "area!", "doc", "versions", "types", "constants", "statuses",
		"hypercalls", "eventlog_groups", "stats_groups", "aliases", "ioctls", "driver")
	if m == nil {
		return
	}
	area := d.name(m["area"], "area")
	d.text(m["doc"], "doc")
	for _, n := range d.seq(m["versions"], "versions") {
		if v := d.version(n, area); v != nil {
			r.Versions = append(r.Versions, v)
		}
	}
	for _, n := range d.seq(m["types"], "types") {
		if t := d.typ(n, area); t != nil {
			r.Types = append(r.Types, t)
		}
	}
	for _, n := range d.seq(m["constants"], "constants") {
		if c := d.constant(n, area); c != nil {
			r.Constants = append(r.Constants, c)
		}
	}
	for _, n := range d.seq(m["statuses"], "statuses") {
		if s := d.status(n, area); s != nil {
			r.Statuses = append(r.Statuses, s)
		}
	}
	for _, n := range d.seq(m["hypercalls"], "hypercalls") {
		if h := d.hypercall(n, area); h != nil {
			r.Hypercalls = append(r.Hypercalls, h)
		}
	}
	for _, n := range d.seq(m["eventlog_groups"], "eventlog_groups") {
		if g := d.eventGroup(n, area); g != nil {
			r.EventGroups = append(r.EventGroups, g)
		}
	}
	for _, n := range d.seq(m["stats_groups"], "stats_groups") {
		if g := d.statsGroup(n, area); g != nil {
			r.StatsGroups = append(r.StatsGroups, g)
		}
	}
	for _, n := range d.seq(m["aliases"], "aliases") {
		if a := d.alias(n, area); a != nil {
			r.Aliases = append(r.Aliases, a)
		}
	}
	for _, n := range d.seq(m["ioctls"], "ioctls") {
		if x := d.ioctl(n, area); x != nil {
			r.Ioctls = append(r.Ioctls, x)
		}
	}
	for _, n := range d.seq(m["driver"], "driver") {
		if x := d.driver(n, area); x != nil {
			r.Driver = append(r.Driver, x)
		}
	}
}

// item decodes the keys every item has.
func (d *decoder) item(n *yaml.Node, m map[string]*yaml.Node, what, area string) Item {
	it := Item{Area: area, Pos: d.pos(n)}
	it.Name = d.name(m["name"], what+" name")
	it.Versions = d.strs(m["versions"], what+" versions")
	if m["versions"] != nil && len(it.Versions) == 0 {
		d.errorf(m["versions"], "%s %s: versions is empty", what, it.Name)
	}
	it.Doc = d.text(m["doc"], what+" doc")
	it.Refs = d.strs(m["ref"], what+" ref")
	return it
}

var itemKeys = []string{"name!", "versions!", "doc!", "ref!"}

func keys(extra ...string) []string { return append(slices.Clone(itemKeys), extra...) }

func (d *decoder) version(n *yaml.Node, area string) *Version {
	m := d.mapping(n, "version", "name!", "doc!", "ref!", "arch", "source")
	if m == nil {
		return nil
	}
	v := &Version{Item: Item{Area: area, Pos: d.pos(n)}}
	v.Name = d.str(m["name"], "version name")
	v.Doc = d.text(m["doc"], "version doc")
	v.Refs = d.strs(m["ref"], "version ref")
	v.Arch = d.arches(m["arch"], "version "+v.Name)
	v.Source = d.origin(m["source"], v.Name)
	return v
}

// arches decodes an arch list: known architectures, not empty.
func (d *decoder) arches(n *yaml.Node, what string) []string {
	out := d.strs(n, what+" arch")
	if n != nil && len(out) == 0 {
		d.errorf(n, "%s: arch is empty", what)
	}
	for _, a := range out {
		if !slices.Contains(Arches, a) {
			d.errorf(n, "%s: unknown arch %q (%s)", what, a, strings.Join(Arches, ", "))
		}
	}
	return out
}

func (d *decoder) typ(n *yaml.Node, area string) *Type {
	m := d.mapping(n, "type", keys("kind!", "base", "size", "packed", "fields", "values", "bits", "role", "arch")...)
	if m == nil {
		return nil
	}
	t := &Type{Item: d.item(n, m, "type", area)}
	what := "type " + t.Name
	t.Kind = Kind(d.str(m["kind"], what+" kind"))
	switch t.Kind {
	case KindAlias, KindEnum, KindFlags, KindBitfield:
		if m["base"] == nil {
			d.errorf(n, "%s: a %s needs base", what, t.Kind)
		}
		t.Base = d.name(m["base"], what+" base")
	case KindStruct, KindUnion:
		if m["fields"] == nil {
			d.errorf(n, "%s: a %s needs fields", what, t.Kind)
		}
	case KindOpaque, "":
	default:
		d.errorf(m["kind"], "%s: unknown kind %q (alias, struct, union, enum, flags, bitfield, opaque)", what, t.Kind)
		return nil
	}
	d.only(m, what, t.Kind, map[string][]Kind{
		"base":   {KindAlias, KindEnum, KindFlags, KindBitfield},
		"size":   {KindStruct, KindUnion},
		"packed": {KindStruct, KindUnion},
		"fields": {KindStruct, KindUnion},
		"values": {KindEnum, KindFlags},
		"bits":   {KindBitfield},
		"role":   {KindBitfield},
	})
	t.Role = d.str(m["role"], what+" role")
	if _, ok := Roles[t.Role]; t.Role != "" && !ok {
		d.errorf(m["role"], "%s: unknown role %q (hypercall_input, hypercall_output)", what, t.Role)
	}
	t.Arch = d.arches(m["arch"], what)
	t.Size = d.optInt(m["size"], what+" size")
	t.Packed = d.bool(m["packed"], what+" packed")
	t.Fields = d.fields(m["fields"], what, t.Kind == KindUnion)
	for _, vn := range d.seq(m["values"], what+" values") {
		if v := d.value(vn, what); v != nil {
			t.Values = append(t.Values, v)
		}
	}
	if (t.Kind == KindEnum || t.Kind == KindFlags) && len(t.Values) == 0 && m["values"] != nil {
		d.errorf(m["values"], "%s: no values", what)
	}
	t.Bits = d.bits(m["bits"], what)
	if t.Kind == KindBitfield && len(t.Bits) == 0 {
		d.errorf(n, "%s: a bitfield needs bits", what)
	}
	return t
}

// only reports keys that do not apply to the kind.
func (d *decoder) only(m map[string]*yaml.Node, what string, k Kind, allowed map[string][]Kind) {
	if k == "" {
		return
	}
	for _, key := range sortedKeys(boolKeys(allowed)) {
		if m[key] != nil && !slices.Contains(allowed[key], k) {
			d.errorf(m[key], "%s: key %q does not apply to a %s", what, key, k)
		}
	}
}

func boolKeys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func (d *decoder) fields(n *yaml.Node, what string, inUnion bool) []*Field {
	var out []*Field
	for _, fn := range d.seq(n, what+" fields") {
		if f := d.field(fn, what, inUnion); f != nil {
			out = append(out, f)
		}
	}
	if n != nil && len(out) == 0 && n.Kind == 0 {
		return nil
	}
	return out
}

func (d *decoder) field(n *yaml.Node, owner string, inUnion bool) *Field {
	m := d.mapping(n, owner+" member", "name", "type", "count", "flexible", "offset", "size", "struct",
		"union", "bits", "reserved", "padding", "packed", "doc")
	if m == nil {
		return nil
	}
	f := &Field{Pos: d.pos(n)}
	f.Name = d.name(m["name"], owner+" field name")
	what := owner + "." + f.Name
	if f.Name == "" {
		what = owner + ".(anonymous)"
	}
	f.Type = d.name(m["type"], what+" type")
	f.Count, _ = d.int(m["count"], what+" count")
	if m["count"] != nil && f.Count == 0 {
		d.errorf(m["count"], "%s: count must be positive (use flexible: true for a variable-length array)", what)
	}
	f.Flexible = d.bool(m["flexible"], what+" flexible")
	f.Offset = d.optInt(m["offset"], what+" offset")
	f.Size = d.optInt(m["size"], what+" size")
	f.Reserved = d.bool(m["reserved"], what+" reserved")
	f.Padding = d.bool(m["padding"], what+" padding")
	f.Doc = d.text(m["doc"], what+" doc")
	if inUnion && f.Offset != nil && *f.Offset != 0 {
		d.errorf(m["offset"], "%s: a union member starts at offset 0", what)
	}
	nested := 0
	for _, k := range []string{"struct", "union", "bits"} {
		if m[k] != nil {
			nested++
		}
	}
	switch {
	case nested > 1:
		d.errorf(n, "%s: give only one of struct, union and bits", what)
	case m["struct"] != nil || m["union"] != nil:
		k, key := KindStruct, "struct"
		if m["union"] != nil {
			k, key = KindUnion, "union"
		}
		if f.Type != "" {
			d.errorf(m["type"], "%s: an inline %s has no type", what, key)
		}
		f.Nested = &Type{Item: Item{Pos: f.Pos}, Kind: k, Packed: d.bool(m["packed"], what+" packed")}
		f.Nested.Fields = d.fields(m[key], what, k == KindUnion)
		if len(f.Nested.Fields) == 0 {
			d.errorf(m[key], "%s: inline %s has no fields", what, key)
		}
	case m["bits"] != nil:
		if f.Type == "" {
			d.errorf(n, "%s: an inline bitfield needs type (its container integer)", what)
		}
		f.Nested = &Type{Item: Item{Pos: f.Pos}, Kind: KindBitfield, Base: f.Type}
		f.Nested.Bits = d.bits(m["bits"], what)
		f.Type = ""
	default:
		if f.Type == "" && m["type"] == nil {
			d.errorf(n, "%s: missing type", what)
		}
	}
	if m["packed"] != nil && (f.Nested == nil || f.Nested.Kind == KindBitfield) {
		d.errorf(m["packed"], "%s: packed applies to an inline struct or union", what)
	}
	if f.Name == "" && f.Nested == nil {
		d.errorf(n, "%s: only an inline struct, union or bitfield may be anonymous", owner+" member")
	}
	if f.Name == "" && f.Nested != nil && f.Nested.Kind == KindBitfield && inUnion {
		d.errorf(n, "%s: an anonymous inline bitfield belongs in a struct (in a union, name it)", owner+" member")
	}
	return f
}

func (d *decoder) value(n *yaml.Node, owner string) *Value {
	m := d.mapping(n, owner+" value", "name!", "value!", "alias", "doc")
	if m == nil {
		return nil
	}
	v := &Value{Pos: d.pos(n)}
	v.Name = d.name(m["name"], owner+" value name")
	v.Value, _ = d.uint(m["value"], owner+" value "+v.Name)
	v.Alias = d.bool(m["alias"], owner+" value alias")
	v.Doc = d.text(m["doc"], owner+" value doc")
	return v
}

func (d *decoder) bits(n *yaml.Node, owner string) []*Bit {
	var out []*Bit
	for _, bn := range d.seq(n, owner+" bits") {
		m := d.mapping(bn, owner+" bit", "name!", "bit!", "width!", "type", "role", "reserved", "doc")
		if m == nil {
			continue
		}
		b := &Bit{Pos: d.pos(bn)}
		b.Name = d.name(m["name"], owner+" bit name")
		bit, _ := d.int(m["bit"], owner+" bit "+b.Name+" bit")
		width, _ := d.int(m["width"], owner+" bit "+b.Name+" width")
		if m["width"] != nil && width == 0 {
			d.errorf(m["width"], "%s bit %s: width must be positive", owner, b.Name)
		}
		b.Bit, b.Width = int(min(bit, 1024)), int(min(width, 1024))
		b.Type = d.name(m["type"], owner+" bit type")
		b.Role = d.str(m["role"], owner+" bit role")
		b.Reserved = d.bool(m["reserved"], owner+" bit reserved")
		b.Doc = d.text(m["doc"], owner+" bit doc")
		out = append(out, b)
	}
	return out
}

func (d *decoder) constant(n *yaml.Node, area string) *Constant {
	m := d.mapping(n, "constant", keys("value", "type", "arch")...)
	if m == nil {
		return nil
	}
	c := &Constant{Item: d.item(n, m, "constant", area)}
	if m["value"] != nil {
		if v, ok := d.uint(m["value"], "constant "+c.Name+" value"); ok {
			c.Value = &v
		}
	}
	c.Type = d.name(m["type"], "constant "+c.Name+" type")
	c.Arch = d.arches(m["arch"], "constant "+c.Name)
	return c
}

func (d *decoder) status(n *yaml.Node, area string) *Status {
	m := d.mapping(n, "status", keys("value")...)
	if m == nil {
		return nil
	}
	s := &Status{Item: d.item(n, m, "status", area)}
	if m["value"] != nil {
		if v, ok := d.uint(m["value"], "status "+s.Name+" value"); ok {
			s.Value = &v
		}
	}
	return s
}

func (d *decoder) hypercall(n *yaml.Node, area string) *Hypercall {
	m := d.mapping(n, "hypercall", keys("code!", "kind!", "fast!", "variable_header", "input", "output",
		"input_rep", "output_rep", "access", "statuses", "incomplete")...)
	if m == nil {
		return nil
	}
	h := &Hypercall{Item: d.item(n, m, "hypercall", area)}
	what := "hypercall " + h.Name
	h.Code, _ = d.uint(m["code"], what+" code")
	switch k := d.str(m["kind"], what+" kind"); k {
	case "simple":
	case "rep":
		h.Rep = true
	case "":
	default:
		d.errorf(m["kind"], "%s: kind must be simple or rep, not %q", what, k)
	}
	h.Fast = d.bool(m["fast"], what+" fast")
	h.VariableHeader = d.bool(m["variable_header"], what+" variable_header")
	h.Input = d.name(m["input"], what+" input")
	h.Output = d.name(m["output"], what+" output")
	h.InputRep = d.name(m["input_rep"], what+" input_rep")
	h.OutputRep = d.name(m["output_rep"], what+" output_rep")
	h.Incomplete = d.str(m["incomplete"], what+" incomplete")
	if an := m["access"]; an != nil {
		am := d.mapping(an, what+" access", "callers", "privileges", "note")
		if am != nil {
			h.Access = &Access{
				Callers:    d.strs(am["callers"], what+" access callers"),
				Privileges: d.strs(am["privileges"], what+" access privileges"),
				Note:       d.text(am["note"], what+" access note"),
			}
			for _, c := range h.Access.Callers {
				if !slices.Contains(knownCallers, c) {
					d.errorf(am["callers"], "%s: unknown caller %q (allowed: %v)", what, c, knownCallers)
				}
			}
		}
	}
	for _, sn := range d.seq(m["statuses"], what+" statuses") {
		sm := d.mapping(sn, what+" status", "status!", "when")
		if sm == nil {
			continue
		}
		h.Statuses = append(h.Statuses, &CallStatus{
			Status: d.name(sm["status"], what+" status"),
			When:   d.texts(sm["when"], what+" status when"),
			Pos:    d.pos(sn),
		})
	}
	return h
}

func (d *decoder) eventGroup(n *yaml.Node, area string) *EventGroup {
	m := d.mapping(n, "eventlog group", keys("mask!", "entries")...)
	if m == nil {
		return nil
	}
	g := &EventGroup{Item: d.item(n, m, "eventlog group", area)}
	what := "eventlog group " + g.Name
	g.Mask, _ = d.uint(m["mask"], what+" mask")
	for _, en := range d.seq(m["entries"], what+" entries") {
		em := d.mapping(en, what+" entry", "name!", "id!", "doc!", "params!")
		if em == nil {
			continue
		}
		e := &EventEntry{Pos: d.pos(en)}
		e.Name = d.name(em["name"], what+" entry name")
		e.ID, _ = d.uint(em["id"], what+" entry "+e.Name+" id")
		e.Doc = d.text(em["doc"], what+" entry doc")
		if pn := em["params"]; pn != nil && !(pn.Kind == yaml.SequenceNode && len(pn.Content) == 0) {
			for _, p := range d.seq(pn, what+" entry params") {
				pm := d.mapping(p, "entry "+e.Name+" param", "name!", "type!", "doc")
				if pm == nil {
					continue
				}
				e.Params = append(e.Params, &Param{
					Name: d.name(pm["name"], "param name"),
					Type: d.name(pm["type"], "param type"),
					Doc:  d.text(pm["doc"], "param doc"),
					Pos:  d.pos(p),
				})
			}
		}
		g.Entries = append(g.Entries, e)
	}
	return g
}

func (d *decoder) statsGroup(n *yaml.Node, area string) *StatsGroup {
	m := d.mapping(n, "stats group", keys("object!", "class!", "counter_enum", "id_constant", "version_constant", "layout", "counters!")...)
	if m == nil {
		return nil
	}
	g := &StatsGroup{Item: d.item(n, m, "stats group", area)}
	what := "stats group " + g.Name
	g.Object = d.name(m["object"], what+" object")
	g.Class = d.str(m["class"], what+" class")
	if m["class"] != nil && g.Class != "architectural" && g.Class != "release" {
		d.errorf(m["class"], "%s: class must be architectural or release, not %q", what, g.Class)
	}
	g.CounterEnum = d.name(m["counter_enum"], what+" counter_enum")
	g.IDConst = d.name(m["id_constant"], what+" id_constant")
	g.VersionConst = d.name(m["version_constant"], what+" version_constant")
	g.Layout = LayoutGrouped
	if m["layout"] != nil {
		g.Layout = d.str(m["layout"], what+" layout")
		if g.Layout != LayoutGrouped && g.Layout != LayoutFlat {
			d.errorf(m["layout"], "%s: layout must be grouped or flat, not %q", what, g.Layout)
		}
	}
	for _, cn := range d.seq(m["counters"], what+" counters") {
		cm := d.mapping(cn, what+" counter", "index!", "name!", "label", "type!", "enum_value", "kind", "unit", "arch", "reserved", "ref", "doc")
		if cm == nil {
			continue
		}
		c := &Counter{Pos: d.pos(cn)}
		c.Index, _ = d.int(cm["index"], what+" counter index")
		c.Name = d.name(cm["name"], what+" counter name")
		c.Label = d.text(cm["label"], what+" counter label")
		c.Type = d.name(cm["type"], what+" counter type")
		c.EnumValue = d.name(cm["enum_value"], what+" counter enum_value")
		c.Doc = d.text(cm["doc"], what+" counter doc")
		c.Kind = d.str(cm["kind"], what+" counter kind")
		if cm["kind"] != nil && !slices.Contains(CounterKinds, c.Kind) {
			d.errorf(cm["kind"], "%s: counter %s: kind must be one of %s, not %q", what, c.Name, strings.Join(CounterKinds, ", "), c.Kind)
		}
		c.Unit = d.str(cm["unit"], what+" counter unit")
		if cm["unit"] != nil && !slices.Contains(CounterUnits, c.Unit) {
			d.errorf(cm["unit"], "%s: counter %s: unit must be one of %s, not %q", what, c.Name, strings.Join(CounterUnits, ", "), c.Unit)
		}
		if cm["arch"] != nil {
			c.Arch = d.arches(cm["arch"], what+" counter "+c.Name)
		}
		if cm["reserved"] != nil {
			c.Reserved = d.bool(cm["reserved"], what+" counter reserved")
		}
		c.Refs = d.strs(cm["ref"], what+" counter ref")
		g.Counters = append(g.Counters, c)
	}
	return g
}

// fds decodes a list of file descriptor kinds (FdKinds), not empty.
func (d *decoder) fds(n *yaml.Node, what string) []string {
	out := d.strs(n, what+" fd")
	if n != nil && len(out) == 0 {
		d.errorf(n, "%s: fd is empty", what)
	}
	for _, f := range out {
		if !slices.Contains(FdKinds, f) {
			d.errorf(n, "%s: unknown fd kind %q (%s)", what, f, strings.Join(FdKinds, ", "))
		}
	}
	return out
}

func (d *decoder) ioctl(n *yaml.Node, area string) *Ioctl {
	m := d.mapping(n, "ioctl", keys("dir!", "magic!", "nr!", "arg", "fd", "request", "arch")...)
	if m == nil {
		return nil
	}
	x := &Ioctl{Item: d.item(n, m, "ioctl", area)}
	what := "ioctl " + x.Name
	x.Dir = d.str(m["dir"], what+" dir")
	if m["dir"] != nil && !slices.Contains(IoctlDirs, x.Dir) {
		d.errorf(m["dir"], "%s: dir must be one of %s, not %q", what, strings.Join(IoctlDirs, ", "), x.Dir)
	}
	x.Magic, _ = d.uint(m["magic"], what+" magic")
	x.Nr, _ = d.uint(m["nr"], what+" nr")
	for _, k := range []struct {
		key string
		v   uint64
	}{{"magic", x.Magic}, {"nr", x.Nr}} {
		if k.v > 0xff {
			d.errorf(m[k.key], "%s: %s %#x does not fit the request's 8 bits", what, k.key, k.v)
		}
	}
	x.Arg = d.name(m["arg"], what+" arg")
	switch {
	case x.Dir == "none" && m["arg"] != nil:
		d.errorf(m["arg"], "%s: a request without direction (_IO) has no argument type", what)
	case x.Dir != "none" && x.Dir != "" && m["arg"] == nil:
		d.errorf(n, "%s: a %s request needs arg (the type its macro names)", what, x.Dir)
	}
	x.Fds = d.fds(m["fd"], what)
	if m["request"] != nil {
		if v, ok := d.uint(m["request"], what+" request"); ok {
			x.Request = &v
		}
	}
	x.Arch = d.arches(m["arch"], what)
	return x
}

func (d *decoder) driver(n *yaml.Node, area string) *Driver {
	m := d.mapping(n, "driver entry", keys("fd!", "async")...)
	if m == nil {
		return nil
	}
	x := &Driver{Item: d.item(n, m, "driver entry", area)}
	x.Fds = d.fds(m["fd"], "driver entry "+x.Name)
	x.Async = d.bool(m["async"], "driver entry "+x.Name+" async")
	return x
}

// parse decodes one registry file into r without the cross-file checks: what
// Load does for each file.
func parse(r *Registry, file string, data []byte) ErrorList {
	var errs ErrorList
	parseFile(r, file, data, &errs)
	return errs
}
