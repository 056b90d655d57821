package verify

import (
	"go/types"
	"os"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestGoLayouts loads each generated package with go/packages for amd64 and
// arm64 and checks, with go/types' gc sizes for that architecture, that every
// struct, union and scalar type and every field has the size, alignment and
// offset hvgen's layout engine exported for that architecture (where a type is
// declared per architecture, each GOARCH must see its own variant).
func TestGoLayouts(t *testing.T) {
	for _, v := range versions {
		for arch, hvArch := range map[string]string{"amd64": "x64", "arm64": "arm64"} {
			a := exportABI(t, v.version, hvArch)
			t.Run(v.pkg+"/"+arch, func(t *testing.T) {
				cfg := &packages.Config{
					Mode: packages.NeedTypes | packages.NeedTypesSizes | packages.NeedName,
					Env:  append(os.Environ(), "GOARCH="+arch, "GOOS=linux", "CGO_ENABLED=0"),
					Dir:  "..",
				}
				pkgs, err := packages.Load(cfg, "github.com/hvgen/hvgen/generated/"+v.pkg)
				if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
					t.Fatalf("load: %v %v", err, pkgs)
				}
				c := &checker{t: t, scope: pkgs[0].Types.Scope(), sizes: types.SizesFor("gc", arch), packed: map[string]bool{}}
				for range a.Types { // to a fixed point: types may come before the ones they use
					for _, ty := range a.Types {
						c.packed[ty.Name] = c.packed[ty.Name] || ty.Packed || c.holdsPacked(ty.Fields)
					}
				}
				for _, ty := range a.Types {
					c.checkType(ty)
				}
				if c.checked < len(a.Types)/2 {
					t.Errorf("checked only %d of %d types", c.checked, len(a.Types))
				}
				t.Logf("%d types, %d fields checked", c.checked, c.fields)
			})
		}
	}
}

type checker struct {
	t       *testing.T
	scope   *types.Scope
	sizes   types.Sizes
	checked int
	fields  int
	packed  map[string]bool // types that are or hold packed aggregates
}

func (c *checker) named(name string) *types.Named {
	obj, ok := c.scope.Lookup(name).(*types.TypeName)
	if !ok {
		return nil
	}
	n, _ := obj.Type().(*types.Named)
	return n
}

func (c *checker) checkType(ty abiType) {
	t := c.t
	n := c.named(ty.GoName)
	if n == nil {
		// Aliases of aggregates are Go type aliases; everything else must exist.
		if obj := c.scope.Lookup(ty.GoName); obj == nil {
			t.Errorf("%s: no Go type %s", ty.Name, ty.GoName)
		}
		return
	}
	c.checked++
	if got := c.sizes.Sizeof(n); got != ty.Size {
		t.Errorf("%s (%s): Go size %d, ABI size %d", ty.Name, ty.GoName, got, ty.Size)
	}
	if ty.Align <= 8 && !ty.Packed && !c.holdsPacked(ty.Fields) {
		if got := c.sizes.Alignof(n); got != ty.Align {
			t.Errorf("%s (%s): Go alignment %d, ABI alignment %d", ty.Name, ty.GoName, got, ty.Align)
		}
	}
	switch ty.Kind {
	case "struct":
		st, ok := n.Underlying().(*types.Struct)
		if !ok {
			t.Errorf("%s: Go type is not a struct", ty.Name)
			return
		}
		c.structFields(ty.Name, n, st, 0, ty.Fields, ty.Packed)
	case "union":
		c.unionMembers(ty.Name, n, ty.Fields)
	}
}

// structFields checks the members of an ABI struct (or of an anonymous struct
// flattened into it, at offset base) against the Go struct st.
func (c *checker) structFields(what string, n *types.Named, st *types.Struct, base int64, fields []abiField, packed bool) {
	offsets := c.sizes.Offsetsof(structFields(st))
	index := map[string]int{}
	for i := range st.NumFields() {
		index[st.Field(i).Name()] = i
	}
	for _, f := range fields {
		off := base + f.Offset
		switch {
		case f.Padding:
			// Padding must be a blank field: callers cannot set it, and the
			// zero value leaves it zero.
			c.blankAt(what, st, offsets, off, f)
			continue
		case f.Flexible:
			continue
		case f.Name == "" && f.Type == "struct":
			c.structFields(what, n, st, off, f.Fields, packed)
			continue
		case f.Name == "" && f.Type == "union":
			// The first member is the Go field when it spans the union; the
			// others are methods.
			if len(f.Fields) > 0 {
				if i, ok := index[f.Fields[0].GoName]; ok {
					c.field(what, f.Fields[0], st.Field(i).Type(), offsets[i], off)
				}
				c.accessors(what, n, f.Fields, off)
			}
			continue
		}
		i, ok := index[f.GoName]
		if !ok {
			c.t.Errorf("%s.%s: no Go field %s", what, f.Name, f.GoName)
			continue
		}
		c.field(what, f, st.Field(i).Type(), offsets[i], off)
		if f.Type == "struct" && f.Count == 0 {
			if nn, ok := st.Field(i).Type().(*types.Named); ok {
				if inner, ok := nn.Underlying().(*types.Struct); ok {
					c.structFields(what+"."+f.Name, nn, inner, 0, f.Fields, packed)
				}
			}
		}
	}
}

func (c *checker) blankAt(what string, st *types.Struct, offsets []int64, off int64, f abiField) {
	for i := range st.NumFields() {
		if offsets[i] == off && st.Field(i).Name() == "_" && c.sizes.Sizeof(st.Field(i).Type()) == f.Size {
			c.fields++
			return
		}
	}
	c.t.Errorf("%s.%s: padding at offset %d is not a blank Go field of %d bytes", what, f.Name, off, f.Size)
}

func (c *checker) field(what string, f abiField, typ types.Type, goOff, want int64) {
	c.fields++
	if goOff != want {
		c.t.Errorf("%s.%s: Go offset %d, ABI offset %d", what, f.Name, goOff, want)
	}
	if got := c.sizes.Sizeof(typ); got != f.Size {
		c.t.Errorf("%s.%s: Go size %d, ABI size %d", what, f.Name, got, f.Size)
	}
}

// accessors checks that each union member has a method returning a pointer
// to a type of the member's size.
func (c *checker) accessors(what string, n *types.Named, members []abiField, base int64) {
	mset := types.NewMethodSet(types.NewPointer(n))
	for _, m := range members {
		if m.Flexible {
			continue // a variable-length tail has no Go accessor
		}
		if m.GoName == "" {
			if m.Type == "struct" || m.Type == "union" {
				c.accessors(what, n, m.Fields, base+m.Offset)
			}
			continue
		}
		sel := mset.Lookup(n.Obj().Pkg(), m.GoName)
		if sel == nil {
			if _, isField := c.fieldByName(n, m.GoName); !isField {
				c.t.Errorf("%s: no accessor %s for member %s", what, m.GoName, m.Name)
			}
			continue
		}
		sig := sel.Type().(*types.Signature)
		ptr, ok := sig.Results().At(0).Type().(*types.Pointer)
		if sig.Results().Len() != 1 || !ok {
			c.t.Errorf("%s.%s: accessor does not return a pointer", what, m.GoName)
			continue
		}
		c.fields++
		if got := c.sizes.Sizeof(ptr.Elem()); got != m.Size {
			c.t.Errorf("%s.%s: accessor's type has size %d, ABI size %d", what, m.Name, got, m.Size)
		}
	}
}

func (c *checker) fieldByName(n *types.Named, name string) (*types.Var, bool) {
	st, ok := n.Underlying().(*types.Struct)
	if !ok {
		return nil, false
	}
	for i := range st.NumFields() {
		if st.Field(i).Name() == name {
			return st.Field(i), true
		}
	}
	return nil, false
}

func (c *checker) unionMembers(what string, n *types.Named, members []abiField) {
	c.accessors(what, n, members, 0)
}

func structFields(st *types.Struct) []*types.Var {
	out := make([]*types.Var, st.NumFields())
	for i := range out {
		out[i] = st.Field(i)
	}
	return out
}

// holdsPacked reports whether members include a packed aggregate, inline or
// by type: the ABI alignment is then below what Go, which has no packing,
// gives the type (its size and offsets are still checked).
func (c *checker) holdsPacked(fs []abiField) bool {
	for _, f := range fs {
		if f.Packed || c.packed[f.Type] || c.holdsPacked(f.Fields) {
			return true
		}
	}
	return false
}
