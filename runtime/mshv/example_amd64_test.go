package mshv_test

import (
	"encoding/binary"
	"fmt"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/mshv"
)

// ioPortMessage is an hv_message as MSHV_RUN_VP leaves it when the guest
// writes AL to port DX with a one-byte OUT: the I/O port intercept's
// payload (hv_x64_io_port_intercept_message) after the 16-byte header.
func ioPortMessage(rip uint64, port uint16, al byte) []byte {
	b := make([]byte, 256)
	binary.LittleEndian.PutUint32(b[0:], uint32(linux70.HvmsgX64IOPortIntercept))
	b[4] = 128                                    // payload size
	p := b[16:]                                   // the payload
	p[4] = 1                                      // instruction length (bits 0-3)
	p[5] = 1                                      // intercept access type: write
	binary.LittleEndian.PutUint64(p[0x18:], rip)  // RIP of the OUT
	binary.LittleEndian.PutUint16(p[0x28:], port) // port number
	p[0x2a] = 1                                   // access info: size 1
	binary.LittleEndian.PutUint64(p[0x30:], uint64(al))
	return b
}

// A VMM's Run loop decodes the message by kind; the views point into the
// message, so nothing is copied or allocated. Here the message comes from
// bytes (UnmarshalBinary) instead of a VP's Run.
func ExampleMessage() {
	var m mshv.Message
	if err := m.UnmarshalBinary(ioPortMessage(0x1005, 0x3f8, 'H')); err != nil {
		panic(err)
	}
	switch m.Kind() {
	case mshv.KindIOPort:
		io, _ := m.IOPort()
		h := &io.Header
		fmt.Printf("%v: OUT %#x, %d byte: %q\n", m.Type(), io.PortNumber, io.AccessInfo.AccessSize(), rune(io.Rax))
		fmt.Printf("next instruction at %#x\n", h.RIP+uint64(h.Bits4.InstructionLength()))
	case mshv.KindHalt:
		fmt.Println("halted")
	default:
		fmt.Printf("unhandled %v: % x\n", m.Type(), m.Payload())
	}
	// Output:
	// HVMSG_X64_IO_PORT_INTERCEPT: OUT 0x3f8, 1 byte: 'H'
	// next instruction at 0x1006
}

// A message the runtime has no view of is a raw payload; one whose header
// does not hold together gets no view, and Check says why.
func ExampleMessage_Check() {
	var m mshv.Message
	raw := ioPortMessage(0x1005, 0x3f8, 'H')
	raw[4] = 40 // a payload size short of the I/O port view's 128 bytes
	m.UnmarshalBinary(raw)
	_, ok := m.IOPort()
	fmt.Println(m.Kind(), ok)
	fmt.Println(m.Check())

	binary.LittleEndian.PutUint32(raw, uint32(linux70.HvmsgTimerExpired))
	raw[4] = 24
	m.UnmarshalBinary(raw)
	fmt.Println(m.Kind(), len(m.Payload()), m.Check())
	// Output:
	// malformed false
	// mshv: HVMSG_X64_IO_PORT_INTERCEPT message: payload size 40, short of the 128 bytes of its I/O port view
	// other 24 <nil>
}
