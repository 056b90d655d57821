package exporter

import (
	"errors"
	"sync/atomic"
	"unsafe"
)

// PageSize is the size of a statistics page.
const PageSize = 4096

var errNotPage = errors.New("not an 8-byte-aligned page of 4096 bytes")

// walk reads the counters at slots of a flat page into out, scaled, with
// atomic loads since the hypervisor writes the page while it is mapped. It
// reads the mapped memory in place and allocates nothing.
func walk(page []byte, slots []int32, scales []float64, out []float64) error {
	if len(page) != PageSize || uintptr(unsafe.Pointer(unsafe.SliceData(page)))%8 != 0 {
		return errNotPage
	}
	words := (*[PageSize / 8]uint64)(unsafe.Pointer(unsafe.SliceData(page)))
	for i, s := range slots {
		out[i] = float64(atomic.LoadUint64(&words[s&(PageSize/8-1)])) * scales[i]
	}
	return nil
}
