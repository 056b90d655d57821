package engine

import (
	"encoding/binary"
	"unsafe"

	"github.com/hvgen/hvgen/generated/tlfs"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// The TLFS version of the sim answers the TLFS call codes (where a call
// moved, as HvCallAssertVirtualInterrupt did from 0x0055 to 0x0094, the old
// code is INVALID_HYPERCALL_CODE) with the TLFS input layouts, and models
// what both references describe. Inputs whose bytes match the 2013 layout
// go to the same handler; the others are rewritten into it. The sim models
// VTL 0 only: a TLFS field naming another VTL, and any field the sim does
// not model (creation properties, unmap flags, subnodes), must be zero, or
// the call fails with HV_STATUS_INVALID_PARAMETER before the 2013 checks.
// The HV_PARTITION_PRIVILEGE_MASK bits the handlers test sit at the same
// positions in both references (TestPrivilegeBitsAgree).

// sameBytes are the TLFS calls whose input is byte for byte the 2013 one.
var sameBytes = []string{
	"HvCallDepositMemory", "HvCallWithdrawMemory", "HvCallGetMemoryBalance", "HvCallMapSparseGpaPages",
	"HvCallInitializePartition", "HvCallFinalizePartition", "HvCallDeletePartition",
	"HvCallGetPartitionProperty", "HvCallSetPartitionProperty", "HvCallGetNextChildPartition",
	"HvCallDeleteVp", "HvCallDeletePort", "HvCallDisconnectPort", "HvCallPostMessage", "HvCallSignalEvent",
	"HvCallInstallIntercept", "HvCallNotifyLongSpinWait", "HvCallSwitchVirtualAddressSpace",
	"HvCallFlushVirtualAddressSpace", "HvCallFlushVirtualAddressList",
}

func tlfsVersion() *Version {
	return buildVersion("tlfs", &tlfs.Encoding, uint64(tlfs.HypercallInputReservedMask), tlfs.Hypercalls[:], tlfsModel(), tlfsUnmodelled)
}

func tlfsModel() map[string]model {
	m := map[string]model{}
	for _, n := range sameBytes {
		m[n] = model{h: handlers[n]}
	}
	// Same bytes as 2013 where the 2013 layout has padding, which the TLFS
	// uses for fields the sim requires to be zero.
	m["HvCallMapGpaPages"] = model{h: handlers["HvCallMapGpaPages"], adapt: zeroBytes(0x14, 4)}      // upper MapFlags
	m["HvCallUnmapGpaPages"] = model{h: handlers["HvCallUnmapGpaPages"], adapt: zeroBytes(0x10, 4)}  // UnmapFlags
	m["HvCallGetVpRegisters"] = model{h: handlers["HvCallGetVpRegisters"], adapt: zeroBytes(0xc, 4)} // target VTL
	m["HvCallSetVpRegisters"] = model{h: handlers["HvCallSetVpRegisters"], adapt: zeroBytes(0xc, 4)}
	m["HvCallConnectPort"] = model{h: handlers["HvCallConnectPort"], adapt: zeroBytes(0xc, 4, 0x1c, 4)} // VTL, reserved
	m["HvCallMapStatsPage2"] = model{h: handlers["HvCallMapStatsPage"], adapt: zeroBytes(0x4, 4)}
	m["HvCallAssertVirtualInterrupt"] = model{h: handlers["HvCallAssertVirtualInterrupt"], adapt: zeroBytes(0x1c, 4)}
	m["HvCallCreatePartition"] = model{h: handlers["HvCallCreatePartition"], adapt: tlfsCreatePartition}
	m["HvCallCreateVp"] = model{h: handlers["HvCallCreateVp"], adapt: tlfsCreateVP}
	m["HvCallCreatePort"] = model{h: handlers["HvCallCreatePort"], adapt: tlfsCreatePort}
	m["HvCallTranslateVirtualAddress"] = model{h: handlers["HvCallTranslateVirtualAddress"], adapt: tlfsTranslate}
	m["HvCallUnmapStatsPage"] = model{h: handlers["HvCallUnmapStatsPage"], adapt: tlfsUnmapStatsPage}
	return m
}

// tlfsUnmodelled says why the other TLFS calls are left out.
var tlfsUnmodelled = map[string]string{
	"HvCallCheckForIoIntercept":            "the sim does not model the intercept result registration this call queries",
	"HvCallRegisterInterceptResult":        "the sim does not model intercept result registration",
	"HvCallUnregisterInterceptResult":      "the sim does not model intercept result registration",
	"HvCallInstallInterceptEx":             "the sim models only the 2013 intercept types",
	"HvCallEnablePartitionVtl":             "the sim models VTL 0 only",
	"HvCallEnableVpVtl":                    "the sim models VTL 0 only",
	"HvCallModifyVtlProtectionMask":        "the sim models VTL 0 only",
	"HvCallVtlCall":                        "the sim models VTL 0 only",
	"HvCallVtlReturn":                      "the sim models VTL 0 only",
	"HvCallFlushGuestPhysicalAddressSpace": "the sim keeps no second-level translation cache",
	"HvCallFlushGuestPhysicalAddressList":  "the sim keeps no second-level translation cache",
	"HvCallFlushVirtualAddressSpaceEx":     "the sim does not model sparse VP sets (HV_VP_SET)",
	"HvCallFlushVirtualAddressListEx":      "the sim does not model sparse VP sets (HV_VP_SET)",
	"HvCallSendSyntheticClusterIpiEx":      "the sim does not model sparse VP sets (HV_VP_SET)",
	"HvCallGetVpSetFromMda":                "the sim does not model sparse VP sets (HV_VP_SET)",
	"HvCallSendSyntheticClusterIpi":        "the sim does not run guest code that takes IPIs",
	"HvCallRetargetDeviceInterrupt":        "the sim has no devices",
	"HvCallSetVirtualInterruptTarget":      "the sim has no devices",
	"HvCallGetVpCpuidValues":               "the sim does not model CPUID",
	"HvCallMapVpStatePage":                 "the sim does not model VP state pages",
	"HvCallUnmapVpStatePage":               "the sim does not model VP state pages",
	"HvCallModifySparseGpaPages":           "the sim models only the 2013 map flags",
	"HvCallSetPartitionPropertyEx":         "the sim models only the 2013 partition properties",
	"HvCallPostMessageDirect":              "the sim models messages through ports only",
	"HvCallSignalEventDirect":              "the sim models events through ports only",
	"HvCallTranslateVirtualAddressEx":      "the sim models the 2013 translation output only",
	"HvCallStartVirtualProcessor":          "its statuses include HV_STATUS_INVALID_VP_STATE and others the TLFS gives no number for, which the sim cannot return",
	"HvCallGetVpIndexFromApicId":           "its statuses include HV_STATUS_INVALID_VP_STATE and others the TLFS gives no number for, which the sim cannot return",
	"HvExtCallQueryCapabilities":           "the sim has no extended hypercall interface",
	"HvExtCallGetBootZeroedMemory":         "the sim has no extended hypercall interface",
	"HvExtCallEpfSetup":                    "the sim has no extended hypercall interface",
	"HvExtCallMemoryHeatHint":              "the sim has no extended hypercall interface",
	"HvExtCallMemoryHeatHintAsync":         "the sim has no extended hypercall interface",
}

// zeroBytes requires byte ranges (offset, length pairs) of the input to be zero.
func zeroBytes(ranges ...int) func(r *request) hv.Status {
	return func(r *request) hv.Status {
		for i := 0; i < len(ranges); i += 2 {
			for _, b := range r.in[ranges[i] : ranges[i]+ranges[i+1]] {
				if b != 0 {
					return hv.StatusInvalidParameter
				}
			}
		}
		return hv.StatusSuccess
	}
}

// rewrite copies byte ranges (from, to, length triples) of the TLFS input
// into the request's conversion block and makes that the input.
func rewrite(r *request, moves ...int) {
	clear(r.conv[:])
	conv := unsafe.Slice((*byte)(unsafe.Pointer(&r.conv)), unsafe.Sizeof(r.conv))
	for i := 0; i < len(moves); i += 3 {
		copy(conv[moves[i+1]:moves[i+1]+moves[i+2]], r.in[moves[i]:moves[i]+moves[i+2]])
	}
	r.in = conv
}

// tlfsCreatePartition: Flags and ProximityDomainInfo keep their offsets; the
// compatibility version and creation properties are accepted and not
// modelled; the padding and ReservedZ0 (the last 8 bytes) must be zero.
func tlfsCreatePartition(r *request) hv.Status {
	if st := zeroBytes(0x14, 4, int(r.call.d.InputSize)-8, 8)(r); st != hv.StatusSuccess {
		return st
	}
	rewrite(r, 0, 0, 16)
	return hv.StatusSuccess
}

// tlfsCreateVP: PartitionId and VpIndex stay; ProximityDomainInfo moves from
// 0x18 to 0x10 and Flags from 0x20 to 0x18; the subnode fields must be zero.
func tlfsCreateVP(r *request) hv.Status {
	if st := zeroBytes(0xc, 12)(r); st != hv.StatusSuccess {
		return st
	}
	rewrite(r, 0, 0, 12, 0x18, 0x10, 8, 0x20, 0x18, 8)
	return hv.StatusSuccess
}

// tlfsCreatePort: the 2013 layout up to PortInfo, with the VTL fields in the
// 2013 padding; the proximity domain at 0x30 is ignored (one domain).
func tlfsCreatePort(r *request) hv.Status {
	return zeroBytes(0xc, 4)(r)
}

// tlfsTranslate: ControlFlags grows to 8 bytes at 0x10 (its top byte the
// input VTL) and GvaPage moves to 0x18. Bits of the upper half land on a bit
// the 2013 handler rejects, so its check order is kept.
func tlfsTranslate(r *request) hv.Status {
	flags := binary.LittleEndian.Uint64(r.in[0x10:])
	rewrite(r, 0, 0, 12, 0x18, 0x10, 8)
	low := uint32(flags)
	if flags>>32 != 0 {
		low |= 1 << 31
	}
	r.conv[1] = uint64(uint32(r.conv[1])) | uint64(low)<<32
	return hv.StatusSuccess
}

// tlfsUnmapStatsPage: the identity sits at offset 4, not 8.
func tlfsUnmapStatsPage(r *request) hv.Status {
	rewrite(r, 0, 0, 4, 4, 8, 16)
	return hv.StatusSuccess
}
