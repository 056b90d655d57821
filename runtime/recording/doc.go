// Package recording writes and reads the files hvgen's tools exchange: event
// log recordings (what a root partition read from an event-log buffer
// group, buffer by buffer) and statistics page dumps.
//
// # Recordings
//
// A recording is a sequence of self-describing chunks, one per buffer, in
// the order they were read; recordings can be concatenated or appended to,
// and a reader needs memory for one buffer only. A chunk (format 2) is a
// 48-byte header, all integers little-endian, then its payload:
//
//	offset size
//	 0     8   magic "HVGENELC"
//	 8     2   format version: 2
//	10     2   reserved, zero
//	12     4   HV_EVENTLOG_TYPE of the group
//	16     4   HV_EVENTLOG_ENTRY_TIME_BASIS of the group
//	20     4   payload length n: the buffer size (a multiple of 8, at most 512 pages)
//	24     8   TSC frequency in Hz (for the TSC time basis)
//	32     8   sequence number of the chunk in its recording: 0, 1, ...
//	40     4   CRC-32C (Castagnoli) of the payload
//	44     4   CRC-32C of header bytes 0-43
//
// The payload is the buffer as the hypervisor handed it over: its
// HV_EVENTLOG_BUFFER_HEADER and entries. The header checksum makes the
// length trustworthy before the payload is read; the payload checksum
// catches damage to the entries. A recording may end with an end record, a
// 48-byte header of its own:
//
//	offset size
//	 0     8   magic "HVGENELE"
//	 8     2   format version: 2
//	10     6   reserved, zero
//	16     8   chunks in the recording (the sequence number a next chunk would have)
//	24     8   events lost that no buffer header reports
//	32    12   reserved, zero
//	44     4   CRC-32C of bytes 0-43
//
// A buffer's header counts the events lost for want of a free buffer
// before the hypervisor took it (EventsLost); events lost after a logical
// processor's last buffer are in no header, and the end record carries
// them (Writer.AddUnreportedLost), so a recording holds every loss its
// writer knew of. A chunk with sequence number 0 starts a recording; any
// other number must follow the previous chunk's. Format 1 (magic
// "HVGENEL1", written by earlier hvgen versions) is a snapshot of a whole
// group under one 40-byte header: the magic, then uint32s format version
// (1), HV_EVENTLOG_TYPE, buffer size, buffer count, time basis and zero,
// then the TSC frequency as a uint64, then the buffers in index order. It is
// still read, and may be followed by more of either format.
//
// NewWriter writes a recording and NewReader reads one: Reader.Buffers
// ranges over the buffers as *eventlog.Buffer views, and Reader.ReadChunk
// is the lower layer for a reader that checks and decodes chunks in
// parallel (Chunk.Verify, Chunk.Buffer). Damage is reported as an *Error
// with the byte offset, wrapping ErrTruncated, ErrChecksum, ErrTrailing,
// ErrGap, ErrVersion or ErrFormat (errors.Is works); what can be decoded is
// kept: a chunk with a bad payload is skipped and the next one read.
//
// # Statistics dumps
//
// A statistics dump is one statistics page as a partition saw it mapped
// (format 2): the magic "HVGENST1", then uint32s format version (2),
// HV_STATS_OBJECT_TYPE, CRC-32C of the page and CRC-32C of bytes 0-19, then
// the 4096-byte page. Format 1 had no checksums (magic, version 1, object
// type, page) and is still read. WriteStatsDump and ReadStatsDump write and
// read it.
package recording
