package cimport

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"modernc.org/cc/v4"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec"
)

// macro is one object-like #define of an imported header.
type macro struct {
	name string
	file string
	line int
	m    *cc.Macro
}

// macros imports the integer #defines: call codes (HVCALL_*, or cast to
// HV_CALL_CODE), statuses (HV_STATUS_*, or cast to HV_STATUS), the values of
// an enum-like typedef (#defines casting to it on the lines right after it,
// as the hvgen header and Windows-style headers write them) and constants.
func (v *converter) macros() {
	var ms []macro
	for name, m := range v.ast.Macros {
		file, ok := v.inFiles(m.Position().Filename)
		if !ok {
			continue
		}
		ms = append(ms, macro{name, file, m.Position().Line, m})
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].file != ms[j].file {
			return ms[i].file < ms[j].file
		}
		return ms[i].line < ms[j].line
	})
	byLine := map[string]map[int]*macro{}
	for i := range ms {
		m := &ms[i]
		if byLine[m.file] == nil {
			byLine[m.file] = map[int]*macro{}
		}
		byLine[m.file][m.line] = m
	}
	// Enum values: the run of casts to T right after typedef T.
	values := map[*macro]string{}
	for file, lines := range v.lines {
		for line, typ := range lines {
			for l := line + 1; ; l++ {
				m := byLine[file][l]
				if m == nil || castTo(m.m) != typ {
					break
				}
				values[m] = typ
			}
		}
	}
	enums := map[string]*spec.Type{}
	for _, t := range v.res.Types {
		enums[t.Name] = t
	}
	for i := range ms {
		m := &ms[i]
		if m.m.IsFnLike {
			continue // a function-like macro is a helper, not an ABI item
		}
		if len(m.m.ReplacementList()) == 0 {
			continue // an include guard or a feature switch
		}
		if x, handled := v.ioctl(m); handled {
			if x != nil {
				v.res.Ioctls = append(v.res.Ioctls, x)
			}
			continue
		}
		val, ok := unsignedValue(m.m.Value())
		cast := castTo(m.m)
		if !ok {
			// A cast to an aggregate, as hvgen's header writes a constant of a
			// bitfield type, is no C constant expression; read the literal.
			if t, n, ok2 := castLiteral(m.m); ok2 && v.names[t] {
				val, cast, ok = n, t, true
			}
		}
		if !ok {
			v.skip(m.file, m.line, "#define %s: not a non-negative integer constant (%s)", m.name, describeValue(m.m.Value()))
			continue
		}
		switch {
		case values[m] != "":
			t := enums[values[m]]
			t.Kind = spec.KindEnum
			t.Doc = "Enumeration " + words(t.Name) + " (an integer typedef with #define values)."
			alias := false
			for _, x := range t.Values {
				alias = alias || x.Value == val
			}
			t.Values = append(t.Values, &spec.Value{Name: m.name, Value: val, Alias: alias, Pos: spec.Pos{File: m.file, Line: m.line}})
		case cast == "HV_CALL_CODE" || strings.HasPrefix(m.name, "HVCALL_") || strings.HasPrefix(m.name, "HV_EXT_CALL_"):
			v.res.Hypercalls = append(v.res.Hypercalls, &spec.Hypercall{
				Item: v.item(m.name, m.file, m.line, "Hypercall "+callWords(m.name)+"."), Code: val})
		case cast == "HV_STATUS" || strings.HasPrefix(m.name, "HV_STATUS_"):
			v.res.Statuses = append(v.res.Statuses, &spec.Status{
				Item: v.item(m.name, m.file, m.line, "status "+words(strings.TrimPrefix(m.name, "HV_STATUS_"))), Value: &val})
		default:
			c := &spec.Constant{Item: v.item(m.name, m.file, m.line, "Constant "+words(m.name)+"."), Value: &val}
			if cast != "" && v.names[cast] {
				c.Type = cast
			}
			v.res.Constants = append(v.res.Constants, c)
		}
	}
}

// castTo is the imported typedef a macro's value has (its cast), or "".
func castTo(m *cc.Macro) string {
	t := m.Type()
	if t == nil {
		return ""
	}
	td := t.Typedef()
	if td == nil {
		return ""
	}
	if _, ok := primitiveNames[td.Name()]; ok {
		return ""
	}
	return td.Name()
}

var castLiteralRE = regexp.MustCompile(`^\(\(([A-Za-z_][A-Za-z0-9_]*)\)(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\)$`)

// castLiteral reads a replacement list of the form ((T)literal).
func castLiteral(m *cc.Macro) (string, uint64, bool) {
	var b strings.Builder
	for _, t := range m.ReplacementList() {
		b.WriteString(t.SrcStr())
	}
	sm := castLiteralRE.FindStringSubmatch(b.String())
	if sm == nil {
		return "", 0, false
	}
	n, err := strconv.ParseUint(sm[2], 0, 64)
	if err != nil {
		return "", 0, false
	}
	return sm[1], n, true
}

func describeValue(x cc.Value) string {
	switch n := x.(type) {
	case cc.Int64Value:
		return fmt.Sprintf("negative: %d", int64(n))
	case cc.StringValue:
		return "a string"
	case cc.Float64Value:
		return "floating point"
	}
	return "no constant value"
}

// callWords describes a call code by its name: HVCALL_MAP_STATS_PAGE and
// HvCallMapStatsPage are both "map stats page"; HV_EXT_CALL_QUERY_CAPABILITIES
// (an extended hypercall) is "extended query capabilities".
func callWords(name string) string {
	if rest, ok := strings.CutPrefix(name, "HV_EXT_CALL_"); ok {
		return "extended " + callWords(rest)
	}
	s := strings.TrimPrefix(strings.TrimPrefix(name, "HVCALL_"), "HvCall")
	var w []string
	for _, x := range naming.Words(s) {
		w = append(w, strings.ToLower(x))
	}
	return strings.Join(w, " ")
}

// link pairs each call with the input and output blocks the headers name
// after it: HVCALL_X with hv_input_x / hv_output_x (kernel headers), HvCallX
// with HV_INPUT_X / HV_OUTPUT_X (hvgen's and the documents' convention).
func (v *converter) link() {
	agg := map[string]*spec.Type{}
	for _, t := range v.res.Types {
		if t.Kind == spec.KindStruct || t.Kind == spec.KindUnion {
			agg[t.Name] = t
		}
	}
	for _, h := range v.res.Hypercalls {
		var in, out string
		switch {
		case strings.HasPrefix(h.Name, "HVCALL_"):
			x := strings.ToLower(strings.TrimPrefix(h.Name, "HVCALL_"))
			in, out = "hv_input_"+x, "hv_output_"+x
		case strings.HasPrefix(h.Name, "HvCall"):
			var w []string
			for _, x := range naming.Words(strings.TrimPrefix(h.Name, "HvCall")) {
				w = append(w, strings.ToUpper(x))
			}
			x := strings.Join(w, "_")
			in, out = "HV_INPUT_"+x, "HV_OUTPUT_"+x
		}
		for _, b := range []struct{ name, role string }{{in, "Input"}, {out, "Output"}} {
			if t := agg[b.name]; t != nil {
				t.Doc = fmt.Sprintf("%s parameter block of %s (named after it in the header).", b.role, h.Name)
			}
		}
		if conv := v.c.Conventions[h.Name]; conv != nil {
			v.convention(h, conv, agg, in, out)
			continue
		}
		var lists []string
		for _, b := range []string{in, out} {
			if t := agg[b]; t != nil && hasList(t.Fields) {
				lists = append(lists, b)
			}
		}
		switch {
		case agg[in] == nil && agg[out] == nil:
			h.Incomplete = "The headers give the call code only: no parameter block is named after it, and its calling convention (simple or rep, fast) is not stated."
		case len(lists) > 0:
			// A trailing list may be a rep list or a variable-size header;
			// the headers do not say which, so no layout is claimed.
			h.Incomplete = fmt.Sprintf("The headers name its parameter blocks (%s) but not its calling convention, and %s ends in a variable-length list that may be a rep list or a variable-size header.",
				strings.Join(present(agg, in, out), ", "), strings.Join(lists, " and "))
		default:
			if agg[in] != nil {
				h.Input = in
			}
			if agg[out] != nil {
				h.Output = out
			}
			h.Doc += " The headers state no calling convention; its parameter blocks hold no list, so it is recorded as a simple call, and whether the fast form is allowed is not stated (recorded as not fast)."
		}
	}
}

// convention links a call whose calling convention a document gives: its
// blocks are the header's (named after the call, or paired by the aliases
// with the documented call's blocks); a rep list is a block's trailing
// array. Where the header's blocks do not fit the documented convention, the
// call stays incomplete and says why.
func (v *converter) convention(h *spec.Hypercall, conv *Convention, agg map[string]*spec.Type, in, out string) {
	pick := func(named string, alts []string) string {
		if agg[named] != nil {
			return named
		}
		for _, a := range alts {
			if agg[a] != nil {
				return a
			}
		}
		return ""
	}
	inB, outB := pick(in, conv.Inputs), pick(out, conv.Outputs)
	src := fmt.Sprintf("%s documents %s", conv.DocVersion, conv.DocCall)
	// The convention holds even where the blocks below do not fit it.
	h.Rep, h.Fast, h.VariableHeader = conv.Rep, conv.Fast, conv.VariableHeader
	if conv.VariableHeader {
		h.Incomplete = fmt.Sprintf("As %s, it takes a variable-size input header, which the headers' blocks do not delimit.", src)
		return
	}
	for _, side := range []struct {
		what      string
		doc, have bool
	}{{"input", conv.Input, inB != ""}, {"output", conv.Output, outB != ""}} {
		if side.doc && !side.have {
			h.Incomplete = fmt.Sprintf("As %s, it has an %s block; the headers declare none under the call's name, and the aliases pair none with the documented block.", src, side.what)
			return
		}
	}
	var inRep, outRep string
	if conv.Rep && conv.InputRep {
		elem := trailingElem(agg[inB])
		if elem == "" {
			h.Incomplete = fmt.Sprintf("As %s, it is a rep call with an input list, but the headers have no input block ending in that list.", src)
			return
		}
		inRep = elem
	}
	if conv.Rep && conv.OutputRep {
		elem := trailingElem(agg[outB])
		if elem == "" {
			h.Incomplete = fmt.Sprintf("As %s, it is a rep call with an output list, but the headers have no output block ending in that list.", src)
			return
		}
		outRep = elem
		if len(agg[outB].Fields) == 1 {
			outB = "" // the block is the list alone
		}
	}
	for _, b := range []struct{ name, rep string }{{inB, inRep}, {outB, outRep}} {
		if b.name != "" && b.rep == "" && hasList(agg[b.name].Fields) {
			h.Incomplete = fmt.Sprintf("As %s, but the headers' block %s ends in a variable-length list that convention has no place for.", src, b.name)
			return
		}
	}
	h.Input, h.Output, h.InputRep, h.OutputRep = inB, outB, inRep, outRep
	kind := "a simple call"
	if conv.Rep {
		kind = "a rep call"
	}
	fast := "not fast"
	if conv.Fast {
		fast = "may be fast"
	}
	h.Doc += fmt.Sprintf(" The headers state no calling convention: %s (%s), as %s (the registry's aliases pair the two); the parameter blocks are the header's.", kind, fast, src)
}

// trailingElem is the element type of a block's trailing variable-length
// array, or "".
func trailingElem(t *spec.Type) string {
	if t == nil || len(t.Fields) == 0 {
		return ""
	}
	last := t.Fields[len(t.Fields)-1]
	if !last.Flexible || last.Type == "" {
		return ""
	}
	return last.Type
}

func present(agg map[string]*spec.Type, names ...string) []string {
	var out []string
	for _, n := range names {
		if agg[n] != nil {
			out = append(out, n)
		}
	}
	return out
}

// hasList reports whether a block has a variable-length array anywhere.
func hasList(fs []*spec.Field) bool {
	for _, f := range fs {
		if f.Flexible || f.Nested != nil && hasList(f.Nested.Fields) {
			return true
		}
	}
	return false
}
