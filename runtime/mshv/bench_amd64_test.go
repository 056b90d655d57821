package mshv

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
)

// benchMessages is a VMM's mix: I/O port, MMIO (unmapped GPA), CPUID, MSR,
// halt and a type without a view.
func benchMessages(tb testing.TB) []Message {
	var out []Message
	for _, typ := range []linux70.MessageType{linux70.HvmsgX64IOPortIntercept, linux70.HvmsgUnmappedGPA, linux70.HvmsgX64CPUIDIntercept,
		linux70.HvmsgX64MSRIntercept, linux70.HvmsgX64Halt, linux70.HvmsgTimerExpired} {
		_, size := viewOf(typ)
		var m Message
		if err := m.UnmarshalBinary(rawMessage(typ, max(int(size), 24), 0, 0, 0, 0, 1)); err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// BenchmarkMessageDecode decodes a message as a Run loop does: the kind,
// then the typed view's fields. The baseline copies the payload out with
// encoding/binary instead, as code without in-place views would.
func BenchmarkMessageDecode(b *testing.B) {
	msgs := benchMessages(b)
	var sink uint64
	b.Run("view", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m := &msgs[i%len(msgs)]
			i++
			switch m.Kind() {
			case KindIOPort:
				io, _ := m.IOPort()
				sink += uint64(io.PortNumber) + io.Rax + uint64(io.Header.Bits4.InstructionLength())
			case KindMemory:
				mem, _ := m.Memory()
				sink += mem.GuestPhysicalAddress
			case KindCPUID:
				c, _ := m.CPUID()
				sink += c.Rax
			case KindMSR:
				r, _ := m.MSR()
				sink += uint64(r.MSRNumber)
			case KindHalt:
				h, _ := m.Halt()
				sink += h.Header.RIP
			default:
				sink += uint64(len(m.Payload()))
			}
		}
	})
	b.Run("binary.Read", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m := &msgs[i%len(msgs)]
			i++
			p := bytes.NewReader(m.Payload())
			switch m.Type() {
			case linux70.HvmsgX64IOPortIntercept:
				var io linux70.X64IOPortInterceptMessage
				binary.Read(p, binary.LittleEndian, &io)
				sink += uint64(io.PortNumber) + io.Rax + uint64(io.Header.Bits4.InstructionLength())
			case linux70.HvmsgUnmappedGPA:
				var mem linux70.X64MemoryInterceptMessage
				binary.Read(p, binary.LittleEndian, &mem)
				sink += mem.GuestPhysicalAddress
			case linux70.HvmsgX64CPUIDIntercept:
				var c linux70.X64CPUIDInterceptMessage
				binary.Read(p, binary.LittleEndian, &c)
				sink += c.Rax
			case linux70.HvmsgX64MSRIntercept:
				var r linux70.X64MSRInterceptMessage
				binary.Read(p, binary.LittleEndian, &r)
				sink += uint64(r.MSRNumber)
			case linux70.HvmsgX64Halt:
				var h linux70.X64HaltMessage
				binary.Read(p, binary.LittleEndian, &h)
				sink += h.Header.RIP
			default:
				sink += uint64(len(m.Payload()))
			}
		}
	})
	_ = sink
}

// TestMessageDecodeAllocs: the decode of BenchmarkMessageDecode allocates
// nothing.
func TestMessageDecodeAllocs(t *testing.T) {
	msgs := benchMessages(t)
	var sink uint64
	allocs := testing.AllocsPerRun(100, func() {
		for i := range msgs {
			m := &msgs[i]
			if h, ok := m.InterceptHeader(); ok {
				sink += h.RIP
			}
			if io, ok := m.IOPort(); ok {
				sink += io.Rax
			}
			sink += uint64(m.Kind()) + uint64(len(m.Payload()))
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per decode", allocs)
	}
	_ = sink
}
