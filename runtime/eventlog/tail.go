package eventlog

import (
	"context"
	"fmt"
	"iter"
	"math/bits"
	"time"
	"unsafe"
)

// Tail follows a buffer the hypervisor is still filling: it yields each entry
// once it is complete (below NextBufferOffset, loaded atomically every poll),
// until the buffer has left the in-use state and every entry is read, or ctx
// ends (then ctx's error is yielded). When b views no buffer it yields
// ErrNoBuffer.
func (b *Buffer) Tail(ctx context.Context, poll time.Duration) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if b.Header() == nil {
			yield(Entry{}, ErrNoBuffer)
			return
		}
		it := &Entries{base: unsafe.Pointer(unsafe.SliceData(b.mem)), b: b, off: HeaderSize, end: HeaderSize, limit: HeaderSize}
		for {
			// Load the state before the offset: if the buffer was no longer
			// in use, the offset loaded after it is final.
			done := b.State() != StateInUse
			end := b.Next()
			if end < it.off || end > len(b.mem) {
				yield(Entry{}, &CorruptError{Buffer: b.index, Offset: it.off, Reason: fmt.Sprintf("NextBufferOffset moved to %#x", end)})
				return
			}
			it.end, it.limit = end, end
			for {
				e, ok := it.Next()
				if !ok {
					break
				}
				if !yield(e, nil) {
					return
				}
			}
			if err := it.Err(); err != nil {
				yield(Entry{}, err)
				return
			}
			if done {
				return
			}
			select {
			case <-ctx.Done():
				yield(Entry{}, ctx.Err())
				return
			case <-time.After(poll):
			}
		}
	}
}

// Clock converts entry and buffer time stamps, given the group's time basis.
type Clock struct {
	Basis TimeBasis
	TSCHz uint64 // TSC frequency, for TimeTSC
}

// Duration is a time stamp as time since the hypervisor started (reference
// time: 100 ns units) or since the TSC was zero (TSC basis). It is never
// negative: times from 2^63 ns on saturate to the largest Duration.
func (c Clock) Duration(ts uint64) time.Duration {
	if c.Basis == TimeTSC && c.TSCHz > 0 {
		// ts * 1e9 / hz without overflowing 64 bits.
		hi, lo := bits.Mul64(ts, uint64(time.Second))
		if hi >= c.TSCHz {
			return time.Duration(1<<63 - 1)
		}
		q, _ := bits.Div64(hi, lo, c.TSCHz)
		if q > 1<<63-1 {
			return time.Duration(1<<63 - 1)
		}
		return time.Duration(q)
	}
	if ts > uint64(1<<63-1)/100 {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(ts * 100)
}
