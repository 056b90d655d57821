package eventlog_test

import (
	"testing"

	"github.com/hvgen/hvgen/runtime/eventlog"
)

// Reset checks what NewBuffer checks, gives the same view, and allocates
// nothing for a good buffer.
func TestReset(t *testing.T) {
	bufs := [][]byte{build(0, 4096, 1, 2), build(1, 4096, 0, 3, 1)}
	var b eventlog.Buffer
	for i, mem := range bufs {
		if err := b.Reset(mem, uint32(i), elt, 4096); err != nil {
			t.Fatal(err)
		}
		nb, err := eventlog.NewBuffer(mem, uint32(i), elt, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if b.Index() != nb.Index() || len(b.Bytes()) != len(nb.Bytes()) || b.Next() != nb.Next() {
			t.Errorf("buffer %d: Reset gives index %d, %d bytes, next %#x; NewBuffer %d, %d, %#x", i, b.Index(), len(b.Bytes()), b.Next(), nb.Index(), len(nb.Bytes()), nb.Next())
		}
		n := 0
		for _, err := range b.All() {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if want := []int{2, 3}[i]; n != want {
			t.Errorf("buffer %d: %d entries, want %d", i, n, want)
		}
	}
	// A buffer in the wrong slot: the same error as NewBuffer's, and b no
	// longer views the last good buffer.
	_, want := eventlog.NewBuffer(bufs[0], 5, elt, 4096)
	err := b.Reset(bufs[0], 5, elt, 4096)
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("Reset: %v, NewBuffer: %v", err, want)
	}
	if b.Bytes() != nil {
		t.Errorf("after a failed Reset the buffer still views %d bytes", len(b.Bytes()))
	}
	allocs := testing.AllocsPerRun(100, func() {
		for i, mem := range bufs {
			if b.Reset(mem, uint32(i), elt, 4096) != nil {
				t.Fatal("Reset failed")
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Reset allocates %.1f times for two buffers", allocs)
	}
}
