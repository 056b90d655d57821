package mshv

import (
	"errors"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/hvcall"
)

// The layout of struct mshv_root_hvcall and the ioctl number, worked out from
// include/uapi/linux/mshv.h: five __u16, __u8 rsvd[6], two __u64.
func TestABI(t *testing.T) {
	var a rootHvcall
	if unsafe.Sizeof(a) != 32 || unsafe.Offsetof(a.Status) != 8 || unsafe.Offsetof(a.InPtr) != 16 || unsafe.Offsetof(a.OutPtr) != 24 {
		t.Fatalf("struct mshv_root_hvcall layout: size %d", unsafe.Sizeof(a))
	}
	if RootHvcall != 0xC020B807 {
		t.Errorf("MSHV_ROOT_HVCALL = %#x, want 0xc020b807", RootHvcall)
	}
}

func TestEncodeSimple(t *testing.T) {
	in, out := hvcall.NewPagePair()
	a, skip, err := encode(hvcall.Control{Code: 0x6d}, in, out, hvcall.Sizes{InHeader: 24})
	if err != nil || skip != 0 {
		t.Fatal(err)
	}
	if a.Code != 0x6d || a.Reps != 0 || a.InSz != 24 || a.OutSz != 0 || a.OutPtr != 0 || a.InPtr != uint64(uintptr(unsafe.Pointer(in))) {
		t.Errorf("%+v", a)
	}
	if _, _, err := encode(hvcall.Control{Code: 1, Fast: true}, nil, nil, hvcall.Sizes{}); !errors.Is(err, ErrFastCall) {
		t.Errorf("fast call: %v", err)
	}
}

// A rep request that starts at rep 3 of 10 becomes the 7 remaining reps, with
// the 16-byte header moved next to them.
func TestEncodeRepRestart(t *testing.T) {
	in, out := hvcall.NewPagePair()
	for i := range 16 {
		in[i] = byte(0xa0 + i)
	}
	for i := range 10 {
		in[16+8*i] = byte(i)
	}
	sizes := hvcall.Sizes{InHeader: 16, InElem: 8, OutElem: 8, Reps: 10}
	a, skip, err := encode(hvcall.Control{Code: 0x48, RepCount: 10, RepStart: 3}, in, out, sizes)
	if err != nil || skip != 3 || a.Reps != 7 || a.InSz != 16+7*8 || a.OutSz != 80 {
		t.Fatalf("%+v skip %d err %v", a, skip, err)
	}
	off := uintptr(a.InPtr) - uintptr(unsafe.Pointer(in))
	sent := in[off : off+uintptr(a.InSz)]
	if sent[0] != 0xa0 || sent[15] != 0xaf || sent[16] != 3 || sent[16+8*6] != 9 {
		t.Errorf("sent % x", sent)
	}
}
