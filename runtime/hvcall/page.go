package hvcall

import (
	"unsafe"
)

// PageSize is the size and alignment of hypercall input and output pages.
const PageSize = 4096

// Page is a hypercall parameter page.
type Page [PageSize]byte

// NewPagePair returns an input and an output page, both page-aligned, for a
// backend's own tests or for callers that manage pages themselves.
func NewPagePair() (in, out *Page) {
	p := newPages(2)
	return p[0], p[1]
}

// newPages returns n page-aligned pages. Go does not promise page alignment
// for any allocation, so it over-allocates and slices.
func newPages(n int) []*Page {
	buf := make([]byte, (n+1)*PageSize)
	off := int(-uintptr(unsafe.Pointer(&buf[0])) & (PageSize - 1))
	pages := make([]*Page, n)
	for i := range pages {
		pages[i] = (*Page)(buf[off+i*PageSize : off+(i+1)*PageSize])
	}
	return pages
}

// Bytes views a value as its bytes, without copying. A nil pointer is an
// empty block, which the Caller rejects where the call needs one.
func Bytes[T any](p *T) []byte {
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(*p))
}

// SliceBytes views a slice's elements as bytes, without copying.
func SliceBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(zero)))
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }
