// Package eventlog reads hypervisor event-log buffers (the 2013 reference's
// event logging) without copying and without trusting them: it walks the
// completed-buffer list a buffers-ready message starts, iterates the entries
// of a buffer, and follows a buffer the hypervisor is still filling.
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
