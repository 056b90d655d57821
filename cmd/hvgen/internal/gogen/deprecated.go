package gogen

import (
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec/layout"
)

// deprecatedFile emits, for arch "", an alias under the name the previous
// naming rule (naming.Previous) gave each package-level item whose name
// changed, and for a GOARCH those of the items only that architecture
// declares. Code written against the old names keeps compiling for a
// release; staticcheck flags its uses. Struct members and methods cannot be
// aliased: their new names are breaking changes.
func (g *gen) deprecatedFile(goarch string) *jen.File {
	old := map[string]string{} // decl key -> old name
	for _, d := range g.plan(naming.Previous).decls {
		old[d.key] = d.name
	}
	var codes []jen.Code
	done := map[string]bool{}
	for _, d := range g.decls {
		o := old[d.key]
		if o == "" || o == d.name || done[o] || g.names[o] != (declared{}) || declaredOn(d.arch) != goarch {
			continue
		}
		done[o] = true
		doc := comment(o + " is the name an earlier hvgen gave " + d.name + ".\n\nDeprecated: use " + d.name + ".")
		switch d.kind {
		case declType:
			// type Old = New
			codes = append(codes, doc.Type().Id(o).Op("=").Id(d.name))
		case declConst:
			// const Old = New
			codes = append(codes, doc.Const().Id(o).Op("=").Id(d.name))
		case declFunc:
			// func AsOld(payload []byte) *NewPayload { return AsNew(payload) }
			payload := "*" + d.name[len("As"):] + "Payload"
			codes = append(codes, doc.Func().Id(o).Params(jen.Id("payload").Index().Byte()).Id(payload).Block(
				jen.Return(jen.Id(d.name).Call(jen.Id("payload")))))
		}
	}
	if len(codes) == 0 {
		return nil
	}
	f := g.newArchFile(goarch)
	for _, c := range codes {
		f.Add(c)
	}
	return f
}

// declaredOn is the GOARCH whose files declare an item of those
// architectures: "" when every architecture declares it.
func declaredOn(arch []string) string {
	for _, a := range layout.Arches {
		if len(arch) > 0 && !slices.Contains(arch, a.Name) {
			return goArch[arch[0]]
		}
	}
	return ""
}
