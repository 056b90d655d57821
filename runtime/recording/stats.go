package recording

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unsafe"
)

// StatsDump is a statistics page as a dump holds it.
type StatsDump struct {
	Format int    // 2, or 1 for a dump without checksums
	Object uint32 // the page's HV_STATS_OBJECT_TYPE
	Page   []byte // 4096 bytes, 8-byte aligned (stats.Parse reads it in place)
}

// IsStatsDump reports whether head, the first bytes of a file (8 are
// enough), starts a statistics dump rather than a recording.
func IsStatsDump(head []byte) bool {
	return len(head) >= len(statsMagic) && string(head[:len(statsMagic)]) == statsMagic
}

// WriteStatsDump writes one statistics page (4096 bytes) of an object type
// as a statistics dump (format 2).
func WriteStatsDump(w io.Writer, object uint32, page []byte) error {
	if len(page) != statsPageSize {
		return fmt.Errorf("recording: a statistics page is %d bytes, not %d", statsPageSize, len(page))
	}
	le := binary.LittleEndian
	b := make([]byte, 0, statsHeaderSize+statsPageSize)
	b = append(b, statsMagic...)
	b = le.AppendUint32(b, statsVersion)
	b = le.AppendUint32(b, object)
	b = le.AppendUint32(b, crc32.Checksum(page, castagnoli))
	b = le.AppendUint32(b, crc32.Checksum(b, castagnoli))
	_, err := w.Write(append(b, page...))
	return err
}

// ReadStatsDump reads a statistics dump, of either format, which must be
// all r holds. Damage is an *Error: ErrTruncated, ErrTrailing for bytes
// after the page, ErrVersion, ErrChecksum (of the header or of the page).
func ReadStatsDump(r io.Reader) (*StatsDump, error) {
	var hdr [statsHeaderSize]byte
	n, err := io.ReadFull(r, hdr[:statsV1Size])
	if err != nil {
		return nil, statsReadError(err, 0, n, statsV1Size, "header")
	}
	if !IsStatsDump(hdr[:]) {
		return nil, errorAt(0, ErrFormat, "%q is not the magic of a statistics dump (%q)", hdr[:8], statsMagic)
	}
	le := binary.LittleEndian
	d := &StatsDump{Object: le.Uint32(hdr[12:])}
	start := int64(statsV1Size)
	switch v := le.Uint32(hdr[8:]); v {
	case 1:
		d.Format = 1
	case statsVersion:
		d.Format = 2
		if n, err := io.ReadFull(r, hdr[statsV1Size:]); err != nil {
			return nil, statsReadError(err, 0, statsV1Size+n, statsHeaderSize, "header")
		}
		if sum, want := crc32.Checksum(hdr[:20], castagnoli), le.Uint32(hdr[20:]); sum != want {
			return nil, errorAt(0, ErrChecksum, "statistics dump header checksum %#08x, the header says %#08x", sum, want)
		}
		start = statsHeaderSize
	default:
		return nil, errorAt(8, ErrVersion, "statistics dump of format version %d, this reader knows 1 and %d", v, statsVersion)
	}
	words := make([]uint64, statsPageSize/8)
	d.Page = unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), statsPageSize)
	if n, err := io.ReadFull(r, d.Page); err != nil {
		return nil, statsReadError(err, start, n, statsPageSize, "page")
	}
	var extra [1]byte
	if n, _ := io.ReadFull(r, extra[:]); n > 0 {
		return nil, errorAt(start+statsPageSize, ErrTrailing, "trailing bytes after the statistics page")
	}
	if d.Format == 2 {
		if sum, want := crc32.Checksum(d.Page, castagnoli), le.Uint32(hdr[16:]); sum != want {
			return nil, errorAt(start, ErrChecksum, "statistics page checksum %#08x, the header says %#08x", sum, want)
		}
	}
	return d, nil
}

func statsReadError(err error, off int64, n, want int, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errorAt(off, ErrTruncated, "the statistics dump ends inside its %s: %d of %d bytes", what, n, want)
	}
	return err
}
