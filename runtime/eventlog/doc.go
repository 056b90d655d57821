// Package eventlog reads hypervisor event-log buffers (the 2013 reference's
// event logging) without copying and without trusting them: it walks the
// completed-buffer list a buffers-ready message starts, iterates the entries
// of a buffer, and follows a buffer the hypervisor is still filling.
//
// Buffer.All (range-over-func) is the fast way through a buffer: its loop
// state lives in locals, so the compiler inlines the walk into the caller's
// range loop. Entries/Next/Err is the same walk as a pull iterator. A
// reader of many buffers can keep one Buffer and Reset it for each. For a
// typed payload, switch on Entry.Type and use the generated As... view.
//
// Every read is bounds-checked against the buffer and against its
// NextBufferOffset, and a bad byte becomes a *CorruptError naming the buffer
// index and the byte offset; the caller chooses whether that stops the walk
// or skips the rest of that buffer. Nothing is allocated per entry.
//
// Memory ordering: the hypervisor writes an entry and then advances
// NextBufferOffset, and changes BufferState last; readers load both
// atomically (Buffer.Next, Buffer.State) and read only entries below the
// offset they loaded, so a live buffer is read consistently.
package eventlog
