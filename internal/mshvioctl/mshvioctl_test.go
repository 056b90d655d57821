package mshvioctl

import (
	"testing"
	"unsafe"
)

// Bytes views memory an argument addresses: writes through it reach the
// owner's memory; address 0 and no length are nothing.
func TestBytes(t *testing.T) {
	buf := make([]byte, 16)
	b := Bytes(uint64(uintptr(unsafe.Pointer(&buf[0]))), 8)
	if len(b) != 8 {
		t.Fatalf("%d bytes", len(b))
	}
	b[7] = 0x5a
	if buf[7] != 0x5a {
		t.Error("a write through the view did not reach the memory")
	}
	if Bytes(0, 8) != nil || Bytes(uint64(uintptr(unsafe.Pointer(&buf[0]))), 0) != nil {
		t.Error("address 0 or no length gave bytes")
	}
}
