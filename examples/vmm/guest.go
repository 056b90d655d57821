//go:build amd64

package main

import "github.com/hvgen/hvgen/runtime/mshvsim"

// The guest on the kernel's driver: 16-bit real-mode x86 code, assembled
// by hand (guest_test.go disassembles it with objdump and with a decoder
// of its own), that writes msg to COM1 a byte at a time and halts:
//
//	BA F8 03   mov dx, 0x3f8
//	B0 nn      mov al, nn     \ once for each byte nn of msg
//	EE         out dx, al     /
//	F4         hlt
const (
	opMovDXImm16 = 0xBA // mov dx, imm16 (B8+r with r = 2, DX, in 16-bit code)
	opMovALImm8  = 0xB0 // mov al, imm8 (B0+r with r = 0, AL)
	opOutDXAL    = 0xEE // out dx, al
	opHlt        = 0xF4 // hlt
)

func guestCode(msg string) []byte {
	code := []byte{opMovDXImm16, com1 & 0xff, com1 >> 8}
	for i := range len(msg) {
		code = append(code, opMovALImm8, msg[i], opOutDXAL)
	}
	return append(code, opHlt)
}

// guestScript is the guest on the simulated driver, which runs no x86
// code: a scripted guest (runtime/mshvsim) of the operations guestCode
// performs, from entry: an OUT of each byte of msg to COM1 (the MOVs
// before it only load DX and AL, which the scripted OUT loads itself),
// then HLT.
func guestScript(entry uint64, msg string) mshvsim.Guest {
	ops := make([]mshvsim.Op, 0, len(msg)+1)
	for i := range len(msg) {
		ops = append(ops, mshvsim.Op{Kind: mshvsim.Out, Port: com1, Size: 1, Value: uint64(msg[i])})
	}
	return mshvsim.Guest{Entry: entry, Ops: append(ops, mshvsim.Op{Kind: mshvsim.HLT})}
}
