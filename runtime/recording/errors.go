package recording

import (
	"errors"
	"fmt"
)

// The kinds of damage a reader reports, each wrapped in an *Error with the
// byte offset.
var (
	// ErrTruncated: the stream ends inside a chunk, a header or a dump.
	ErrTruncated = errors.New("recording: truncated")
	// ErrChecksum: a header or payload does not match its CRC-32C. A bad
	// payload spoils its chunk only; a bad header ends the recording (its
	// length cannot be trusted).
	ErrChecksum = errors.New("recording: checksum mismatch")
	// ErrTrailing: bytes where a chunk must start are not one (garbage
	// after the last chunk, or damage that hides the next chunk); nothing
	// after them is read.
	ErrTrailing = errors.New("recording: bytes that are not a chunk")
	// ErrGap: chunks are missing, the sequence numbers skip; the chunks
	// around the gap are sound.
	ErrGap = errors.New("recording: chunks missing")
	// ErrVersion: a format version this reader does not know.
	ErrVersion = errors.New("recording: unknown format version")
	// ErrFormat: a header field out of its range (a length, a size).
	ErrFormat = errors.New("recording: malformed header")
)

// Error is damage found at a byte offset of a recording or dump.
type Error struct {
	Offset int64  // the byte offset of the chunk, header or bytes at fault
	Err    error  // one of the Err... values above, or an *eventlog.CorruptError
	Detail string // what was found
}

func (e *Error) Error() string { return fmt.Sprintf("byte %d: %s", e.Offset, e.Detail) }

// Unwrap returns the kind of damage.
func (e *Error) Unwrap() error { return e.Err }

func errorAt(off int64, kind error, format string, args ...any) *Error {
	return &Error{Offset: off, Err: kind, Detail: fmt.Sprintf(format, args...)}
}
