package engine

import (
	"encoding/binary"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// The linux-7.0 version answers with the codes, input and output values and
// parameter blocks of the Linux kernel's include/hyperv headers (the
// registry's linux-7.0 version), for the calls those headers give blocks
// for and the engine implements: what the mshv driver issues for a VMM
// (drivers/hv/mshv_root_main.c and mshv_root_hv_call.c @ 0ebac01a00be and
// 19c515c27cee): create, initialize, finalize and delete a partition, its
// properties, deposit and withdraw, GPA map and unmap, VPs and their
// registers, virtual interrupts; and ports and statistics pages.
//
// Each adapt step first checks the fields the headers mark reserved
// (rsvd_z*, reserved*), then the fields the 2013 layout has no room for and
// the sim does not model, which must be zero (VTLs, subnodes, doorbells):
// HV_STATUS_INVALID_PARAMETER before the call's own checks. Padding the
// headers mark as padding is not checked, as the 2013 handlers do not check
// theirs.

// linuxCreationFlags are the HV_PARTITION_CREATION_FLAG_* bits the headers
// define (include/hyperv/hvhdk.h:338-342 @ df40f32c87be); the mshv driver
// always sets EXO_PARTITION and INTERCEPT_MESSAGE_PAGE_ENABLED, and the
// others as its partition flags ask (mshv_root_main.c
// mshv_ioctl_create_partition). The sim records them and models none.
const linuxCreationFlags = linux70.PartitionCreationFlagGPASuperPagesEnabled | linux70.PartitionCreationFlagExoPartition |
	linux70.PartitionCreationFlagLapicEnabled | linux70.PartitionCreationFlagInterceptMessagePageEnabled |
	linux70.PartitionCreationFlagX2apicCapable

func linuxVersion() *Version {
	return buildVersion("linux-7.0", &linux70.Encoding, uint64(linux70.HypercallInputReservedMask), linux70.Hypercalls[:], linuxModel(), linuxUnmodelled)
}

// linuxModel is the calls the linux-7.0 version models: the 2013 handler of
// each, and the adapt step where the layouts differ.
func linuxModel() map[string]model {
	m := map[string]model{}
	same := func(linux, wdk string) { m[linux] = model{h: handlers[wdk]} }
	with := func(linux, wdk string, adapt func(*request) hv.Status) {
		m[linux] = model{h: handlers[wdk], adapt: adapt}
	}
	same("HVCALL_INITIALIZE_PARTITION", "HvCallInitializePartition")
	same("HVCALL_FINALIZE_PARTITION", "HvCallFinalizePartition")
	same("HVCALL_DELETE_PARTITION", "HvCallDeletePartition")
	same("HVCALL_GET_PARTITION_PROPERTY", "HvCallGetPartitionProperty")
	same("HVCALL_SET_PARTITION_PROPERTY", "HvCallSetPartitionProperty")
	same("HVCALL_GET_PARTITION_ID", "HvCallGetPartitionId")
	same("HVCALL_DEPOSIT_MEMORY", "HvCallDepositMemory")
	same("HVCALL_WITHDRAW_MEMORY", "HvCallWithdrawMemory")
	same("HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST", "HvCallFlushVirtualAddressList")
	with("HVCALL_CREATE_PARTITION", "HvCallCreatePartition", linuxCreatePartition)
	with("HVCALL_MAP_GPA_PAGES", "HvCallMapGpaPages", linuxMapGPAPages)
	with("HVCALL_UNMAP_GPA_PAGES", "HvCallUnmapGpaPages", linuxUnmapGPAPages)
	with("HVCALL_CREATE_VP", "HvCallCreateVp", tlfsCreateVP) // the TLFS layout: subnode type and id, then proximity and flags
	with("HVCALL_DELETE_VP", "HvCallDeleteVp", zeroBytes(0xc, 4))
	with("HVCALL_GET_VP_REGISTERS", "HvCallGetVpRegisters", zeroBytes(0xc, 4)) // input_vtl, rsvd_z8, rsvd_z16
	with("HVCALL_SET_VP_REGISTERS", "HvCallSetVpRegisters", zeroBytes(0xc, 4))
	with("HVCALL_ASSERT_VIRTUAL_INTERRUPT", "HvCallAssertVirtualInterrupt", zeroBytes(0x1c, 4)) // target_vtl, rsvd_z0, rsvd_z1
	with("HVCALL_CREATE_PORT", "HvCallCreatePort", zeroBytes(0xc, 2))                           // port_vtl, min_connection_vtl
	with("HVCALL_DELETE_PORT", "HvCallDeletePort", zeroBytes(0xc, 4))
	with("HVCALL_CONNECT_PORT", "HvCallConnectPort", linuxConnectPort)
	with("HVCALL_DISCONNECT_PORT", "HvCallDisconnectPort", zeroBytes(0xc, 4)) // is_doorbell and reserved
	with("HVCALL_MAP_STATS_PAGE", "HvCallMapStatsPage", linuxStatsPage(24, true))
	with("HVCALL_MAP_STATS_PAGE2", "HvCallMapStatsPage", linuxStatsPage(32, false)) // the caller names the GPA page, as in 2013
	with("HVCALL_UNMAP_STATS_PAGE", "HvCallUnmapStatsPage", linuxStatsPage(24, false))
	return m
}

// linuxUnmodelled says why the other linux-7.0 calls with parameter blocks
// are left out.
var linuxUnmodelled = map[string]string{
	"HVCALL_SEND_IPI":                  "the sim does not run guest code that takes IPIs",
	"HVCALL_SET_SYSTEM_PROPERTY":       "the sim has no system properties to set (profiler, crash dump area)",
	"HVCALL_GET_SYSTEM_PROPERTY":       "the sim has no system properties to read (the scheduler type, say)",
	"HVCALL_ADD_LOGICAL_PROCESSOR":     "the sim's logical processors are fixed by its Config",
	"HVCALL_MAP_DEVICE_INTERRUPT":      "the sim has no devices",
	"HVCALL_UNMAP_DEVICE_INTERRUPT":    "the sim has no devices",
	"HVCALL_NOTIFY_PARTITION_EVENT":    "the sim does not model partition events (crash dumps)",
	"HVCALL_ENTER_SLEEP_STATE":         "the sim does not model sleep states",
	"HVCALL_NOTIFY_PORT_RING_EMPTY":    "the sim's ports have no rings",
	"HVCALL_DISPATCH_VP":               "the sim does not run VPs (no root scheduler dispatch)",
	"HVCALL_MAP_VP_STATE_PAGE":         "the sim does not model VP state pages",
	"HVCALL_UNMAP_VP_STATE_PAGE":       "the sim does not model VP state pages",
	"HVCALL_GET_PARTITION_PROPERTY_EX": "the sim models the properties HVCALL_GET_PARTITION_PROPERTY reads only",
	"HVCALL_DISABLE_HYP_EX":            "the sim cannot hand the machine over to another kernel",
}

// linuxCreatePartition: hv_input_create_partition (include/hyperv/hvhdk.h:344
// @ df40f32c87be): flags at 0, proximity_domain_info at 8 (the 2013
// layout's first 16 bytes, bar the flags), compatibility_version at 0x10,
// partition_creation_properties at 0x18, isolation_properties at 0x30. The
// isolation properties' rsvd_z bits must be zero; the creation flags must be
// ones the headers define; the sim's machine has no SNP or TDX hardware, so
// the isolation type must be NONE, with no host type and no shared GPA
// boundary. The compatibility version and the disabled processor features
// are accepted and not modelled. The flags and the isolation properties go
// to the partition (linux70sim's Partition.CreationFlags and
// IsolationProperties).
func linuxCreatePartition(r *request) hv.Status {
	flags := binary.LittleEndian.Uint64(r.in)
	iso := linux70.PartitionIsolationProperties(binary.LittleEndian.Uint64(r.in[0x30:]))
	switch {
	case iso&linux70.PartitionIsolationPropertiesReservedMask != 0,
		flags&^linuxCreationFlags != 0,
		iso.IsolationType() != linux70.PartitionIsolationTypeNone, iso.IsolationHostType() != linux70.PartitionIsolationHostTypeNone,
		iso.SharedGPABoundaryPageNumber() != 0:
		return hv.StatusInvalidParameter
	}
	r.ext.creationFlags, r.ext.isolation = flags, uint64(iso)
	rewrite(r, 8, 8, 8) // Flags zero: the 2013 handler takes every flag as reserved
	return hv.StatusSuccess
}

// linuxMapFlags are the HV_MAP_GPA_* bits the sim models (hvhdk_mini.h:285-295
// @ 41362886881f): the permissions (either executable bit is the sim's
// execute access), no access (no permission bits with it), adjustable and
// not cached (accepted: the sim has no caches or permission changes to
// adjust), and large page (2 MB pages).
const linuxMapFlags = linux70.MapGPAPermissionsMask | linux70.MapGPAAdjustable | linux70.MapGPANoAccess |
	linux70.MapGPANotCached | linux70.MapGPALargePage

// linuxMapGPAPages: hv_input_map_gpa_pages has the 2013 offsets; its map
// flags are translated into the sim's three access bits.
func linuxMapGPAPages(r *request) hv.Status {
	f := binary.LittleEndian.Uint32(r.in[0x10:])
	var access hv.MapGPAFlags
	if f&linux70.MapGPAReadable != 0 {
		access |= hv.MapGPAReadable
	}
	if f&linux70.MapGPAWritable != 0 {
		access |= hv.MapGPAWritable
	}
	if f&linux70.MapGPAExecutable != 0 {
		access |= hv.MapGPAExecutable
	}
	if f&^linuxMapFlags != 0 || f&linux70.MapGPANoAccess != 0 && f&linux70.MapGPAPermissionsMask != 0 {
		return hv.StatusInvalidParameter
	}
	r.ext.largePages, r.ext.noAccess = f&linux70.MapGPALargePage != 0, f&linux70.MapGPANoAccess != 0
	r.ext.access, r.ext.accessSet = access, true // the rep list stays where it is: the handler takes the flags from here
	return hv.StatusSuccess
}

// linuxUnmapGPAPages: hv_input_unmap_gpa_pages is the 2013 input with
// unmap_flags at 0x10, of which HV_UNMAP_GPA_LARGE_PAGE
// (hvgdk_mini.h:1338 @ cf82dd5ea958) is the only one defined.
func linuxUnmapGPAPages(r *request) hv.Status {
	f := binary.LittleEndian.Uint32(r.in[0x10:])
	if f&^linux70.UnmapGPALargePage != 0 {
		return hv.StatusInvalidParameter
	}
	r.ext.largePages = f != 0
	return hv.StatusSuccess
}

// linuxConnectPort: hv_input_connect_port is the 2013 input with the VTL and
// rsvdz fields in its padding, a 32-byte hv_connection_info whose first 16
// bytes are the 2013 one's (the doorbell connection's trigger value and
// flags, which the sim does not model, come after them and must be zero),
// and a proximity domain at 0x40, ignored (one domain).
func linuxConnectPort(r *request) hv.Status {
	return zeroBytes(0xc, 4, 0x1c, 4, 0x30, 16)(r)
}

// linuxStatsPage adapts the statistics page calls, whose inputs are the
// 2013 layouts of that many bytes (hvhdk_mini.h:235-256 @ 41362886881f)
// except that the last byte of hv_stats_object_identity says which area of
// the object's statistics the call means (hv_stats_area_type: the
// partition's own, its parent's, or internal; the mshv driver maps a VP's
// self and parent areas). The sim keeps one page per object and shows it in
// every area; each area is mapped on its own. HVCALL_MAP_STATS_PAGE has the
// hypervisor choose the GPA page and return it in
// hv_output_map_stats_page's map_location (locate).
func linuxStatsPage(size int, locate bool) func(r *request) hv.Status {
	return func(r *request) hv.Status {
		rewrite(r, 0, 0, size)
		conv := (*[128]byte)(unsafe.Pointer(&r.conv))
		id, area := conv[8:24], conv[8+15]
		if area >= uint8(linux70.StatsAreaCount) {
			return hv.StatusInvalidParameter
		}
		// A partition's identity reserves bytes 8 to 14 (the 2013 layout
		// has its flags at 12).
		if linux70.StatsObjectType(binary.LittleEndian.Uint32(conv[:])) == linux70.StatsObjectPartition && binary.LittleEndian.Uint64(id[8:16])&^(0xff<<56) != 0 {
			return hv.StatusInvalidParameter
		}
		conv[8+15] = 0
		r.ext.statsArea, r.ext.outputLocation = area, locate
		return hv.StatusSuccess
	}
}
