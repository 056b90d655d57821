package eventlog

import (
	"errors"
	"fmt"
	"iter"
)

// Group is what a reader knows of an event-log buffer group: its type, its
// buffers' size, and how to get a buffer's memory by index (nil when there
// is no such buffer). A group without Memory has no buffers: its walks
// yield ErrNoMemory.
type Group struct {
	Type       Type
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

// ErrNoMemory is what the walks of a Group without Memory yield.
var ErrNoMemory = errors.New("eventlog: the Group has no Memory function to find its buffers")

// Ready walks a completed-buffer list from a buffers-ready message (whose
// BufferIndex is first): the first buffer, then NextBufferIndex until
// IndexNone. It yields
// each buffer, or an error for a buffer that cannot be read: an index out of
// range or not mapped, a header that disagrees with the group, or a cycle in
// the list. A cycle or a missing buffer always ends the walk (there is no
// next index to trust).
func (g *Group) Ready(first uint32) iter.Seq2[*Buffer, error] {
	return func(yield func(*Buffer, error) bool) {
		seen := make(map[uint32]bool)
		idx := first
		if g.Memory == nil && idx != IndexNone {
			yield(nil, ErrNoMemory)
			return
		}
		for idx != IndexNone {
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
			next := b.Header().NextBufferIndex
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
func (g *Group) Events(first uint32, mode OnCorrupt) iter.Seq2[Entry, error] {
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
