package mshvioctl

import (
	"testing"
	"unsafe"
)

// TestAligned: the memory starts on the boundary asked for and is exactly
// n bytes long, without room to grow past them.
func TestAligned(t *testing.T) {
	for _, c := range []struct{ n, align int }{{1, 8}, {4096, 4096}, {100, 4096}, {8192, 65536}} {
		b := Aligned(c.n, c.align)
		if len(b) != c.n || cap(b) != c.n {
			t.Errorf("Aligned(%d, %d): len %d cap %d", c.n, c.align, len(b), cap(b))
		}
		if a := uintptr(unsafe.Pointer(&b[0])) % uintptr(c.align); a != 0 {
			t.Errorf("Aligned(%d, %d) starts %d bytes past a boundary", c.n, c.align, a)
		}
	}
}
