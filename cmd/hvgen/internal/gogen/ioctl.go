package gogen

import (
	"fmt"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// ioctlGo is the Go constant of an ioctl's request number: Ioctl and the
// request's Go name (IoctlMshvCreatePartition), apart from the argument
// struct the header names alike (mshv_create_partition is
// MshvCreatePartition).
func ioctlGo(name string) string { return "Ioctl" + naming.Go(name) }

// fdSet renders a set of spec.FdKinds as abi.FdSet constants.
func fdSet(fds []string) jen.Code {
	var s *jen.Statement
	for _, f := range spec.FdKinds {
		if !slices.Contains(fds, f) {
			continue
		}
		id := jen.Qual(abiPath, map[string]string{"system": "FdSystem", "partition": "FdPartition", "vp": "FdVP"}[f])
		if s == nil {
			s = id
		} else {
			s = s.Op("|").Add(id)
		}
	}
	if s == nil {
		return jen.Lit(0)
	}
	return s
}

var ioctlDirGo = map[string]string{"none": "IoctlNone", "write": "IoctlWrite", "read": "IoctlRead", "readwrite": "IoctlReadWrite"}

// ioctlFile emits, for arch "", the request numbers that are the same on
// every architecture, the descriptor table (Ioctls, LookupIoctl) and the
// assertions that each request encodes its argument's Go size; for an
// architecture, the request numbers that differ there.
func (g *gen) ioctlFile(arch string) *jen.File {
	if len(g.r.Ioctls) == 0 {
		return nil
	}
	req := func(a string, x *spec.Ioctl) (uint32, bool) {
		if l := g.all[a]; l != nil && l.Ioctls[x.Name] != nil {
			return l.Ioctls[x.Name].Request, true
		}
		return 0, false
	}
	same := func(x *spec.Ioctl) bool {
		var first uint32
		for i, a := range layout.Arches {
			r, ok := req(a.Name, x)
			if !ok {
				return false
			}
			if i == 0 {
				first = r
			} else if r != first {
				return false
			}
		}
		return true
	}
	var defs []jen.Code
	for _, x := range g.r.Ioctls {
		if (arch == "") != same(x) {
			continue
		}
		a := arch
		if a == "" {
			a = layout.Arches[0].Name
		}
		r, ok := req(a, x)
		if !ok {
			continue
		}
		doc := fmt.Sprintf("%s is the request number of %s (direction %s, type %#x, number %#x", ioctlGo(x.Name), x.Name, x.Dir, x.Magic, x.Nr)
		if x.Arg != "" {
			doc += ", argument " + x.Arg
		}
		doc += "): " + x.Doc
		if len(x.Refs) > 0 {
			doc += "\n\nReference: " + x.Refs[0] + "."
		}
		defs = append(defs, comment(doc).Id(ioctlGo(x.Name)).Op("=").Id(fmt.Sprintf("%#08x", r)))
	}
	if arch != "" {
		if len(defs) == 0 {
			return nil
		}
		f := g.newArchFile(goArch[arch])
		f.Const().Defs(defs...)
		return f
	}
	f := g.newFile()
	if len(defs) > 0 {
		f.Const().Defs(defs...)
	}
	// Each request number encodes its argument's size: assert it against
	// the Go type, so a wrong layout or number fails the build on each
	// GOARCH ("overflows uintptr" when too small, "index out of bounds" when
	// too large).
	var asserts, table []jen.Code
	for _, x := range g.r.Ioctls {
		if x.Arg != "" {
			asserts = append(asserts, jen.Id("_").Op("=").Id("x").Index(
				jen.Id(ioctlGo(x.Name)).Op(">>").Lit(16).Op("&").Id("0x3fff").Op("-").Qual("unsafe", "Sizeof").Call(g.zero(x.Arg))))
		}
		d := jen.Dict{
			jen.Id("Name"):    jen.Lit(x.Name),
			jen.Id("Request"): jen.Id(ioctlGo(x.Name)),
			jen.Id("Dir"):     jen.Qual(abiPath, ioctlDirGo[x.Dir]),
			jen.Id("Type"):    jen.Lit(int(x.Magic)),
			jen.Id("Nr"):      jen.Lit(int(x.Nr)),
		}
		if x.Arg != "" {
			d[jen.Id("Arg")] = jen.Lit(x.Arg)
			d[jen.Id("ArgSize")] = jen.Uint32().Call(jen.Qual("unsafe", "Sizeof").Call(g.zero(x.Arg)))
		}
		if len(x.Fds) > 0 {
			d[jen.Id("Fds")] = fdSet(x.Fds)
		}
		table = append(table, jen.Values(d))
	}
	if len(asserts) > 0 {
		f.Func().Id("_").Params().Block(append([]jen.Code{jen.Var().Id("x").Index(jen.Lit(1)).Struct()}, asserts...)...)
	}
	f.Add(comment("Ioctls describes every ioctl request of this ABI version's driver interface, in registry order.").
		Var().Id("Ioctls").Op("=").Index(jen.Op("...")).Qual(abiPath, "Ioctl").Values(table...))
	// Requests of different fds may share a number (each fd kind has its
	// own), so the lookup takes the fd kind too.
	f.Add(comment("LookupIoctl returns the descriptor of the request a file descriptor of kind fd accepts with number req.").
		Func().Id("LookupIoctl").Params(jen.Id("fd").Qual(abiPath, "FdSet"), jen.Id("req").Uint32()).Params(jen.Op("*").Qual(abiPath, "Ioctl"), jen.Bool()).Block(
		jen.For(jen.Id("i").Op(":=").Range().Id("Ioctls")).Block(
			jen.If(jen.Id("Ioctls").Index(jen.Id("i")).Dot("Request").Op("==").Id("req").Op("&&").Id("Ioctls").Index(jen.Id("i")).Dot("Fds").Dot("Has").Call(jen.Id("fd"))).Block(
				jen.Return(jen.Op("&").Id("Ioctls").Index(jen.Id("i")), jen.True())),
		),
		jen.Return(jen.Nil(), jen.False()),
	))
	return f
}
