package eventlog

import (
	"fmt"
	"iter"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Group is what a reader knows of an event-log buffer group: its type, its
// buffers' size, and how to get a buffer's memory by index (nil when there
// is no such buffer).
type Group struct {
	Type       hv.EventlogType
	BufferSize int
	MaxBuffers int
	Memory     func(index uint32) []byte
}

// OnCorrupt says what a walk does at corrupt bytes.
type OnCorrupt int

const (
	Stop OnCorrupt = iota // report the error and end the walk
	Skip                  // report the error and go on with the next buffer
)

// Ready walks a completed-buffer list from a buffers-ready message: the first
// buffer, then NextBufferIndex until HV_EVENTLOG_BUFFER_INDEX_NONE. It yields
// each buffer, or an error for a buffer that cannot be read: an index out of
// range or not mapped, a header that disagrees with the group, or a cycle in
// the list. A cycle or a missing buffer always ends the walk (there is no
// next index to trust).
func (g *Group) Ready(first hv.EventlogBufferIndex) iter.Seq2[*Buffer, error] {
	return func(yield func(*Buffer, error) bool) {
		seen := make(map[uint32]bool)
		idx := uint32(first)
		for idx != uint32(hv.EventlogBufferIndexNone) {
			if seen[idx] {
				yield(nil, &CorruptError{Buffer: idx, Offset: -1, Reason: "the ready list returns to this buffer (a cycle in NextBufferIndex)"})
				return
			}
			seen[idx] = true
			if g.MaxBuffers > 0 && int(idx) >= g.MaxBuffers {
				yield(nil, &CorruptError{Buffer: idx, Offset: -1, Reason: fmt.Sprintf("index out of range (the group has at most %d buffers)", g.MaxBuffers)})
				return
			}
			mem := g.Memory(idx)
			if mem == nil {
				yield(nil, &CorruptError{Buffer: idx, Offset: -1, Reason: "no such buffer is mapped"})
				return
			}
			b, err := NewBuffer(mem, idx, g.Type, g.BufferSize)
			if err != nil {
				yield(nil, err)
				return
			}
			next := uint32(b.Header().NextBufferIndex)
			if !yield(b, nil) {
				return
			}
			idx = next
		}
	}
}

// Events walks a ready list and every entry of each buffer, in list order.
// With Skip, a corrupt buffer's error is yielded and the walk goes on with
// the next buffer; with Stop it ends there.
func (g *Group) Events(first hv.EventlogBufferIndex, mode OnCorrupt) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for b, err := range g.Ready(first) {
			if err != nil {
				yield(Entry{}, err)
				return
			}
			for e, err := range b.All() {
				if !yield(e, err) || err != nil && mode == Stop {
					return
				}
			}
		}
	}
}
