// Package gogen emits a Go package for one ABI version of the registry: the
// types with their layout assertions, constants, statuses, call codes and the
// descriptor tables the runtime reads. It is a pure function from the
// registry and its layout to file contents; writing files is the caller's job.
package gogen

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// Options say what to generate.
type Options struct {
	Package string // Go package name
	Version string // the ABI version the registry view is for
	Command string // the command line named in the generated-code header
}

// Build constraint of every generated file: the architectures whose layout
// the assertions check.
const buildConstraint = "//go:build amd64 || arm64"

const abiPath = "github.com/hvgen/hvgen/runtime/abi"

// Generate returns the generated files, by file name, for a resolved version
// (or a selection of one: layout.Version.Subset).
//
// Types the registry declares per architecture go to ztypes_<goarch>.go, and
// the layout assertions of every type whose layout differs between the
// architectures to zlayout_<goarch>.go; everything else is shared.
func Generate(v *layout.Version, opt Options) (map[string][]byte, error) {
	r, res := v.Registry, v.Layout
	g := &gen{r: r, all: res, res: res["x64"], opt: opt, names: map[string]declared{}, goNames: map[string]string{}, valueGo: map[string]string{}, constGo: map[string]string{}}
	g.assignNames()
	if len(g.errs) > 0 {
		return nil, g.errs.Sort()
	}
	files := map[string]*jen.File{}
	add := func(name string, f *jen.File) {
		if f != nil {
			files[name] = f
		}
	}
	g.typeFiles(add)
	add("zconst.go", g.constFile(""))
	for _, a := range layout.Arches {
		add("zconst_"+goArch[a.Name]+".go", g.constFile(a.Name))
	}
	add("zstatus.go", g.statusFile())
	add("zcalls.go", g.callsFile())
	add("zeventlog.go", g.eventlogFile())
	add("zstats.go", g.statsFile())
	add("zclient.go", g.clientFile())
	add("zioctl.go", g.ioctlFile(""))
	for _, a := range layout.Arches {
		add("zioctl_"+goArch[a.Name]+".go", g.ioctlFile(a.Name))
	}
	add("zdeprecated.go", g.deprecatedFile(""))
	for _, a := range layout.Arches {
		add("zdeprecated_"+goArch[a.Name]+".go", g.deprecatedFile(goArch[a.Name]))
	}
	if len(g.errs) > 0 {
		return nil, g.errs.Sort()
	}
	return render(files)
}

func render(files map[string]*jen.File) (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, f := range files {
		var buf bytes.Buffer
		if err := f.Render(&buf); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = buf.Bytes()
	}
	return out, nil
}

// goArch is the GOARCH of a registry architecture.
var goArch = map[string]string{"x64": "amd64", "arm64": "arm64"}

// typeFiles emits the types and their layout assertions: shared types and
// the assertions that hold on both architectures in ztypes.go and
// zlayout.go, the rest in per-architecture files.
func (g *gen) typeFiles(add func(string, *jen.File)) {
	var shared []*spec.Type
	perArch := map[string][]*spec.Type{}
	for _, t := range g.r.Types {
		if len(t.Arch) == 0 {
			shared = append(shared, t)
			continue
		}
		for _, a := range t.Arch {
			perArch[a] = append(perArch[a], t)
		}
	}
	if len(perArch) == 0 {
		add("ztypes.go", g.typesFile(shared, ""))
		add("zlayout.go", g.layoutFile(g.asserts, ""))
		return
	}
	// The shared types are written once, from the x64 layout; their
	// assertions are made on every architecture and kept apart where they
	// differ. The Go text of a shared type must not depend on the
	// architecture (it names its members' types, whose variants live in the
	// per-architecture files); archDependent checks the types whose layout
	// differs.
	asserts := map[string][]assertion{}
	for i, a := range layout.Arches {
		g.res, g.asserts = g.all[a.Name], nil
		f := g.typesFile(shared, "")
		asserts[a.Name] = g.asserts
		if i == 0 {
			add("ztypes.go", f)
		}
	}
	g.archDependent(shared)
	common, differ := splitAsserts(asserts)
	add("zlayout.go", g.layoutFile(common, ""))
	for _, a := range layout.Arches {
		g.res, g.asserts = g.all[a.Name], nil
		add("ztypes_"+goArch[a.Name]+".go", g.typesFile(perArch[a.Name], goArch[a.Name]))
		add("zlayout_"+goArch[a.Name]+".go", g.layoutFile(append(differ[a.Name], g.asserts...), goArch[a.Name]))
	}
	g.res = g.all["x64"]
}

// archDependent reports the shared types whose Go declaration differs
// between the architectures (an anonymous union stored as bytes of an
// architecture-dependent size, say): they must be declared per architecture.
func (g *gen) archDependent(shared []*spec.Type) {
	saved, savedAsserts := g.res, g.asserts
	defer func() { g.res, g.asserts = saved, savedAsserts }()
	for _, t := range shared {
		if g.all.Same(t.Name) {
			continue
		}
		var first []byte
		for i, a := range layout.Arches {
			g.res = g.all[a.Name]
			f := jen.NewFile(g.opt.Package)
			g.emitTypes(f, []*spec.Type{t})
			var buf bytes.Buffer
			if err := f.Render(&buf); err != nil {
				continue
			}
			if i == 0 {
				first = buf.Bytes()
			} else if !bytes.Equal(buf.Bytes(), first) {
				g.errs.Add(t.Pos, "%s: its Go declaration differs on %s (its layout does); declare it per architecture (arch:)", t.Name, a.Name)
			}
		}
	}
}

// splitAsserts returns the assertions alike on every architecture, and the
// others by architecture.
func splitAsserts(by map[string][]assertion) ([]assertion, map[string][]assertion) {
	first := by[layout.Arches[0].Name]
	var common []assertion
	differ := map[string][]assertion{}
	for i, a := range first {
		same := true
		for _, arch := range layout.Arches[1:] {
			if b := by[arch.Name]; i >= len(b) || !a.equal(b[i]) {
				same = false
			}
		}
		if same {
			common = append(common, a)
			continue
		}
		for _, arch := range layout.Arches {
			if i < len(by[arch.Name]) {
				differ[arch.Name] = append(differ[arch.Name], by[arch.Name][i])
			}
		}
	}
	return common, differ
}

type declared struct {
	abi string
	pos spec.Pos
}

type gen struct {
	r       *spec.Registry
	all     layout.Results // the version's layout on every architecture
	res     *layout.Result // the layout being emitted (x64 outside typeFiles)
	opt     Options
	errs    spec.ErrorList
	names   map[string]declared // Go identifier -> what claimed it
	goNames map[string]string   // ABI type name -> Go name
	valueGo map[string]string   // ABI enum value name -> Go name
	constGo map[string]string   // ABI constant name -> Go name
	decls   []decl              // the package-level names, in declaration order
	asserts []assertion         // filled while emitting types
}

// declare claims a package-level Go identifier.
func (g *gen) declare(goName, abi string, pos spec.Pos) {
	if d, ok := g.names[goName]; ok {
		if d.abi == abi {
			return // the same ABI item on another architecture
		}
		g.errs.Add(pos, "%s and %s (at %s) both become the Go name %s", abi, d.abi, d.pos, goName)
		return
	}
	g.names[goName] = declared{abi, pos}
}

// Identifiers the generated code declares itself.
var ownNames = []string{"Hypercalls", "LookupHypercall", "EventEntries", "EntryType", "StatsGroups", "Uint128",
	"Encoding", "Client", "NewClient", "Payload", "payloadViews", "Ioctls", "LookupIoctl"}

// declKind is what a package-level name declares.
type declKind uint8

const (
	declType declKind = iota
	declConst
	declFunc // an event-log payload accessor: func(payload []byte) *<Entry>Payload
)

// decl is one package-level name the registry gives the package.
type decl struct {
	key  string // the item named, the same under every naming rule
	kind declKind
	name string
	abi  string   // for messages
	pos  spec.Pos //
	arch []string // the architectures that declare it (see spec.Arches); empty: all
}

// names is what a naming rule makes of the registry's package-level names.
type names struct {
	decls   []decl
	goNames map[string]string // ABI type name -> Go name
	valueGo map[string]string // ABI enum value name -> Go name
	constGo map[string]string // ABI constant name -> Go name
}

func (g *gen) assignNames() {
	for _, n := range ownNames {
		g.declare(n, "(hvgen's own "+n+")", spec.Pos{})
	}
	cur := g.plan(naming.Current)
	g.goNames, g.valueGo, g.constGo, g.decls = cur.goNames, cur.valueGo, cur.constGo, cur.decls
	for _, d := range cur.decls {
		g.declare(d.name, d.abi, d.pos)
	}
}

// plan names the registry's package-level items under a naming rule, in
// declaration order.
func (g *gen) plan(rule naming.Rule) *names {
	n := &names{goNames: map[string]string{}, valueGo: map[string]string{}, constGo: map[string]string{}}
	taken := map[string]string{} // Go name -> ABI type name, for the types
	var arch []string            // of the item being named
	add := func(kind declKind, key, name, abi string, pos spec.Pos) {
		n.decls = append(n.decls, decl{key: key, kind: kind, name: name, abi: abi, pos: pos, arch: arch})
	}
	for _, t := range g.r.Types {
		gn := rule.Go(t.Name)
		arch = t.Arch
		n.goNames[t.Name] = gn
		taken[gn] = t.Name
		add(declType, "type "+t.Name, gn, t.Name, t.Pos)
	}
	// Enum values after every type: a value that would take a type's name
	// (HvRegisterVsmVpStatus and HV_REGISTER_VSM_VP_STATUS) is qualified by
	// its enum instead (naming.Qualified: RegisterNameVsmVpStatus).
	for _, t := range g.r.Types {
		arch = t.Arch
		for _, v := range t.Values {
			gn := rule.Go(v.Name)
			if _, ok := taken[gn]; ok {
				gn = naming.Qualified(n.goNames[t.Name], gn)
			}
			n.valueGo[v.Name] = gn
			add(declConst, "value "+t.Name+"."+v.Name, gn, v.Name, v.Pos)
		}
	}
	for _, t := range g.r.Types {
		gn := n.goNames[t.Name]
		arch = t.Arch
		if t.Kind == spec.KindStruct || t.Kind == spec.KindUnion {
			nestedNames(rule, "type "+t.Name, gn, t.Fields, add)
		}
		if t.Kind == spec.KindBitfield && reservedMask(t) != 0 {
			add(declConst, "mask "+t.Name, gn+"ReservedMask", t.Name+" reserved bits", t.Pos)
		}
	}
	// A constant that would take a type's or a hypercall's name (the
	// kernel's HV_ISOLATION_TYPE mask and its enum hv_isolation_type, its
	// HV_EXTCALL_QUERY_CAPABILITIES and the call HV_EXT_CALL_QUERY_CAPABILITIES)
	// gets Const after it.
	for _, h := range g.r.Hypercalls {
		taken[rule.Go(h.Name)] = h.Name
	}
	for _, c := range g.r.Constants {
		gn := rule.Go(c.Name)
		arch = c.Arch
		if _, ok := taken[gn]; ok {
			gn += "Const"
		}
		n.constGo[c.Name] = gn
		add(declConst, "const "+c.Name, gn, c.Name, c.Pos)
	}
	arch = nil
	for _, s := range g.r.Statuses {
		add(declConst, "status "+s.Name, rule.Go(s.Name), s.Name, s.Pos)
	}
	for _, h := range g.r.Hypercalls {
		add(declConst, "call "+h.Name, rule.Go(h.Name), h.Name, h.Pos)
	}
	for _, x := range g.r.Ioctls {
		arch = x.Arch
		add(declConst, "ioctl "+x.Name, "Ioctl"+rule.Go(x.Name), x.Name, x.Pos)
	}
	arch = nil
	for _, eg := range g.r.EventGroups {
		for _, e := range eg.Entries {
			gn := rule.Go(e.Name)
			add(declConst, "entry "+e.Name, gn, e.Name, e.Pos)
			if len(e.Params) > 0 {
				add(declType, "payload "+e.Name, gn+"Payload", e.Name+" payload", e.Pos)
				add(declFunc, "accessor "+e.Name, "As"+gn, e.Name+" payload accessor", e.Pos)
			}
		}
	}
	for _, sg := range g.r.StatsGroups {
		for _, c := range sg.Counters {
			add(declConst, "counter "+sg.Name+"."+c.Name+"."+strings.Join(c.Arch, ","), counterName(rule, sg, c), sg.Name+" counter "+c.Name, c.Pos)
		}
	}
	return n
}

// nestedNames names the types synthesised for named inline aggregates: the
// parent's Go name followed by the member's.
func nestedNames(rule naming.Rule, key, parent string, fields []*spec.Field, add func(declKind, string, string, string, spec.Pos)) {
	for _, f := range fields {
		if f.Nested == nil {
			continue
		}
		if f.Name == "" {
			nestedNames(rule, key, parent, f.Nested.Fields, add)
			continue
		}
		n, k := parent+rule.Field(f.Name), key+"."+f.Name
		add(declType, k, n, "inline member "+f.Name+" of "+parent, f.Pos)
		if f.Nested.Kind != spec.KindBitfield {
			nestedNames(rule, k, n, f.Nested.Fields, add)
		}
	}
}

// newFile starts a generated file.
func (g *gen) newFile() *jen.File { return g.newArchFile("") }

// newArchFile starts a file for one GOARCH ("": every architecture).
func (g *gen) newArchFile(goarch string) *jen.File {
	f := jen.NewFile(g.opt.Package)
	f.HeaderComment("// Code generated by " + g.opt.Command + "; DO NOT EDIT.")
	if goarch != "" {
		f.HeaderComment("//go:build " + goarch)
	} else {
		f.HeaderComment(buildConstraint)
	}
	f.ImportName(abiPath, "abi")
	f.ImportName(hvcallPath, "hvcall")
	return f
}

// zero returns a value of a registry type: T{} for an aggregate, T(0) for
// an integer type.
func (g *gen) zero(name string) *jen.Statement {
	if t := g.r.Type(name); t != nil && (t.Kind == spec.KindStruct || t.Kind == spec.KindUnion) {
		return g.goType(name).Values()
	}
	return g.goType(name).Call(jen.Lit(0))
}

// goType returns the Go type expression of a registry type name.
func (g *gen) goType(name string) *jen.Statement {
	if p := goPrimitive(name); p != "" {
		return jen.Id(p)
	}
	return jen.Id(g.goNames[name])
}

func goPrimitive(name string) string {
	switch name {
	case "UINT8", "BOOLEAN":
		return "uint8"
	case "UINT16":
		return "uint16"
	case "UINT32":
		return "uint32"
	case "UINT64":
		return "uint64"
	case "INT8":
		return "int8"
	case "INT16":
		return "int16"
	case "INT32":
		return "int32"
	case "INT64":
		return "int64"
	case "UINT128":
		return "Uint128"
	}
	return ""
}

// underlying returns the Go primitive that holds an integer type.
func (g *gen) underlying(name string) string {
	if p := g.r.Integer(name); p != nil {
		return goPrimitive(p.Name)
	}
	return ""
}

// docComment writes a doc comment: first line "<Go> is <ABI>[: first sentence]",
// then the reference page.
func docComment(goName, abi, doc string, refs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is %s.", goName, abi)
	if doc != "" {
		b.WriteString("\n\n" + strings.TrimSpace(doc))
	}
	if len(refs) > 0 {
		b.WriteString("\n\nReference: " + strings.Join(refs, ", ") + ".")
	}
	return b.String()
}

// comment renders text as // line comments (jen would use /* */ for a
// multi-line string), each line followed by a newline, so the result can be
// put directly before a declaration.
func comment(text string) *jen.Statement {
	s := jen.Null()
	for _, line := range reflow(strings.TrimSpace(text)) {
		if line = strings.TrimRight(line, " \t"); line == "" {
			s.Comment("//").Line()
			continue
		}
		for _, l := range wrap(line, 100) {
			s.Comment(l).Line()
		}
	}
	return s
}

// reflow joins the lines of each paragraph, so that wrap alone decides where
// lines break; blank lines, and lines that start a list item or are
// indented, stay where they are.
func reflow(text string) []string {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t")
		if i > 0 && line != "" && out[len(out)-1] != "" &&
			!strings.HasPrefix(line, "- ") && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			out[len(out)-1] += " " + line
			continue
		}
		out = append(out, line)
	}
	return out
}

// wrap breaks a line at spaces so that no part is longer than width (a
// single longer word stays whole).
func wrap(line string, width int) []string {
	var out []string
	for len(line) > width {
		i := strings.LastIndexByte(line[:width+1], ' ')
		if i <= 0 {
			break
		}
		out = append(out, line[:i])
		line = strings.TrimLeft(line[i:], " ")
	}
	return append(out, line)
}

func addComment(f *jen.File, text string) { f.Add(comment(text)) }

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }

type (
	specStatus   = spec.Status
	specParam    = spec.Param
	specConstant = spec.Constant
)
