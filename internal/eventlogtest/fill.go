// Package eventlogtest fills memory with event-log buffers as the hypervisor
// lays them out, for the tests and benchmarks of the readers (runtime/eventlog,
// runtime/recording, hvgen dump). It is not part of the runtime.
package eventlogtest

import (
	"encoding/binary"
	"math/rand/v2"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// FillBuffers writes n complete buffers of bufferSize bytes into an
// 8-byte-aligned memory block, with entries of the documented types in equal
// proportion, each with its documented parameters, as the hypervisor lays
// them out: each buffer ready, indexed from 0, its entries up to where the
// next would not fit.
func FillBuffers(mem []byte, n, bufferSize int, t hv.EventLogType, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	headerSize := int(unsafe.Sizeof(hv.EventLogBufferHeader{}))
	for i := range n {
		buf := mem[i*bufferSize : (i+1)*bufferSize]
		h := (*hv.EventLogBufferHeader)(unsafe.Pointer(&buf[0]))
		h.BufferSize, h.BufferIndex, h.Type, h.BufferState = uint32(bufferSize), hv.EventLogBufferIndex(i), t, hv.EventLogBufferStateReady
		h.NextBufferIndex = hv.EventLogBufferIndexNone
		off := headerSize
		for {
			d := hv.EventEntries[rng.IntN(len(hv.EventEntries))]
			size := 16 + int(d.PayloadSize)
			if off+size > bufferSize {
				break
			}
			e := (*hv.EventLogEntryHeader)(unsafe.Pointer(&buf[off]))
			e.Size, e.Type, e.TimeStamp, e.Context = uint16(size), d.ID, rng.Uint64(), rng.Uint32()
			for k := 16; k < size; k += 8 {
				binary.LittleEndian.PutUint64(buf[off+k:], rng.Uint64())
			}
			off += size
		}
		h.NextBufferOffset = uint32(off)
	}
}
