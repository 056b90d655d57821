package gogen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec"
)

// constFile emits the registry's constants: those of every architecture
// (arch ""), or those one architecture defines its own way (a per-architecture
// file). A constant the reference names without a value is listed in a
// comment, never given a made-up number.
func (g *gen) constFile(arch string) *jen.File {
	var consts []*specConstant
	for _, c := range g.r.Constants {
		if arch == "" && len(c.Arch) == 0 || arch != "" && len(c.Arch) > 0 && c.OnArch(arch) {
			consts = append(consts, c)
		}
	}
	if len(consts) == 0 {
		return nil
	}
	f := g.newFile()
	if arch != "" {
		f = g.newArchFile(goArch[arch])
	}
	var defs []jen.Code
	var unknown []string
	for _, c := range consts {
		if c.Value == nil {
			unknown = append(unknown, c.Name)
			continue
		}
		d := comment(docLine(g.constGo[c.Name], c.Name, c.Doc)).Id(g.constGo[c.Name])
		if c.Type != "" {
			d = d.Add(g.goType(c.Type))
		}
		defs = append(defs, d.Op("=").Id(hex(*c.Value)))
	}
	if len(defs) > 0 {
		f.Const().Defs(defs...)
	}
	if len(unknown) > 0 {
		addComment(f, "The reference names these constants without giving their values, so they have no Go\nconstant: "+
			strings.Join(unknown, ", ")+".")
	}
	return f
}

// docLine is a one-paragraph doc comment.
func docLine(goName, abi, doc string) string {
	if doc == "" {
		return goName + " is " + abi + "."
	}
	return goName + " is " + abi + ": " + doc
}

// statusFile emits the status constants and makes the status type an error.
func (g *gen) statusFile() *jen.File {
	if len(g.r.Statuses) == 0 || g.goNames["HV_STATUS"] == "" {
		return nil
	}
	st := g.goNames["HV_STATUS"]
	f := g.newFile()
	var defs, cases, texts []jen.Code
	var unknown []string
	success := ""
	for _, s := range g.r.Statuses {
		if s.Value == nil {
			unknown = append(unknown, s.Name)
			continue
		}
		n := naming.Go(s.Name)
		if *s.Value == 0 {
			success = n
		}
		defs = append(defs, comment(docLine(n, s.Name, s.Doc)).Id(n).Id(st).Op("=").Id(fmt.Sprintf("%#04x", *s.Value)))
		cases = append(cases, jen.Case(jen.Id(n)).Block(jen.Return(jen.Lit(s.Name))))
		texts = append(texts, jen.Case(jen.Id(n)).Block(jen.Return(jen.Lit(s.Doc))))
	}
	f.Const().Defs(defs...)
	if len(unknown) > 0 {
		addComment(f, "No reference gives a value for these statuses, so they have no Go constant: "+strings.Join(unknown, ", ")+".")
	}
	recv := jen.Id("s").Id(st)
	f.Add(comment("String returns the status's ABI name, or HV_STATUS(n) for an unknown value.").Func().Params(recv).Id("String").Params().String().Block(
		jen.Switch(jen.Id("s")).Block(cases...),
		jen.Return(jen.Lit("HV_STATUS(").Op("+").Qual("strconv", "FormatUint").Call(jen.Uint64().Call(jen.Id("s")), jen.Lit(10)).Op("+").Lit(")")),
	))
	f.Add(comment("Text returns what the status means, or \"\" for an unknown value.").Func().Params(recv).Id("Text").Params().String().Block(
		jen.Switch(jen.Id("s")).Block(texts...),
		jen.Return(jen.Lit("")),
	))
	f.Add(comment("Error makes a status usable as an error: its ABI name and meaning.").Func().Params(recv).Id("Error").Params().String().Block(
		jen.If(jen.Id("t").Op(":=").Id("s").Dot("Text").Call(), jen.Id("t").Op("!=").Lit("")).Block(
			jen.Return(jen.Id("s").Dot("String").Call().Op("+").Lit(": ").Op("+").Id("t"))),
		jen.Return(jen.Id("s").Dot("String").Call()),
	))
	if success != "" {
		f.Add(comment("Err returns nil for "+success+" and the status itself otherwise.").Func().Params(recv).Id("Err").Params().Error().Block(
			jen.If(jen.Id("s").Op("==").Id(success)).Block(jen.Return(jen.Nil())),
			jen.Return(jen.Id("s")),
		))
	}
	return f
}

// callsFile emits the call-code constants and the hypercall descriptor table.
func (g *gen) callsFile() *jen.File {
	if len(g.r.Hypercalls) == 0 || g.goNames["HV_CALL_CODE"] == "" {
		return nil
	}
	cc := g.goNames["HV_CALL_CODE"]
	f := g.newFile()
	var defs, cases, table, lookup []jen.Code
	for i, h := range g.r.Hypercalls {
		n := naming.Go(h.Name)
		kind := "simple"
		if h.Rep {
			kind = "rep"
		}
		if h.Fast {
			kind += ", fast"
		}
		doc := fmt.Sprintf("%s is %s (%s): %s", n, h.Name, kind, h.Doc)
		defs = append(defs, comment(doc).Id(n).Id(cc).Op("=").Id(fmt.Sprintf("%#04x", h.Code)))
		cases = append(cases, jen.Case(jen.Id(n)).Block(jen.Return(jen.Lit(h.Name))))
		d := jen.Dict{
			jen.Id("Name"): jen.Lit(h.Name),
			jen.Id("Code"): jen.Uint16().Call(jen.Id(n)),
		}
		flag := func(key string, v bool) {
			if v {
				d[jen.Id(key)] = jen.True()
			}
		}
		size := func(key, typ string) {
			if typ == "" {
				return
			}
			if !g.all.SameSize(typ) {
				// Another size per architecture: let the compiler say which.
				d[jen.Id(key)] = jen.Uint32().Call(jen.Qual("unsafe", "Sizeof").Call(g.zero(typ)))
			} else if lt := g.res.Types[typ]; lt != nil {
				d[jen.Id(key)] = jen.Lit(int(lt.Size))
			}
		}
		flag("Rep", h.Rep)
		flag("Fast", h.Fast)
		flag("VariableHeader", h.VariableHeader)
		flag("Incomplete", h.Incomplete != "")
		size("InputSize", h.Input)
		size("OutputSize", h.Output)
		size("InputElemSize", h.InputRep)
		size("OutputElemSize", h.OutputRep)
		var sts []jen.Code
		for _, s := range h.Statuses {
			if st := g.statusByName(s.Status); st != nil && st.Value != nil {
				sts = append(sts, jen.Uint16().Call(jen.Id(naming.Go(s.Status))))
			}
		}
		if len(sts) > 0 {
			d[jen.Id("Statuses")] = jen.Index().Uint16().Values(sts...)
		}
		if p := h.Passthrough; p != nil {
			d[jen.Id("Passthrough")] = fdSet(p.Fds)
			flag("Async", p.Async)
		}
		table = append(table, jen.Values(d))
		lookup = append(lookup, jen.Case(jen.Id(n)).Block(jen.Return(jen.Op("&").Id("Hypercalls").Index(jen.Lit(i)), jen.True())))
	}
	f.Const().Defs(defs...)
	f.Add(comment("String returns the call code's HV_CALL_CODE name, or HV_CALL_CODE(n) for an unknown code.").Func().Params(jen.Id("c").Id(cc)).Id("String").Params().String().Block(
		jen.Switch(jen.Id("c")).Block(cases...),
		jen.Return(jen.Lit("HV_CALL_CODE(0x").Op("+").Qual("strconv", "FormatUint").Call(jen.Uint64().Call(jen.Id("c")), jen.Lit(16)).Op("+").Lit(")")),
	))
	f.Add(comment("Hypercalls describes every hypercall of this ABI version, in registry order.").Var().Id("Hypercalls").Op("=").Index(jen.Op("...")).Qual(abiPath, "Hypercall").Values(table...))
	f.Add(comment("LookupHypercall returns the descriptor of a call code.").Func().Id("LookupHypercall").Params(jen.Id("c").Id(cc)).Params(jen.Op("*").Qual(abiPath, "Hypercall"), jen.Bool()).Block(
		jen.Switch(jen.Id("c")).Block(lookup...),
		jen.Return(jen.Nil(), jen.False()),
	))
	return f
}

func (g *gen) statusByName(name string) *specStatus {
	for _, s := range g.r.Statuses {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// eventlogFile emits the entry-type constants, a payload struct per entry
// type with parameters, and the entry descriptor table.
func (g *gen) eventlogFile() *jen.File {
	if len(g.r.EventGroups) == 0 {
		return nil
	}
	f := g.newFile()
	f.Add(comment("EntryType is the Type of an event-log entry header (HV_EVENTLOG_ENTRY_HEADER.Type).\nThe name is hvgen's: the reference gives the values but no type name.").Type().Id("EntryType").Uint16())
	var defs, table []jen.Code
	for _, eg := range g.r.EventGroups {
		for _, e := range eg.Entries {
			n := naming.Go(e.Name)
			defs = append(defs, comment(fmt.Sprintf("%s is %s (group %s): %s", n, e.Name, eg.Name, e.Doc)).
				Id(n).Id("EntryType").Op("=").Id(fmt.Sprintf("%#02x", e.ID)))
			var params []jen.Code
			for _, p := range e.Params {
				params = append(params, jen.Lit(p.Name))
			}
			d := jen.Dict{
				jen.Id("Name"):  jen.Lit(e.Name),
				jen.Id("ID"):    jen.Uint16().Call(jen.Id(n)),
				jen.Id("Group"): jen.Lit(eg.Name),
				jen.Id("Mask"):  jen.Id(hex(eg.Mask)),
			}
			if len(params) > 0 {
				d[jen.Id("Params")] = jen.Index().String().Values(params...)
				d[jen.Id("PayloadSize")] = jen.Lit(int(g.payloadSize(e.Params)))
			}
			table = append(table, jen.Values(d))
		}
	}
	f.Const().Defs(defs...)
	// String, as every generated enum has: the ABI name of a known type.
	var cases []jen.Code
	for _, eg := range g.r.EventGroups {
		for _, e := range eg.Entries {
			cases = append(cases, jen.Case(jen.Id(naming.Go(e.Name))).Block(jen.Return(jen.Lit(e.Name))))
		}
	}
	f.Add(comment("String returns the ABI name of the entry type, or the number for an unknown one.").
		Func().Params(jen.Id("t").Id("EntryType")).Id("String").Params().String().Block(
		jen.Switch(jen.Id("t")).Block(cases...),
		jen.Return(jen.Lit("EntryType(").Op("+").Qual("strconv", "FormatUint").Call(jen.Uint64().Call(jen.Id("t")), jen.Lit(10)).Op("+").Lit(")")),
	))
	for _, eg := range g.r.EventGroups {
		for _, e := range eg.Entries {
			if len(e.Params) == 0 {
				continue
			}
			n := naming.Go(e.Name) + "Payload"
			fields := []jen.Code{jen.Id("_").Qual("structs", "HostLayout")}
			a := assertion{goName: n, zero: jen.Id(n).Values()}
			var off int64
			for _, p := range e.Params {
				lt := g.res.Types[p.Type]
				if lt == nil {
					g.errs.Add(p.Pos, "%s param %s: no layout for %s", e.Name, p.Name, p.Type)
					continue
				}
				if off%lt.Align != 0 {
					g.errs.Add(p.Pos, "%s param %s: not aligned at offset %d", e.Name, p.Name, off)
				}
				c := jen.Id(naming.Field(p.Name)).Add(g.goType(p.Type))
				if p.Doc != "" {
					c = c.Comment(p.Doc)
				}
				fields = append(fields, c)
				a.offsets = append(a.offsets, fieldOffset{naming.Field(p.Name), off, lt.Size})
				off += lt.Size
				a.align = max(a.align, lt.Align)
			}
			a.size = off
			f.Add(comment(fmt.Sprintf("%s is the payload after the entry header of %s entries.", n, e.Name)).Type().Id(n).Struct(fields...))
			g.asserts = append(g.asserts, a)
			// As<Entry> views a payload in place.
			as := "As" + naming.Go(e.Name)
			f.Add(comment(fmt.Sprintf("%s views an entry payload as a %s without copying; it returns nil when the\n"+
				"payload is shorter than %d bytes or not 8-byte aligned.", as, n, off)).
				Func().Id(as).Params(jen.Id("payload").Index().Byte()).Op("*").Id(n).Block(
				jen.If(jen.Len(jen.Id("payload")).Op("<").Lit(int(off)).Op("||").
					Uintptr().Call(jen.Qual("unsafe", "Pointer").Call(jen.Qual("unsafe", "SliceData").Call(jen.Id("payload")))).Op("%").Lit(8).Op("!=").Lit(0)).
					Block(jen.Return(jen.Nil())),
				jen.Return(jen.Parens(jen.Op("*").Id(n)).Call(jen.Qual("unsafe", "Pointer").Call(jen.Qual("unsafe", "SliceData").Call(jen.Id("payload"))))),
			))
		}
	}
	// Payload: a table indexed by entry type (one indirect call, no search).
	views := jen.Dict{}
	for _, eg := range g.r.EventGroups {
		for _, e := range eg.Entries {
			if len(e.Params) == 0 || e.ID > 0xffff {
				continue
			}
			n := naming.Go(e.Name)
			views[jen.Id(fmt.Sprintf("%#x", e.ID))] = jen.Func().Params(jen.Id("b").Index().Byte()).Any().Block(
				jen.If(jen.Id("p").Op(":=").Id("As"+n).Call(jen.Id("b")), jen.Id("p").Op("!=").Nil()).Block(jen.Return(jen.Id("p"))),
				jen.Return(jen.Nil()))
		}
	}
	f.Add(comment("payloadViews maps an entry type to the view of its payload.").
		Var().Id("payloadViews").Op("=").Index(jen.Op("...")).Func().Params(jen.Index().Byte()).Any().Values(views))
	f.Add(comment("Payload views an entry's payload as its type's payload struct (a *...Payload) without\n"+
		"copying, or returns nil for a type without parameters, an unknown type or a short payload.").
		Func().Id("Payload").Params(jen.Id("t").Id("EntryType"), jen.Id("payload").Index().Byte()).Any().Block(
		jen.If(jen.Int().Call(jen.Id("t")).Op("<").Len(jen.Id("payloadViews"))).Block(
			jen.If(jen.Id("view").Op(":=").Id("payloadViews").Index(jen.Id("t")), jen.Id("view").Op("!=").Nil()).Block(
				jen.Return(jen.Id("view").Call(jen.Id("payload"))))),
		jen.Return(jen.Nil()),
	))
	f.Add(comment("EventEntries describes every event-log entry type of this ABI version.").Var().Id("EventEntries").Op("=").Index(jen.Op("...")).Qual(abiPath, "EventEntry").Values(table...))
	return f
}

func (g *gen) payloadSize(params []*specParam) int64 {
	var n int64
	for _, p := range params {
		if lt := g.res.Types[p.Type]; lt != nil {
			n += lt.Size
		}
	}
	return n
}

// statsFile emits the statistics group table and a constant per counter slot.
func (g *gen) statsFile() *jen.File {
	if len(g.r.StatsGroups) == 0 {
		return nil
	}
	f := g.newFile()
	var defs, table []jen.Code
	for _, sg := range g.r.StatsGroups {
		var counters []jen.Code
		for _, c := range sg.Counters {
			n := counterGo(sg, c)
			label := c.Label
			if label == "" {
				label = c.Name
			}
			cd := jen.Dict{
				jen.Id("Index"): jen.Id(n),
				jen.Id("Name"):  jen.Lit(c.Name),
				jen.Id("Label"): jen.Lit(c.Label),
			}
			where := ""
			if len(c.Arch) > 0 {
				cd[jen.Id("Arch")] = jen.Lit(strings.Join(c.Arch, ","))
				where = " on " + strings.Join(c.Arch, ", ")
			}
			// Kind: abi.KindCounter, Unit: abi.Unit100ns, Reserved: true, Doc: "..."
			if k, ok := counterKinds[c.Kind]; ok {
				cd[jen.Id("Kind")] = jen.Qual(abiPath, k)
			} else if c.Kind != "" {
				g.errs.Add(c.Pos, "counter %s: kind %q has no runtime/abi constant", c.Name, c.Kind)
			}
			if u, ok := counterUnits[c.Unit]; ok {
				cd[jen.Id("Unit")] = jen.Qual(abiPath, u)
			} else if c.Unit != "" {
				g.errs.Add(c.Pos, "counter %s: unit %q has no runtime/abi constant", c.Name, c.Unit)
			}
			if c.Reserved {
				cd[jen.Id("Reserved")] = jen.True()
			}
			if c.Doc != "" {
				cd[jen.Id("Doc")] = jen.Lit(c.Doc)
			}
			defs = append(defs, comment(fmt.Sprintf("%s is the slot of counter %q of %s%s.", n, label, sg.Name, where)).
				Id(n).Op("=").Lit(int(c.Index)))
			counters = append(counters, jen.Values(cd))
		}
		d := jen.Dict{
			jen.Id("Name"):     jen.Lit(sg.Name),
			jen.Id("Object"):   jen.Uint32().Call(jen.Id(g.valueGo[sg.Object])),
			jen.Id("Counters"): jen.Index().Qual(abiPath, "Counter").Values(counters...),
		}
		if sg.Class == "release" {
			d[jen.Id("Release")] = jen.True()
		}
		if sg.Layout == spec.LayoutFlat {
			d[jen.Id("Flat")] = jen.True()
		}
		if id := g.constByName(sg.IDConst); id != nil && id.Value != nil {
			d[jen.Id("ID")] = jen.Id(hex(*id.Value))
			d[jen.Id("HasID")] = jen.True()
			if v := g.constByName(sg.VersionConst); v != nil && v.Value != nil {
				// HV_STATISTICS_GROUP_VERSION: Minor in the low 16 bits, Major above.
				d[jen.Id("Major")] = jen.Lit(int(*v.Value >> 16 & 0xffff))
				d[jen.Id("Minor")] = jen.Lit(int(*v.Value & 0xffff))
			}
		}
		table = append(table, jen.Values(d))
	}
	f.Const().Defs(defs...)
	f.Add(comment("StatsGroups describes every statistics counter group of this ABI version.").Var().Id("StatsGroups").Op("=").Index(jen.Op("...")).Qual(abiPath, "StatsGroup").Values(table...))
	return f
}

// counterKinds and counterUnits name the runtime/abi constant of each
// counter kind and unit the registry allows (spec.CounterKinds,
// spec.CounterUnits).
var (
	counterKinds = map[string]string{"counter": "KindCounter", "gauge": "KindGauge"}
	counterUnits = map[string]string{"100ns": "Unit100ns", "1": "UnitOne", "pages": "UnitPages", "raw": "UnitRaw"}
)

func (g *gen) constByName(name string) *specConstant {
	for _, c := range g.r.Constants {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// counterGo is a counter slot's Go name: the group's and the counter's, and
// the architectures for a counter the builds place at different slots.
func counterGo(sg *spec.StatsGroup, c *spec.Counter) string {
	return counterName(naming.Current, sg, c)
}

func counterName(rule naming.Rule, sg *spec.StatsGroup, c *spec.Counter) string {
	n := rule.Go(sg.Name) + rule.Field(c.Name)
	for _, a := range c.Arch {
		n += rule.Go(a)
	}
	return n
}
