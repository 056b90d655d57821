package eventlog

import (
	"fmt"
	"iter"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Entry is one event-log entry, pointing into the buffer.
type Entry struct {
	Header  *hv.EventlogEntryHeader
	Payload []byte // the bytes after the entry header, padding included
	Offset  int    // byte offset of the entry in its buffer
}

// Type is the entry's type.
func (e Entry) Type() hv.EntryType { return hv.EntryType(e.Header.Type) }

// Entries iterates the complete entries of a buffer: those below the
// NextBufferOffset loaded when the iterator was made.
type Entries struct {
	b   *Buffer
	off int
	end int
	err error
}

// Entries returns an iterator over the complete entries. It is a value:
// keep it in a local variable and the loop allocates nothing.
func (b *Buffer) Entries() Entries {
	end := b.Next()
	it := Entries{b: b, off: HeaderSize, end: end}
	if end < HeaderSize || end > len(b.mem) {
		it.err = &CorruptError{Buffer: b.index, Offset: -1, Reason: fmt.Sprintf("NextBufferOffset %#x outside [%#x, %#x]", end, HeaderSize, len(b.mem))}
		it.end = 0
	}
	return it
}

// Next returns the next entry; ok is false at the end or at corrupt bytes
// (then Err says where). For hot loops: it allocates nothing.
func (it *Entries) Next() (e Entry, ok bool) {
	off, end := it.off, it.end
	if off >= end {
		return Entry{}, false
	}
	// One bounds check for the header; end never exceeds len(mem).
	if off+EntryHeaderSize > end {
		it.fail("entry header of %d bytes runs past NextBufferOffset %#x", EntryHeaderSize, end)
		return Entry{}, false
	}
	hdr := (*hv.EventlogEntryHeader)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(it.b.mem)), off))
	size := int(hdr.Size)
	if size < EntryHeaderSize || size&7 != 0 || off+size > end {
		it.corrupt(size)
		return Entry{}, false
	}
	it.off = off + size
	return Entry{Header: hdr, Payload: it.b.mem[off+EntryHeaderSize : off+size : off+size], Offset: off}, true
}

// corrupt records why an entry size is bad.
func (it *Entries) corrupt(size int) {
	switch {
	case size == 0:
		it.fail("entry size 0")
	case size < EntryHeaderSize:
		it.fail("entry size %d below the %d-byte entry header", size, EntryHeaderSize)
	case size%8 != 0:
		it.fail("entry size %d not a multiple of 8", size)
	default:
		it.fail("entry of %d bytes runs past NextBufferOffset %#x", size, it.end)
	}
}

func (it *Entries) fail(format string, args ...any) {
	it.err = &CorruptError{Buffer: it.b.index, Offset: it.off, Reason: fmt.Sprintf(format, args...)}
	it.end = it.off // stop here
}

// Err is the corruption that stopped the iteration, or nil.
func (it *Entries) Err() error { return it.err }

// All is the range-over-func form: entries, then a final (Entry{}, err) if
// the buffer is corrupt.
func (b *Buffer) All() iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		it := b.Entries()
		for {
			e, ok := it.Next()
			if !ok {
				break
			}
			if !yield(e, nil) {
				return
			}
		}
		if it.err != nil {
			yield(Entry{}, it.err)
		}
	}
}
