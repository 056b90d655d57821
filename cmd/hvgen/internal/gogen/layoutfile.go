package gogen

import (
	"github.com/dave/jennifer/jen"
)

// layoutFile emits the compile-time layout checks (type size and alignment,
// each field's offset and size): for each type, a func _()
// that indexes a one-element array with (actual - expected), so any
// difference fails the build (negative: "overflows uintptr"; positive: "index
// out of bounds").
func (g *gen) layoutFile(asserts []assertion, goarch string) *jen.File {
	if len(asserts) == 0 {
		return nil
	}
	f := g.newArchFile(goarch)
	if goarch == "" {
		addComment(f, "Layout assertions: the sizes, alignments and offsets hvgen's layout engine computed.")
	} else {
		addComment(f, "Layout assertions on "+goarch+": the types declared for it and those whose layout differs there.")
	}
	for _, a := range asserts {
		stmts := []jen.Code{jen.Var().Id("x").Index(jen.Lit(1)).Struct()}
		check := func(actual *jen.Statement, want int64) {
			stmts = append(stmts, jen.Id("_").Op("=").Id("x").Index(actual.Op("-").Lit(int(want))))
		}
		check(jen.Qual("unsafe", "Sizeof").Call(a.zero.Clone()), a.size)
		if a.align != 0 {
			check(jen.Qual("unsafe", "Alignof").Call(a.zero.Clone()), a.align)
		}
		for _, o := range a.offsets {
			check(jen.Qual("unsafe", "Offsetof").Call(a.zero.Clone().Dot(o.name)), o.offset)
			check(jen.Qual("unsafe", "Sizeof").Call(a.zero.Clone().Dot(o.name)), o.size)
		}
		f.Add(comment(a.goName).Func().Id("_").Params().Block(stmts...))
	}
	return f
}
