package mshv

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
)

// rawMessage is an hv_message's bytes: a header of type typ and payload
// size size, then the payload bytes given.
func rawMessage(typ linux70.MessageType, size int, payload ...byte) []byte {
	b := make([]byte, 256)
	binary.LittleEndian.PutUint32(b, uint32(typ))
	b[4] = byte(size)
	copy(b[16:], payload)
	return b
}

func TestMessageKinds(t *testing.T) {
	for _, c := range messageViews {
		_, size := viewOf(c.typ)
		var m Message
		if err := m.UnmarshalBinary(rawMessage(c.typ, int(size))); err != nil {
			t.Fatal(err)
		}
		if m.Kind() != c.kind || m.Check() != nil || len(m.Payload()) != int(size) {
			t.Errorf("%v: kind %v, check %v, payload %d", c.typ, m.Kind(), m.Check(), len(m.Payload()))
		}
		if got := viewsOK(&m); len(got) != 1 || got[0] != c.kind {
			t.Errorf("%v: views %v, want only %v", c.typ, got, c.kind)
		}
		// A payload short of the view: no view, and Check says why.
		m.Header.PayloadSize = uint8(size - 1)
		if m.Kind() != KindMalformed || len(viewsOK(&m)) != 0 || m.Check() == nil || !strings.Contains(m.Check().Error(), "short of the") {
			t.Errorf("%v with %d payload bytes: kind %v, check %v", c.typ, size-1, m.Kind(), m.Check())
		}
	}
	var m Message
	for _, c := range []struct {
		raw  []byte
		kind Kind
		err  string
	}{
		{rawMessage(linux70.HvmsgNone, 0), KindNone, ""},
		{rawMessage(linux70.HvmsgTimerExpired, 24), KindOther, ""},
		{rawMessage(0x8abcdef0, 240), KindOther, ""},
		{rawMessage(0x8abcdef0, 241), KindMalformed, "payload size 241, over the 240 bytes"},
		{rawMessage(linux70.HvmsgX64Halt, 255), KindMalformed, "over the 240"},
	} {
		if err := m.UnmarshalBinary(c.raw); err != nil {
			t.Fatal(err)
		}
		if m.Kind() != c.kind || (c.err == "") != (m.Check() == nil) || c.err != "" && !strings.Contains(m.Check().Error(), c.err) {
			t.Errorf("%v: kind %v, check %v; want %v, %q", m.Type(), m.Kind(), m.Check(), c.kind, c.err)
		}
		if len(m.Payload()) > int(PayloadSize) || len(viewsOK(&m)) != 0 {
			t.Errorf("%v: payload %d bytes, views %v", m.Type(), len(m.Payload()), viewsOK(&m))
		}
	}
	if !strings.Contains(m.String(), "malformed") || Kind(99).String() != "Kind(99)" || KindIOPort.String() != "I/O port" {
		t.Errorf("strings: %q %q %q", m.String(), Kind(99), KindIOPort)
	}
}

func TestUnmarshalMessage(t *testing.T) {
	var m Message
	if err := m.UnmarshalBinary(make([]byte, 15)); err == nil || !strings.Contains(err.Error(), "shorter than its 16-byte header") {
		t.Errorf("15 bytes: %v", err)
	}
	raw := rawMessage(linux70.HvmsgTimerExpired, 24, 1, 2, 3, 4)
	if err := m.UnmarshalBinary(raw[:20]); err == nil || !strings.Contains(err.Error(), "4 payload bytes of the 24") || !bytes.Equal(m.Payload()[:4], []byte{1, 2, 3, 4}) {
		t.Errorf("a truncated message: %v, payload % x (the bytes there are kept)", err, m.Payload())
	}
	if err := m.UnmarshalBinary(append(raw, 9, 9)); err != nil || m.Payload()[0] != 1 {
		t.Errorf("a longer buffer: %v", err)
	}
}

// FuzzMessage: any bytes decode without a panic, and the decoder's answers
// agree: the kind, Check, the payload and the views.
func FuzzMessage(f *testing.F) {
	for _, c := range messageViews {
		_, size := viewOf(c.typ)
		f.Add(rawMessage(c.typ, int(size), 1, 2, 3))
	}
	f.Add(rawMessage(linux70.HvmsgNone, 0))
	f.Add(rawMessage(0x80010000, 255))
	f.Add([]byte{0, 0, 1, 0x80, 240})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		err := m.UnmarshalBinary(b)
		if len(b) < 16 {
			if err == nil {
				t.Fatalf("%d bytes decoded without an error", len(b))
			}
			return
		}
		k := m.Kind()
		if (k == KindMalformed) != (m.Check() != nil) {
			t.Fatalf("kind %v, check %v", k, m.Check())
		}
		if p := m.Payload(); len(p) != min(int(m.Header.PayloadSize), int(PayloadSize)) ||
			len(p) > 0 && uintptr(unsafe.Pointer(&p[0])) != uintptr(unsafe.Pointer(&m))+16 {
			t.Fatalf("payload of %d bytes for size %d", len(p), m.Header.PayloadSize)
		}
		views := viewsOK(&m)
		if len(views) > 1 || len(views) == 1 && views[0] != k {
			t.Fatalf("kind %v, views %v", k, views)
		}
		if _, size := viewOf(m.Type()); k > KindMalformed && (len(views) != 1 || uintptr(m.Header.PayloadSize) < size) {
			t.Fatalf("kind %v without its view (payload %d, view %d)", k, m.Header.PayloadSize, size)
		}
		if m.String() == "" {
			t.Fatal("no string")
		}
	})
}
