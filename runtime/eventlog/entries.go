package eventlog

import (
	"fmt"
	"iter"
	"unsafe"
)

// Entry is one event-log entry, pointing into the buffer.
type Entry struct {
	Header  *EntryHeader
	Payload []byte // the bytes after the entry header, padding included
	Offset  int    // byte offset of the entry in its buffer
}

// Type is the entry's type (0 for the Entry yielded with an error). Switch
// on it with a generated package's constants: hv.EntryType(e.Type()). The
// pointer receiver keeps a switch on it from copying the Entry in a hot
// loop.
func (e *Entry) Type() EntryType {
	if e.Header == nil {
		return 0
	}
	return e.Header.Type
}

// All iterates the complete entries of a buffer (those below the
// NextBufferOffset loaded when the loop starts), then yields (Entry{}, err)
// once if it stopped at corrupt bytes (or ErrNoBuffer when b views no
// buffer). This is the fast form: the walk keeps its state in locals, so the
// compiler can inline it into the range loop, and nothing is allocated.
func (b *Buffer) All() iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if b.Header() == nil {
			yield(Entry{}, ErrNoBuffer)
			return
		}
		base, end := unsafe.Pointer(unsafe.SliceData(b.mem)), b.Next()
		if end < HeaderSize || end > len(b.mem) {
			yield(Entry{}, b.badNext(end))
			return
		}
		// Invariant: HeaderSize <= off <= end <= len(b.mem), so an entry
		// header fits below end before it is read, and the whole entry
		// before it is yielded.
		off, size := HeaderSize, -1 // size: the last size read, -1 before one is
		for off+EntryHeaderSize <= end {
			hdr := (*EntryHeader)(unsafe.Add(base, off))
			size = int(hdr.Size)
			// size a multiple of 8, at least the header, inside end: the
			// unsigned compare covers both bounds.
			if size&7 != 0 || uint(size-EntryHeaderSize) > uint(end-off-EntryHeaderSize) {
				break
			}
			if !yield(Entry{Header: hdr, Payload: payload(hdr, size), Offset: off}, nil) {
				return
			}
			off += size
			size = -1
		}
		if off != end {
			yield(Entry{}, b.corrupt(off, end, size))
		}
	}
}

// Entries is the pull form of All, for code that cannot use a range loop
// (Tail uses it): Next until false, then Err.
//
// Invariant: HeaderSize <= off <= end <= limit <= len(b.mem).
type Entries struct {
	base  unsafe.Pointer // the buffer's first byte
	off   int
	end   int
	b     *Buffer
	err   error
	limit int // the end loaded; end drops to off when Next stops at bad bytes
}

// Entries returns a pull iterator over the complete entries. It is a value:
// keep it in a local variable and the loop allocates nothing. When b views
// no buffer, Next returns false at once and Err is ErrNoBuffer.
func (b *Buffer) Entries() Entries {
	if b.Header() == nil {
		return Entries{b: b, off: HeaderSize, end: HeaderSize, limit: HeaderSize, err: ErrNoBuffer}
	}
	end := b.Next()
	it := Entries{base: unsafe.Pointer(unsafe.SliceData(b.mem)), b: b, off: HeaderSize, end: end, limit: end}
	if end < HeaderSize || end > len(b.mem) {
		it.err = b.badNext(end)
		it.end, it.limit = HeaderSize, HeaderSize
	}
	return it
}

// Next returns the next entry; ok is false at the end or at corrupt bytes
// (then Err says where). It only checks, so it stays small enough to inline.
func (it *Entries) Next() (e Entry, ok bool) {
	off := it.off
	if off+EntryHeaderSize <= it.end {
		hdr := (*EntryHeader)(unsafe.Add(it.base, off))
		if size := int(hdr.Size); size&7 == 0 && uint(size-EntryHeaderSize) <= uint(it.end-off-EntryHeaderSize) {
			it.off = off + size
			return Entry{Header: hdr, Payload: payload(hdr, size), Offset: off}, true
		}
	}
	it.end = off // stop here (at the end, a no-op); Err says why if off < limit
	return Entry{}, false
}

// payload is the bytes of an entry of size bytes (at least the header) after
// its header. It slices the whole entry rather than adding the header size
// to the pointer: an entry without payload that ends the buffer would give a
// pointer one past the allocation, which Go does not allow (the race
// detector's pointer checks stop on it); slicing leaves the pointer in place
// when nothing remains.
func payload(hdr *EntryHeader, size int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(hdr)), size)[EntryHeaderSize:]
}

// Err is the corruption that stopped the iteration, or nil at the end and
// before Next has stopped.
func (it *Entries) Err() error {
	if off := it.off; it.err == nil && it.end == off && off < it.limit {
		size := -1
		if off+EntryHeaderSize <= it.limit {
			size = int(it.b.mem[off+4]) | int(it.b.mem[off+5])<<8
		}
		it.err = it.b.corrupt(off, it.limit, size)
	}
	return it.err
}

// badNext is the error for a NextBufferOffset outside the buffer.
func (b *Buffer) badNext(end int) error {
	return &CorruptError{Buffer: b.index, Offset: -1, Reason: fmt.Sprintf("NextBufferOffset %#x outside [%#x, %#x]", end, HeaderSize, len(b.mem))}
}

// corrupt says what is wrong with the entry at off, below end (off < end <=
// len(b.mem)), given the size the walk read there (-1: none, the header did
// not fit). The walks only refuse bad bytes; this says why, off their hot
// path, from what they saw (the bytes may have changed since).
func (b *Buffer) corrupt(off, end, size int) error {
	bad := func(format string, args ...any) error {
		return &CorruptError{Buffer: b.index, Offset: off, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case size < 0:
		return bad("entry header of %d bytes runs past NextBufferOffset %#x", EntryHeaderSize, end)
	case size == 0:
		return bad("entry size 0")
	case size < EntryHeaderSize:
		return bad("entry size %d below the %d-byte entry header", size, EntryHeaderSize)
	case size%8 != 0:
		return bad("entry size %d not a multiple of 8", size)
	case off+size > end:
		return bad("entry of %d bytes runs past NextBufferOffset %#x", size, end)
	default: // the pull form reads the size again, after Next refused it
		return bad("entry changed while it was read (its size is now %d)", size)
	}
}
