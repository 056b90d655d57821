package mshv

import (
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
)

// messageViews are the x64 message types with a view: the type, its kind
// and the registry's payload struct.
var messageViews = []struct {
	typ  linux70.MessageType
	kind Kind
	c    string
}{
	{linux70.HvmsgX64IOPortIntercept, KindIOPort, "hv_x64_io_port_intercept_message"},
	{linux70.HvmsgGPAIntercept, KindMemory, "hv_x64_memory_intercept_message"},
	{linux70.HvmsgUnmappedGPA, KindMemory, "hv_x64_memory_intercept_message"},
	{linux70.HvmsgX64CPUIDIntercept, KindCPUID, "hv_x64_cpuid_intercept_message"},
	{linux70.HvmsgX64MSRIntercept, KindMSR, "hv_x64_msr_intercept_message"},
	{linux70.HvmsgX64ExceptionIntercept, KindException, "hv_x64_exception_intercept_message"},
	{linux70.HvmsgX64Halt, KindHalt, "hv_x64_halt_message"},
	{linux70.HvmsgUnrecoverableException, KindUnrecoverableException, "hv_x64_unrecoverable_exception_message"},
	{linux70.HvmsgInvalidVPRegisterValue, KindInvalidVPRegister, "hv_x64_invalid_vp_register_message"},
	{linux70.HvmsgUnsupportedFeature, KindUnsupportedFeature, "hv_x64_unsupported_feature_message"},
	{linux70.HvmsgX64InterruptionDeliverable, KindInterruptionDeliverable, "hv_x64_interruption_deliverable_message"},
	{linux70.HvmsgSynicSINTDeliverable, KindSINTDeliverable, "hv_x64_sint_deliverable_message"},
	{linux70.HvmsgX64SipiIntercept, KindSIPI, "hv_x64_sipi_intercept_message"},
	{linux70.HvmsgHypercallIntercept, KindHypercall, "hv_x64_hypercall_intercept_message"},
	{linux70.HvmsgX64APICEOI, KindAPICEOI, "hv_x64_apic_eoi_message"},
}

// viewsOK lists the kinds whose view of m is given.
func viewsOK(m *Message) []Kind {
	var out []Kind
	add := func(k Kind, ok bool) {
		if ok {
			out = append(out, k)
		}
	}
	_, ok := m.IOPort()
	add(KindIOPort, ok)
	_, ok = m.Memory()
	add(KindMemory, ok)
	_, ok = m.CPUID()
	add(KindCPUID, ok)
	_, ok = m.MSR()
	add(KindMSR, ok)
	_, ok = m.Exception()
	add(KindException, ok)
	_, ok = m.Halt()
	add(KindHalt, ok)
	_, ok = m.UnrecoverableException()
	add(KindUnrecoverableException, ok)
	_, ok = m.InvalidVPRegister()
	add(KindInvalidVPRegister, ok)
	_, ok = m.UnsupportedFeature()
	add(KindUnsupportedFeature, ok)
	_, ok = m.InterruptionDeliverable()
	add(KindInterruptionDeliverable, ok)
	_, ok = m.SINTDeliverable()
	add(KindSINTDeliverable, ok)
	_, ok = m.SIPI()
	add(KindSIPI, ok)
	_, ok = m.Hypercall()
	add(KindHypercall, ok)
	_, ok = m.APICEOI()
	add(KindAPICEOI, ok)
	if h, ok := m.InterceptHeader(); ok && (len(out) != 1 || out[0] == KindInvalidVPRegister || out[0] == KindUnsupportedFeature || out[0] == KindAPICEOI ||
		unsafe.Pointer(h) != unsafe.Pointer(&m.payload)) {
		out = append(out, KindMalformed) // an intercept header without the view it belongs to: the tests fail
	}
	return out
}
