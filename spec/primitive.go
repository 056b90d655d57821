package spec

// primitives are the built-in integer types: name -> byte size and signedness.
var primitives = map[string]struct {
	size   int64
	signed bool
}{
	"UINT8": {1, false}, "UINT16": {2, false}, "UINT32": {4, false}, "UINT64": {8, false}, "UINT128": {16, false},
	"INT8": {1, true}, "INT16": {2, true}, "INT32": {4, true}, "INT64": {8, true},
	"BOOLEAN": {1, false},
}

var primitiveTypes = func() map[string]*Type {
	m := map[string]*Type{}
	for n := range primitives {
		m[n] = &Type{Item: Item{Name: n}, Kind: KindPrimitive}
	}
	return m
}()

// Primitive returns the built-in type of that name, or nil.
func Primitive(name string) *Type { return primitiveTypes[name] }

// PrimitiveSize returns a primitive's size in bytes and whether it is signed.
func PrimitiveSize(name string) (size int64, signed bool, ok bool) {
	p, ok := primitives[name]
	return p.size, p.signed, ok
}
