package eventlog_test

import (
	"testing"

	"github.com/hvgen/hvgen/runtime/eventlog"
)

// An entry without payload that ends exactly at the end of the buffer's
// memory gets an empty payload that does not point past that memory (under
// -race, checkptr stops the test at such a pointer; a 4096-byte buffer
// fills its allocation exactly).
func TestEmptyPayloadAtTheEnd(t *testing.T) {
	var words []int
	rest := 4096 - eventlog.HeaderSize
	if rest%16 == 8 {
		words, rest = append(words, 1), rest-24
	}
	for ; rest > 0; rest -= 16 {
		words = append(words, 0)
	}
	b, err := eventlog.NewBuffer(build(0, 4096, words...), 0, lt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if b.Next() != 4096 {
		t.Fatalf("entries end at %#x", b.Next())
	}
	var last eventlog.Entry
	n := 0
	for e, err := range b.All() {
		if err != nil {
			t.Fatal(err)
		}
		last, n = e, n+1
	}
	if n != len(words) || last.Offset != 4096-16 || len(last.Payload) != 0 {
		t.Errorf("All: %d entries of %d, the last at %#x with %d payload bytes", n, len(words), last.Offset, len(last.Payload))
	}
	it, m := b.Entries(), 0
	for {
		e, ok := it.Next()
		if !ok {
			break
		}
		last, m = e, m+1
	}
	if it.Err() != nil || m != len(words) || len(last.Payload) != 0 {
		t.Errorf("Entries: %d entries of %d (%v), %d payload bytes at the end", m, len(words), it.Err(), len(last.Payload))
	}
}
