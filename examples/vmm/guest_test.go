//go:build amd64

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// insn is one instruction of the guest, as decode reads it.
type insn struct {
	op  byte
	imm uint16
	len int
}

// decode reads the instruction at the start of code: a decoder of the four
// opcodes the guest uses, in 16-bit code (Intel SDM vol. 2: B0+r ib is MOV
// r8, imm8; B8+r iw is MOV r16, imm16 in 16-bit operand size; EE is OUT
// DX, AL; F4 is HLT).
func decode(code []byte) (insn, error) {
	if len(code) == 0 {
		return insn{}, fmt.Errorf("no instruction")
	}
	switch op := code[0]; op {
	case opMovDXImm16:
		if len(code) < 3 {
			return insn{}, fmt.Errorf("mov dx, imm16 cut short")
		}
		return insn{op: op, imm: uint16(code[1]) | uint16(code[2])<<8, len: 3}, nil
	case opMovALImm8:
		if len(code) < 2 {
			return insn{}, fmt.Errorf("mov al, imm8 cut short")
		}
		return insn{op: op, imm: uint16(code[1]), len: 2}, nil
	case opOutDXAL, opHlt:
		return insn{op: op, len: 1}, nil
	default:
		return insn{}, fmt.Errorf("opcode %#02x is not one the guest uses", op)
	}
}

// TestGuestDecodes: run through the code with the decoder: it loads DX with
// COM1, writes the message's bytes to it one OUT each, and ends in HLT.
func TestGuestDecodes(t *testing.T) {
	code := guestCode(message)
	var dx, al uint16
	var out []byte
	for pc := 0; ; {
		in, err := decode(code[pc:])
		if err != nil {
			t.Fatalf("at %#x: %v", pc, err)
		}
		pc += in.len
		switch in.op {
		case opMovDXImm16:
			dx = in.imm
		case opMovALImm8:
			al = in.imm
		case opOutDXAL:
			if dx != com1 {
				t.Fatalf("OUT to port %#x", dx)
			}
			out = append(out, byte(al))
		case opHlt:
			if pc != len(code) {
				t.Errorf("HLT at %#x of %d bytes", pc-1, len(code))
			}
			if string(out) != message {
				t.Errorf("the guest writes %q, want %q", out, message)
			}
			return
		}
	}
}

// TestGuestDisassembles: objdump (binutils) reads the bytes as the
// instructions guest.go says they are, in 16-bit code.
func TestGuestDisassembles(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Fatal("objdump (GNU binutils) is not installed; test.sh installs it (apt-get install binutils): ", err)
	}
	file := filepath.Join(t.TempDir(), "guest.bin")
	if err := os.WriteFile(file, guestCode(message), 0o644); err != nil {
		t.Fatal(err)
	}
	outb, err := exec.Command(objdump, "-D", "-b", "binary", "-mi386", "-Maddr16,data16", file).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump: %v\n%s", err, outb)
	}
	var got []string
	in := false
	for _, line := range strings.Split(string(outb), "\n") {
		if strings.Contains(line, "<.data>:") {
			in = true
			continue
		}
		// "   0:	ba f8 03             	mov    $0x3f8,%dx"
		parts := strings.Split(line, "\t")
		if !in || len(parts) < 3 {
			continue
		}
		got = append(got, strings.Join(strings.Fields(parts[2]), " "))
	}
	want := []string{"mov $0x3f8,%dx"}
	for i := range len(message) {
		want = append(want, fmt.Sprintf("mov $0x%x,%%al", message[i]), "out %al,(%dx)")
	}
	want = append(want, "hlt")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("objdump reads\n%s\nwant\n%s\n(objdump's output:\n%s)", strings.Join(got, "\n"), strings.Join(want, "\n"), outb)
	}
}
