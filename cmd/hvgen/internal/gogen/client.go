package gogen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec"
)

const hvcallPath = "github.com/hvgen/hvgen/runtime/hvcall"

// roleType returns the bitfield type with a role, and its bits by role.
func (g *gen) roleType(role string) (*spec.Type, map[string]*spec.Bit) {
	for _, t := range g.r.Types {
		if t.Role == role {
			bits := map[string]*spec.Bit{}
			for _, b := range t.Bits {
				if b.Role != "" {
					bits[b.Role] = b
				}
			}
			return t, bits
		}
	}
	return nil, nil
}

// bitGoType is the Go type of a bit range's accessors (see emitBitfield).
func (g *gen) bitGoType(b *spec.Bit) *jen.Statement {
	switch {
	case b.Width == 1 && b.Type == "":
		return jen.Bool()
	case b.Type != "":
		return g.goType(b.Type)
	}
	return jen.Id(uintFor(b.Width))
}

func (g *gen) constValue(name string) (int, bool) {
	for _, c := range g.r.Constants {
		if c.Name == name && c.Value != nil {
			return int(*c.Value), true
		}
	}
	return 0, false
}

// clientFile emits the version's hvcall.Encoding, built from its own input
// and output value accessors, and a Client with one method per hypercall.
func (g *gen) clientFile() *jen.File {
	inT, in := g.roleType("hypercall_input")
	outT, out := g.roleType("hypercall_output")
	if inT == nil || outT == nil || len(g.r.Hypercalls) == 0 || g.goNames["HV_STATUS"] == "" {
		return nil
	}
	f := g.newFile()
	inGo, outGo := g.goNames[inT.Name], g.goNames[outT.Name]
	set := func(role string, v jen.Code) jen.Code {
		b := in[role]
		if b == nil {
			return jen.Null()
		}
		return jen.Id("x").Dot("Set" + naming.Field(b.Name)).Call(g.bitGoType(b).Call(v))
	}
	get := func(role string) *jen.Statement {
		return jen.Id("x").Dot(naming.Field(out[role].Name)).Call()
	}
	enc := map[string]jen.Code{
		"Input": jen.Func().Params(jen.Id("c").Qual(hvcallPath, "Control")).Uint64().Block(
			jen.Var().Id("x").Id(inGo),
			set("call_code", jen.Id("c").Dot("Code")),
			jen.Id("x").Dot("Set"+naming.Field(in["fast"].Name)).Call(jen.Id("c").Dot("Fast")),
			set("variable_header_size", jen.Id("c").Dot("VariableHeaderLen")),
			g.setNested(in),
			set("rep_count", jen.Id("c").Dot("RepCount")),
			set("rep_start_index", jen.Id("c").Dot("RepStart")),
			jen.Return(jen.Uint64().Call(jen.Id("x"))),
		),
		"Output": jen.Func().Params(jen.Id("v").Uint64()).Params(jen.Uint16(), jen.Int()).Block(
			jen.Id("x").Op(":=").Id(outGo).Call(jen.Id("v")),
			jen.Return(jen.Uint16().Call(get("status")), jen.Int().Call(get("reps_completed"))),
		),
		"Decode": jen.Func().Params(jen.Id("v").Uint64()).Qual(hvcallPath, "Control").Block(
			jen.Id("x").Op(":=").Id(inGo).Call(jen.Id("v")),
			jen.Return(jen.Qual(hvcallPath, "Control").Values(g.decodeDict(in))),
		),
		"Result": jen.Func().Params(jen.Id("s").Uint16(), jen.Id("n").Int()).Uint64().Block(
			jen.Var().Id("x").Id(outGo),
			jen.Id("x").Dot("Set"+naming.Field(out["status"].Name)).Call(g.bitGoType(out["status"]).Call(jen.Id("s"))),
			jen.Id("x").Dot("Set"+naming.Field(out["reps_completed"].Name)).Call(g.bitGoType(out["reps_completed"]).Call(jen.Id("n"))),
			jen.Return(jen.Uint64().Call(jen.Id("x"))),
		),
		"Status": jen.Func().Params(jen.Id("s").Uint16()).Error().Block(
			jen.Return(jen.Id(g.goNames["HV_STATUS"]).Call(jen.Id("s")))),
		"MaxRepCount":    jen.Lit(int(fieldMask(in["rep_count"].Width))),
		"FastInputBytes": jen.Lit(16),
	}
	if n, ok := g.constValue("HV_HYPERCALL_FAST_MAX_INPUT_PARAMETERS"); ok {
		enc["FastInputBytes"] = jen.Lit(n * 8)
	}
	if b := in["variable_header_size"]; b != nil {
		enc["MaxVariableHeader"] = jen.Lit(int(fieldMask(b.Width)))
	}
	if in["nested"] != nil {
		enc["Nested"] = jen.True()
	}
	if n, ok := g.constValue("HV_HYPERCALL_XMM_FAST_MAX_INPUT_BYTES"); ok {
		enc["XMMInputBytes"] = jen.Lit(n)
	}
	if n, ok := g.constValue("HV_HYPERCALL_XMM_FAST_MAX_OUTPUT_BYTES"); ok {
		enc["XMMOutputBytes"] = jen.Lit(n)
	}
	f.Add(comment(fmt.Sprintf("Encoding tells the hypercall runtime how this version encodes the input value (%s)\n"+
		"and decodes the output value (%s), and the limits of its fast conventions.", inT.Name, outT.Name)).
		Var().Id("Encoding").Op("=").Qual(hvcallPath, "Encoding").Values(dict(enc)))
	f.Add(comment("Client issues this version's hypercalls, one method each, through the embedded\n" +
		"hvcall.Caller. Like the caller, it is not safe for concurrent use. The zero Client has no backend:\n" +
		"its calls return hvcall.ErrNoBackend.").
		Type().Id("Client").Struct(jen.Op("*").Qual(hvcallPath, "Caller")))
	f.Add(comment("NewClient returns a client that issues hypercalls through b with its own parameter pages,\n" +
		"in registers where the call allows it and b carries the convention (hvcall.Backend.Conventions).").
		Func().Id("NewClient").Params(jen.Id("b").Qual(hvcallPath, "Backend")).Op("*").Id("Client").Block(
		jen.Return(jen.Op("&").Id("Client").Values(jen.Qual(hvcallPath, "NewCaller").Call(jen.Id("b"), jen.Op("&").Id("Encoding"))))))
	methods := map[string]bool{}
	for i, h := range g.r.Hypercalls {
		name := naming.Method(h.Name)
		if methods[name] {
			g.errs.Add(h.Pos, "%s: two hypercalls become the Client method %s", h.Name, name)
			continue
		}
		methods[name] = true
		f.Add(g.wrapper(i, h, name))
	}
	return f
}

// decodeDict reads each input-value role back into a hvcall.Control field.
func (g *gen) decodeDict(in map[string]*spec.Bit) jen.Dict {
	d := jen.Dict{}
	for role, field := range map[string]string{"call_code": "Code", "variable_header_size": "VariableHeaderLen",
		"rep_count": "RepCount", "rep_start_index": "RepStart", "fast": "Fast", "nested": "Nested"} {
		b := in[role]
		if b == nil {
			continue
		}
		v := jen.Id("x").Dot(naming.Field(b.Name)).Call()
		switch field {
		case "Fast", "Nested":
			d[jen.Id(field)] = v
		case "Code":
			d[jen.Id(field)] = jen.Uint16().Call(v)
		default:
			d[jen.Id(field)] = jen.Int().Call(v)
		}
	}
	return d
}

// dict turns a map keyed by field name into a jen.Dict (rendered sorted).
func dict(m map[string]jen.Code) jen.Dict {
	d := jen.Dict{}
	for k, v := range m {
		d[jen.Id(k)] = v
	}
	return d
}

func (g *gen) setNested(in map[string]*spec.Bit) jen.Code {
	if b := in["nested"]; b != nil {
		return jen.Id("x").Dot("Set" + naming.Field(b.Name)).Call(jen.Id("c").Dot("Nested"))
	}
	return jen.Null()
}

// tail returns the Go element type of a struct's trailing flexible array.
func (g *gen) tail(typ string) *jen.Statement {
	lt := g.res.Types[typ]
	if lt == nil || len(lt.Fields) == 0 {
		return nil
	}
	last := lt.Fields[len(lt.Fields)-1]
	if !last.Spec.Flexible || last.Spec.Type == "" {
		return nil
	}
	return g.goType(last.Spec.Type)
}

// wrapper emits one typed method.
func (g *gen) wrapper(i int, h *spec.Hypercall, name string) jen.Code {
	desc := jen.Op("&").Id("Hypercalls").Index(jen.Lit(i))
	kind := "simple"
	if h.Rep {
		kind = "rep"
	}
	if h.Fast {
		kind += ", fast-capable"
	}
	doc := fmt.Sprintf("%s issues %s (call code %#04x, %s): %s", name, h.Name, h.Code, kind, strings.TrimSpace(h.Doc))
	if len(h.Statuses) > 0 {
		var sts []string
		for _, s := range h.Statuses {
			if s.Status == "HV_STATUS_SUCCESS" {
				continue
			}
			st := s.Status
			if len(s.When) > 0 {
				st += " (" + strings.Join(s.When, "; ") + ")"
			}
			sts = append(sts, st)
		}
		if len(sts) > 0 {
			doc += "\n\nBesides the common statuses it can fail with " + strings.Join(sts, ", ") + "."
		}
	}
	recv := jen.Id("c").Op("*").Id("Client")
	bytes := func(v string) *jen.Statement { return jen.Qual(hvcallPath, "Bytes").Call(jen.Id(v)) }
	slice := func(v string) *jen.Statement { return jen.Qual(hvcallPath, "SliceBytes").Call(jen.Id(v)) }
	if h.Incomplete != "" {
		doc += "\n\nThe registry has no parameter layout for this call, so input and output are raw parameter\n" +
			"blocks. Why: " + strings.TrimSpace(h.Incomplete)
		if h.Rep {
			doc += " A rep call cannot be split without its element sizes, so it fails with hvcall.ErrIncomplete."
			return comment(doc).Func().Params(recv).Id(name).Params(jen.Id("input"), jen.Id("output").Index().Byte()).Error().Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: %w"), jen.Lit(h.Name), jen.Qual(hvcallPath, "ErrIncomplete"))))
		}
		return comment(doc).Func().Params(recv).Id(name).Params(jen.Id("input"), jen.Id("output").Index().Byte()).Error().Block(
			jen.Return(jen.Id("c").Dot("Call").Call(desc, jen.Id("input"), jen.Id("output"))))
	}
	var params []jen.Code
	inArg, inTail, outArg := jen.Nil(), jen.Nil(), jen.Nil()
	if h.Input != "" {
		params = append(params, jen.Id("in").Op("*").Add(g.goType(h.Input)))
		inArg = bytes("in")
		if t := g.tail(h.Input); t != nil && !h.Rep { // a rep call's trailing array is its rep list (elems)
			params = append(params, jen.Id("inList").Index().Add(t))
			inTail = slice("inList")
		}
	}
	if !h.Rep {
		if h.Output != "" {
			params = append(params, jen.Id("out").Op("*").Add(g.goType(h.Output)))
			outArg = bytes("out")
			if t := g.tail(h.Output); t != nil {
				params = append(params, jen.Id("outList").Index().Add(t))
				doc += "\n\noutList must hold every element the call returns: a shorter one fails with\n" +
					"hvcall.ErrOutputListShort (the call took effect, and outList has the first elements)."
				return comment(doc).Func().Params(recv).Id(name).Params(params...).Error().Block(
					jen.Return(jen.Id("c").Dot("CallList").Call(desc, inArg, inTail, outArg, slice("outList"),
						jen.Int().Call(jen.Qual("unsafe", "Sizeof").Call(jen.Id("outList").Index(jen.Lit(0)))))))
			}
		}
		return comment(doc).Func().Params(recv).Id(name).Params(params...).Error().Block(
			jen.Return(jen.Id("c").Dot("CallParts").Call(desc, inArg, inTail, outArg, jen.Nil())))
	}
	// Rep: the list is elems (input elements) and/or results (output elements).
	n := jen.Null()
	inElems, outElems := jen.Nil(), jen.Nil()
	if h.InputRep != "" {
		params = append(params, jen.Id("elems").Index().Add(g.goType(h.InputRep)))
		inElems = slice("elems")
		n = jen.Len(jen.Id("elems"))
	}
	if h.Output != "" {
		params = append(params, jen.Id("out").Op("*").Add(g.goType(h.Output)))
		outArg = bytes("out")
	}
	if h.OutputRep != "" {
		params = append(params, jen.Id("results").Index().Add(g.goType(h.OutputRep)))
		outElems = slice("results")
		if h.InputRep == "" {
			n = jen.Len(jen.Id("results"))
		}
	}
	if h.InputRep == "" && h.OutputRep == "" {
		params = append(params, jen.Id("reps").Int())
		n = jen.Id("reps")
		doc += "\n\nreps is the rep count: the call has no element lists."
	}
	doc += "\n\nIt returns the number of rep elements completed."
	if h.InputRep != "" && h.OutputRep != "" {
		doc += " results must be as long as elems."
	}
	return comment(doc).Func().Params(recv).Id(name).Params(params...).Params(jen.Int(), jen.Error()).Block(
		jen.Return(jen.Id("c").Dot("CallRep").Call(desc, inArg, inElems, outArg, outElems, n)))
}
