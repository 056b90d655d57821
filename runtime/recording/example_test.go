package recording_test

import (
	"bytes"
	"encoding/binary"
	"fmt"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
)

// A recording written, then read back buffer by buffer, each buffer's
// entries viewed with the generated payload views.
func Example() {
	var file bytes.Buffer
	w := recording.NewWriter(&file)
	g := recording.Group{Type: eventlog.Type(hv.EventLogTypeLocalDiagnostics), TimeBasis: eventlog.TimeReference}
	for i := range uint32(2) {
		if err := w.WriteBuffer(g, hypercallBuffer(i, 0x1000*uint64(i+1))); err != nil {
			fmt.Println(err)
			return
		}
	}
	w.AddUnreportedLost(3) // events the writer knows were lost after the last buffer
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	r := recording.NewReader(&file)
	for buf, err := range r.Buffers() {
		if err != nil {
			fmt.Println(err)
			return
		}
		clock := r.Chunk().Group.Clock()
		for e, err := range buf.All() {
			if err != nil {
				fmt.Println(err)
				return
			}
			if p := hv.AsTrHcHypercall(e.Payload); p != nil && hv.EntryType(e.Type()) == hv.TrHcHypercall {
				fmt.Printf("chunk %d, buffer %d: %v at %v, GuestRip %#x\n", r.Chunk().Sequence, buf.Index(), hv.EntryType(e.Type()),
					clock.Duration(e.Header.TimeStamp), p.GuestRIP)
			}
		}
	}
	fmt.Println("events lost after the last buffer:", r.UnreportedLost())
	// Output:
	// chunk 0, buffer 0: HV_TR_HC_HYPERCALL at 25µs, GuestRip 0x1000
	// chunk 1, buffer 1: HV_TR_HC_HYPERCALL at 25µs, GuestRip 0x2000
	// events lost after the last buffer: 3
}

// hypercallBuffer is a 4096-byte buffer holding one hypercall entry, laid
// out as the hypervisor writes it: the 72-byte buffer header, then the
// 16-byte entry header and the entry's two parameters.
func hypercallBuffer(index uint32, rip uint64) []byte {
	le := binary.LittleEndian
	mem := make([]byte, 4096)
	le.PutUint32(mem[0:], 4096)                                     // BufferSize
	le.PutUint32(mem[4:], index)                                    // BufferIndex
	le.PutUint32(mem[44:], uint32(hv.EventLogBufferStateReady))     // BufferState
	le.PutUint32(mem[48:], 72+32)                                   // NextBufferOffset
	le.PutUint32(mem[52:], uint32(hv.EventLogTypeLocalDiagnostics)) // Type
	le.PutUint32(mem[56:], uint32(hv.EventLogBufferIndexNone))      // NextBufferIndex
	le.PutUint16(mem[72+4:], 32)                                    // the entry's Size
	le.PutUint16(mem[72+6:], uint16(hv.TrHcHypercall))              // its Type
	le.PutUint64(mem[72+8:], 250)                                   // its TimeStamp: 250 * 100 ns
	le.PutUint64(mem[72+16:], rip)                                  // GuestRip
	le.PutUint64(mem[72+24:], 0x8c)                                 // InputValue
	return mem
}
