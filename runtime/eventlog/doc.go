// Package eventlog reads hypervisor event-log buffers (the 2013 reference's
// event logging) without copying and without trusting them: it walks the
// completed-buffer list a buffers-ready message starts (Group.Ready,
// Group.Events), iterates the entries of a buffer (Buffer.All,
// Buffer.Entries), and follows a buffer the hypervisor is still filling
// (Buffer.Tail).
//
// The buffer format is the package's own: Header and EntryHeader lay out
// HV_EVENTLOG_BUFFER_HEADER and HV_EVENTLOG_ENTRY_HEADER, and Type,
// BufferState, TimeBasis and EntryType hold their enumerations, so the
// reader works with any package hvgen generates. Typed payloads come from
// the generated package: switch on the entry type after one conversion and
// view the payload with the generated As... function:
//
//	for e, err := range buf.All() {
//		if err != nil {
//			return err
//		}
//		switch hv.EntryType(e.Type()) {
//		case hv.TrHcHypercall:
//			if p := hv.AsTrHcHypercall(e.Payload); p != nil {
//				use(p.GuestRIP, p.InputValue)
//			}
//		}
//	}
//
// Buffer.All (range-over-func) is the fast way through a buffer: its loop
// state lives in locals, so the compiler inlines the walk into the caller's
// range loop. Entries/Next/Err is the same walk as a pull iterator. A
// reader of many buffers can keep one Buffer and Reset it for each. Memory
// that is not 8-byte aligned (bytes read from a file at any offset) is
// copied to aligned memory, so payload views always work; a mapped buffer
// is page-aligned and read in place.
//
// Every read is bounds-checked against the buffer and against its
// NextBufferOffset, and a bad byte becomes a *CorruptError naming the buffer
// index and the byte offset; the caller chooses whether that stops the walk
// or skips the rest of that buffer. Nothing is allocated per entry. The
// zero Buffer views no buffer and the zero Group has none: their walks
// yield ErrNoBuffer and ErrNoMemory.
//
// Memory ordering: the hypervisor writes an entry and then advances
// NextBufferOffset, and changes BufferState last; readers load both
// atomically (Buffer.Next, Buffer.State) and read only entries below the
// offset they loaded, so a live buffer is read consistently.
//
// Recordings of buffers (files) are read and written by runtime/recording.
package eventlog
