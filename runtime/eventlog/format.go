package eventlog

import (
	"strconv"
	"structs"
	"unsafe"
)

// The event-log buffer format, as the 2013 reference defines it
// (wdk-2013/HV_EVENTLOG_BUFFER_HEADER.txt, HV_EVENTLOG_ENTRY_HEADER.txt,
// HV_EVENTLOG_BUFFER_STATE.txt, HV_EVENTLOG_ENTRY_TIME_BASIS.txt,
// concept-Event-Logging-Data-Types.txt). Every ABI version that logs events
// uses this one format, so the reader owns it: a generated package's types
// (EventLogType, EventLogBufferState, EntryType, ...) convert to these with
// one conversion, and its As... functions view the payloads that follow an
// EntryHeader. A test checks these layouts and values against the generated
// wdk2013 package.

// Type is an event-log type (HV_EVENTLOG_TYPE): the buffer group a buffer
// belongs to. A generated EventLogType converts to it.
type Type uint32

// BufferState is the state of a buffer (HV_EVENTLOG_BUFFER_STATE).
type BufferState uint32

// The buffer states.
const (
	StateStandby  BufferState = 0 // created, not mapped: the hypervisor does not use it
	StateFree     BufferState = 1 // mapped and free for the hypervisor to fill
	StateInUse    BufferState = 2 // being filled
	StateComplete BufferState = 3 // full or flushed, waiting on the completed list
	StateReady    BufferState = 4 // reported to the root partition, which reads it
)

// String names the state as the reference does, without its prefix
// ("Ready" for HvEventLogBufferStateReady), or gives the number.
func (s BufferState) String() string {
	switch s {
	case StateStandby:
		return "Standby"
	case StateFree:
		return "Free"
	case StateInUse:
		return "InUse"
	case StateComplete:
		return "Complete"
	case StateReady:
		return "Ready"
	}
	return "BufferState(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// IndexNone is the buffer index that ends a ready list
// (HV_EVENTLOG_BUFFER_INDEX_NONE).
const IndexNone uint32 = 0xffffffff

// TimeBasis is the clock of a group's time stamps
// (HV_EVENTLOG_ENTRY_TIME_BASIS).
type TimeBasis uint32

// The time bases.
const (
	TimeReference TimeBasis = 0 // reference time: 100 ns units since the hypervisor started
	TimeTSC       TimeBasis = 1 // the time stamp counter of the logical processor that logged the entry
)

// EntryType is the type of an entry (HV_EVENTLOG_ENTRY_HEADER.Type). Compare
// it with a generated package's entry types after one conversion:
// hv.EntryType(e.Type()) == hv.TrHcHypercall.
type EntryType uint16

// Header is a buffer's header (HV_EVENTLOG_BUFFER_HEADER), 72 bytes.
// BufferState and NextBufferOffset change while the hypervisor fills the
// buffer: read them with Buffer.State and Buffer.Next.
type Header struct {
	_                structs.HostLayout
	BufferSize       uint32 // the buffer's size in bytes, header included
	BufferIndex      uint32
	EventsLost       uint32 // events dropped for want of a free buffer before this one was taken (per logical processor for local buffers)
	ReferenceCounter uint32
	TimeStamp        uint64 // when the buffer went into use, in reference time (100 ns units)
	_                [16]byte
	LogicalProcessor uint8 // the owner of a local buffer
	Alignment        uint8
	LoggerID         uint16
	BufferState      BufferState
	NextBufferOffset uint32 // where the next entry goes; every entry below it is complete
	Type             Type
	NextBufferIndex  uint32 // the next buffer of a ready list, or IndexNone
	_                [12]byte
}

// EntryHeader is an entry's header (HV_EVENTLOG_ENTRY_HEADER), 16 bytes;
// the payload follows it.
type EntryHeader struct {
	_         structs.HostLayout
	Context   uint32
	Size      uint16 // the entry's size in bytes, header and padding included: a multiple of 8
	Type      EntryType
	TimeStamp uint64 // in the group's TimeBasis
}

// Sizes of the fixed structures.
const (
	HeaderSize      = int(unsafe.Sizeof(Header{}))
	EntryHeaderSize = int(unsafe.Sizeof(EntryHeader{}))
)

// The layouts, fixed at compile time: a wrong size fails the build.
func _() {
	var x [1]struct{}
	_ = x[HeaderSize-72]
	_ = x[EntryHeaderSize-16]
	_ = x[unsafe.Offsetof(Header{}.BufferState)-0x2c]
	_ = x[unsafe.Offsetof(Header{}.NextBufferIndex)-0x38]
	_ = x[unsafe.Offsetof(EntryHeader{}.Type)-6]
}
