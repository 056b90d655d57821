package mshv

import (
	"fmt"
	"structs"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
)

// Message is struct hv_message, what the hypervisor leaves for the VMM when
// a VP stops: MSHV_RUN_VP copies it out (Run returns the VP's copy), and
// the VP's intercept message page holds it in place. Header is the message
// header; the payload is read through Payload, or, by message type, through
// a typed view (on x64: IOPort, Memory, CPUID, MSR, Exception, Halt,
// UnrecoverableException and the rest; InterceptHeader for the part the
// intercepts share), each a pointer into the message itself, so decoding
// allocates nothing. A view is given only for the message type it belongs
// to and only when the header's payload size covers it; Check says what
// is wrong with a message that gets no view.
type Message struct {
	_       structs.HostLayout
	Header  linux70.MessageHeader
	payload [PayloadSize]byte
}

// PayloadSize is the size of a message's payload
// (HV_MESSAGE_PAYLOAD_QWORD_COUNT quadwords).
const PayloadSize = unsafe.Sizeof(linux70.MessageU{})

// A Message is an hv_message, and MSHV_RUN_VP's argument is one.
func _() {
	var x [1]struct{}
	_ = x[unsafe.Sizeof(Message{})-unsafe.Sizeof(linux70.Message{})]
	_ = x[unsafe.Sizeof(Message{})-unsafe.Sizeof(linux70.MshvRunVP{})]
	_ = x[unsafe.Offsetof(Message{}.payload)-unsafe.Offsetof(linux70.Message{}.U)]
}

// Kind is what a message is, as far as the runtime has a view of its
// payload.
type Kind uint8

// The kinds of message. KindOther is a type the runtime has no view of
// (its payload is there, raw); KindMalformed a message whose header does
// not hold together (Check says why).
const (
	KindNone                    Kind = iota // HVMSG_NONE: no message
	KindOther                               // a message type without a view: Payload only
	KindMalformed                           // a payload size over PayloadSize, or short of the type's view
	KindIOPort                              // HVMSG_X64_IO_PORT_INTERCEPT: IOPort
	KindMemory                              // HVMSG_GPA_INTERCEPT, HVMSG_UNMAPPED_GPA: Memory
	KindCPUID                               // HVMSG_X64_CPUID_INTERCEPT: CPUID
	KindMSR                                 // HVMSG_X64_MSR_INTERCEPT: MSR
	KindException                           // HVMSG_X64_EXCEPTION_INTERCEPT: Exception
	KindHalt                                // HVMSG_X64_HALT (the guest executed HLT): Halt
	KindUnrecoverableException              // HVMSG_UNRECOVERABLE_EXCEPTION: UnrecoverableException
	KindInvalidVPRegister                   // HVMSG_INVALID_VP_REGISTER_VALUE: InvalidVPRegister
	KindUnsupportedFeature                  // HVMSG_UNSUPPORTED_FEATURE: UnsupportedFeature
	KindInterruptionDeliverable             // HVMSG_X64_INTERRUPTION_DELIVERABLE: InterruptionDeliverable
	KindSINTDeliverable                     // HVMSG_SYNIC_SINT_DELIVERABLE: SINTDeliverable
	KindSIPI                                // HVMSG_X64_SIPI_INTERCEPT: SIPI
	KindHypercall                           // HVMSG_HYPERCALL_INTERCEPT: Hypercall
	KindAPICEOI                             // HVMSG_X64_APIC_EOI: APICEOI
	kindCount
)

var kindNames = [...]string{"none", "other", "malformed", "I/O port", "memory", "CPUID", "MSR", "exception", "halt",
	"unrecoverable exception", "invalid VP register", "unsupported feature", "interruption deliverable",
	"SINT deliverable", "SIPI", "hypercall", "APIC EOI"}

func _() {
	var x [1]struct{}
	_ = x[len(kindNames)-int(kindCount)]
}

func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Type returns the message type.
func (m *Message) Type() linux70.MessageType { return linux70.MessageType(m.Header.MessageType) }

// Payload returns the payload the header's size says, at most PayloadSize
// bytes: the message's own bytes, not a copy.
func (m *Message) Payload() []byte {
	return m.payload[:min(int(m.Header.PayloadSize), len(m.payload))]
}

// Kind classifies the message: the kind of its view, KindOther for a type
// without one, KindMalformed when Check fails.
func (m *Message) Kind() Kind {
	k, size := viewOf(m.Type())
	switch {
	case uintptr(m.Header.PayloadSize) > PayloadSize:
		return KindMalformed
	case k > KindMalformed && uintptr(m.Header.PayloadSize) < size:
		return KindMalformed
	}
	return k
}

// Check returns nil for a message whose header holds together, and
// otherwise says what is wrong: a payload size over PayloadSize, or short
// of the view of the message's type.
func (m *Message) Check() error {
	k, size := viewOf(m.Type())
	switch {
	case uintptr(m.Header.PayloadSize) > PayloadSize:
		return fmt.Errorf("mshv: %v message: payload size %d, over the %d bytes a message holds", m.Type(), m.Header.PayloadSize, PayloadSize)
	case k > KindMalformed && uintptr(m.Header.PayloadSize) < size:
		return fmt.Errorf("mshv: %v message: payload size %d, short of the %d bytes of its %v view", m.Type(), m.Header.PayloadSize, size, k)
	}
	return nil
}

// String describes the message: its type, kind and payload size.
func (m *Message) String() string {
	return fmt.Sprintf("%v (%v, %d payload bytes)", m.Type(), m.Kind(), m.Header.PayloadSize)
}

// UnmarshalBinary copies an hv_message from b (a recording, say) into m:
// the 16-byte header and as much of the payload as b holds, the rest zero.
// b shorter than the header, or than the payload size its header states,
// is an error; the bytes it has are kept.
func (m *Message) UnmarshalBinary(b []byte) error {
	*m = Message{}
	hdr := int(unsafe.Sizeof(m.Header))
	if len(b) < hdr {
		return fmt.Errorf("mshv: a message of %d bytes: shorter than its %d-byte header", len(b), hdr)
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(m)), unsafe.Sizeof(*m)), b)
	if want := min(int(m.Header.PayloadSize), len(m.payload)); len(b)-hdr < want {
		return fmt.Errorf("mshv: %v message: %d payload bytes of the %d its header states", m.Type(), len(b)-hdr, want)
	}
	return nil
}

// view returns the payload as a *T when the message is of kind k.
func view[T any](m *Message, k Kind) (*T, bool) {
	if m == nil || m.Kind() != k {
		return nil, false
	}
	return (*T)(unsafe.Pointer(&m.payload)), true
}
