package mshv

import (
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
)

// viewOf returns the kind of a message type and the size of its view: the
// x64 payloads of the registry's linux-7.0 version (include/hyperv/hvhdk.h
// and, for those the kernel's headers lack, the mshv user-space headers of
// spec/linux_intercepts.yaml).
func viewOf(t linux70.MessageType) (Kind, uintptr) {
	switch t {
	case linux70.HvmsgNone:
		return KindNone, 0
	case linux70.HvmsgX64IOPortIntercept:
		return KindIOPort, unsafe.Sizeof(linux70.X64IOPortInterceptMessage{})
	case linux70.HvmsgGPAIntercept, linux70.HvmsgUnmappedGPA:
		return KindMemory, unsafe.Sizeof(linux70.X64MemoryInterceptMessage{})
	case linux70.HvmsgX64CPUIDIntercept:
		return KindCPUID, unsafe.Sizeof(linux70.X64CPUIDInterceptMessage{})
	case linux70.HvmsgX64MSRIntercept:
		return KindMSR, unsafe.Sizeof(linux70.X64MSRInterceptMessage{})
	case linux70.HvmsgX64ExceptionIntercept:
		return KindException, unsafe.Sizeof(linux70.X64ExceptionInterceptMessage{})
	case linux70.HvmsgX64Halt:
		return KindHalt, unsafe.Sizeof(linux70.X64HaltMessage{})
	case linux70.HvmsgUnrecoverableException:
		return KindUnrecoverableException, unsafe.Sizeof(linux70.X64UnrecoverableExceptionMessage{})
	case linux70.HvmsgInvalidVPRegisterValue:
		return KindInvalidVPRegister, unsafe.Sizeof(linux70.X64InvalidVPRegisterMessage{})
	case linux70.HvmsgUnsupportedFeature:
		return KindUnsupportedFeature, unsafe.Sizeof(linux70.X64UnsupportedFeatureMessage{})
	case linux70.HvmsgX64InterruptionDeliverable:
		return KindInterruptionDeliverable, unsafe.Sizeof(linux70.X64InterruptionDeliverableMessage{})
	case linux70.HvmsgSynicSINTDeliverable:
		return KindSINTDeliverable, unsafe.Sizeof(linux70.X64SINTDeliverableMessage{})
	case linux70.HvmsgX64SipiIntercept:
		return KindSIPI, unsafe.Sizeof(linux70.X64SipiInterceptMessage{})
	case linux70.HvmsgHypercallIntercept:
		return KindHypercall, unsafe.Sizeof(linux70.X64HypercallInterceptMessage{})
	case linux70.HvmsgX64APICEOI:
		return KindAPICEOI, unsafe.Sizeof(linux70.X64APICEOIMessage{})
	}
	return KindOther, 0
}

// InterceptHeader returns the part every x64 intercept message starts with
// (hv_x64_intercept_message_header: the VP, the instruction's length, the
// access type, CS, RIP and RFLAGS when the VP stopped), for the kinds whose
// payload starts with it; ok is false for the others.
func (m *Message) InterceptHeader() (h *linux70.X64InterceptMessageHeader, ok bool) {
	switch m.Kind() {
	case KindIOPort, KindMemory, KindCPUID, KindMSR, KindException, KindHalt, KindUnrecoverableException,
		KindInterruptionDeliverable, KindSINTDeliverable, KindSIPI, KindHypercall:
		return (*linux70.X64InterceptMessageHeader)(unsafe.Pointer(&m.payload)), true
	}
	return nil, false
}

// IOPort returns the payload of an I/O port intercept (IN, OUT, INS,
// OUTS): the port, the access size and direction, RAX.
func (m *Message) IOPort() (*linux70.X64IOPortInterceptMessage, bool) {
	return view[linux70.X64IOPortInterceptMessage](m, KindIOPort)
}

// Memory returns the payload of a memory intercept: an access to an
// unmapped guest physical address (HVMSG_UNMAPPED_GPA, an MMIO access) or
// one the mapping forbids (HVMSG_GPA_INTERCEPT).
func (m *Message) Memory() (*linux70.X64MemoryInterceptMessage, bool) {
	return view[linux70.X64MemoryInterceptMessage](m, KindMemory)
}

// CPUID returns the payload of a CPUID intercept: the leaf in RAX/RCX and
// the hypervisor's default result.
func (m *Message) CPUID() (*linux70.X64CPUIDInterceptMessage, bool) {
	return view[linux70.X64CPUIDInterceptMessage](m, KindCPUID)
}

// MSR returns the payload of an MSR intercept (RDMSR, WRMSR).
func (m *Message) MSR() (*linux70.X64MSRInterceptMessage, bool) {
	return view[linux70.X64MSRInterceptMessage](m, KindMSR)
}

// Exception returns the payload of an exception intercept.
func (m *Message) Exception() (*linux70.X64ExceptionInterceptMessage, bool) {
	return view[linux70.X64ExceptionInterceptMessage](m, KindException)
}

// Halt returns the payload of a halt message: the guest executed HLT.
func (m *Message) Halt() (*linux70.X64HaltMessage, bool) {
	return view[linux70.X64HaltMessage](m, KindHalt)
}

// UnrecoverableException returns the payload of an unrecoverable exception
// (a triple fault, say): the VP cannot go on.
func (m *Message) UnrecoverableException() (*linux70.X64UnrecoverableExceptionMessage, bool) {
	return view[linux70.X64UnrecoverableExceptionMessage](m, KindUnrecoverableException)
}

// InvalidVPRegister returns the payload of a message saying a register the
// VMM set holds a value the VP cannot run with.
func (m *Message) InvalidVPRegister() (*linux70.X64InvalidVPRegisterMessage, bool) {
	return view[linux70.X64InvalidVPRegisterMessage](m, KindInvalidVPRegister)
}

// UnsupportedFeature returns the payload of an unsupported feature message.
func (m *Message) UnsupportedFeature() (*linux70.X64UnsupportedFeatureMessage, bool) {
	return view[linux70.X64UnsupportedFeatureMessage](m, KindUnsupportedFeature)
}

// InterruptionDeliverable returns the payload of a message saying the VP
// can take the pending interruption the VMM asked to be told about.
func (m *Message) InterruptionDeliverable() (*linux70.X64InterruptionDeliverableMessage, bool) {
	return view[linux70.X64InterruptionDeliverableMessage](m, KindInterruptionDeliverable)
}

// SINTDeliverable returns the payload of a message saying SynIC interrupts
// can be delivered.
func (m *Message) SINTDeliverable() (*linux70.X64SINTDeliverableMessage, bool) {
	return view[linux70.X64SINTDeliverableMessage](m, KindSINTDeliverable)
}

// SIPI returns the payload of a startup IPI intercept.
func (m *Message) SIPI() (*linux70.X64SipiInterceptMessage, bool) {
	return view[linux70.X64SipiInterceptMessage](m, KindSIPI)
}

// Hypercall returns the payload of a hypercall intercept (its registers
// sit at unaligned offsets: the view holds them as byte arrays).
func (m *Message) Hypercall() (*linux70.X64HypercallInterceptMessage, bool) {
	return view[linux70.X64HypercallInterceptMessage](m, KindHypercall)
}

// APICEOI returns the payload of an APIC end-of-interrupt message.
func (m *Message) APICEOI() (*linux70.X64APICEOIMessage, bool) {
	return view[linux70.X64APICEOIMessage](m, KindAPICEOI)
}
