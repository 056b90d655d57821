package layout

import (
	"os"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

// refLayout is a layout fact as a reference document states it.
type refLayout struct {
	version string
	typ     string
	member  string // dotted path through nested members; "" for the type itself
	offset  int64
	size    int64
	ref     string // where the fact is stated
}

// referenceLayouts are offsets and sizes copied from the reference documents'
// parameter tables and structure definitions (not from the registry), so the
// registry and the layout engine are checked against an independent source.
var referenceLayouts = []refLayout{
	{"wdk-2013", "HV_INPUT_INITIALIZE_EVENT_LOG_BUFFER_GROUP", "", 0, 24, "HvInitializeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_INITIALIZE_EVENT_LOG_BUFFER_GROUP", "Type", 0, 4, "HvInitializeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_INITIALIZE_EVENT_LOG_BUFFER_GROUP", "MaximumBufferCount", 4, 4, "HvInitializeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_INITIALIZE_EVENT_LOG_BUFFER_GROUP", "BufferPages", 8, 4, "HvInitializeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_INITIALIZE_EVENT_LOG_BUFFER_GROUP", "Threshold", 12, 4, "HvInitializeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_INITIALIZE_EVENT_LOG_BUFFER_GROUP", "TimeBasis", 16, 4, "HvInitializeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_FINALIZE_EVENT_LOG_BUFFER_GROUP", "Type", 0, 4, "HvFinalizeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_FINALIZE_EVENT_LOG_BUFFER_GROUP", "", 0, 8, "HvFinalizeEventLogBufferGroup.txt"},
	{"wdk-2013", "HV_INPUT_CREATE_EVENT_LOG_BUFFER", "BufferIndex", 4, 4, "HvCreateEventLogBuffer.txt"},
	{"wdk-2013", "HV_INPUT_CREATE_EVENT_LOG_BUFFER", "ProximityInfo", 8, 8, "HvCreateEventLogBuffer.txt"},
	{"wdk-2013", "HV_INPUT_DELETE_EVENT_LOG_BUFFER", "BufferIndex", 4, 4, "HvDeleteEventLogBuffer.txt"},
	{"wdk-2013", "HV_INPUT_MAP_EVENT_LOG_BUFFER", "BufferIndex", 4, 4, "HvMapEventLogBuffer.txt"},
	{"wdk-2013", "HV_INPUT_UNMAP_EVENT_LOG_BUFFER", "", 0, 8, "HvUnmapEventLogBuffer.txt"},
	{"wdk-2013", "HV_INPUT_SET_EVENT_LOG_GROUP_SOURCES", "EnableFlags", 8, 8, "HvSetEventLogGroupSources.txt"},
	{"wdk-2013", "HV_INPUT_RELEASE_EVENT_LOG_BUFFER", "BufferIndex", 4, 4, "HvReleaseEventLogBuffer.txt"},
	{"wdk-2013", "HV_INPUT_FLUSH_EVENT_LOG_BUFFER", "BufferIndex", 4, 4, "HvFlushEventLogBuffer.txt"},
	{"wdk-2013", "HV_EVENTLOG_MESSAGE_PAYLOAD", "EventLogType", 0, 4, "concept-Event-Log-Buffers-Ready-Message.txt"},
	{"wdk-2013", "HV_EVENTLOG_MESSAGE_PAYLOAD", "BufferIndex", 4, 4, "concept-Event-Log-Buffers-Ready-Message.txt"},
	{"wdk-2013", "HV_INPUT_MAP_STATS_PAGE", "", 0, 32, "HvMapStatsPage.txt"},
	{"wdk-2013", "HV_INPUT_MAP_STATS_PAGE", "StatsType", 0, 4, "HvMapStatsPage.txt"},
	{"wdk-2013", "HV_INPUT_MAP_STATS_PAGE", "ObjectIdentity", 8, 16, "HvMapStatsPage.txt"},
	{"wdk-2013", "HV_INPUT_MAP_STATS_PAGE", "TargetGpaPage", 24, 8, "HvMapStatsPage.txt"},
	{"wdk-2013", "HV_INPUT_UNMAP_STATS_PAGE", "ObjectIdentity", 8, 16, "HvUnmapStatsPage.txt"},
	{"wdk-2013", "HV_STATS_OBJECT_IDENTITY", "", 0, 16, "concept-Statistics-Data-Types.txt (16-byte identity)"},
	{"wdk-2013", "HV_STATISTICS_GROUP_HEADER", "", 0, 8, "concept-Hypervisor-Statistics-Counter-Definition.txt (slot 0)"},
	{"wdk-2013", "HV_STATISTICS_GROUP_VERSION", "Minor", 0, 2, "HV_STATISTICS_GROUP_VERSION.txt"},
	{"wdk-2013", "HV_STATISTICS_GROUP_VERSION", "Major", 2, 2, "HV_STATISTICS_GROUP_VERSION.txt"},
	{"wdk-2013", "HV_STATS_PAGE", "", 0, 4096, "HV_STATS_PAGE.txt (HV_PAGE_SIZE/8 UINT64)"},
	// Partitions.
	{"wdk-2013", "HV_INPUT_CREATE_PARTITION", "Flags", 0, 8, "HvCreatePartition.txt"},
	{"wdk-2013", "HV_INPUT_CREATE_PARTITION", "ProximityDomainInfo", 8, 8, "HvCreatePartition.txt"},
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "CompatibilityVersion", 16, 4, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "Properties.DisabledProcessorFeatures", 24, 16, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "Properties.DisabledProcessorXsaveFeatures", 40, 8, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "ReservedZ0", 48, 8, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "", 0, 56, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_PARTITION_CREATION_PROPERTIES_ARM64", "", 0, 16, "hypercalls/HvCallCreatePartition.md"},
	{"wdk-2013", "HV_INPUT_INVOKE_HYPERVISOR_DEBUGGER", "SupplementalCode", 8, 8, "HvInvokeHypervisorDebugger.txt"},
	{"wdk-2013", "HV_INPUT_POST_DEBUG_DATA", "Count", 0, 4, "HvPostDebugData.txt"},
	{"wdk-2013", "HV_INPUT_POST_DEBUG_DATA", "Options", 4, 4, "HvPostDebugData.txt"},
	{"wdk-2013", "HV_OUTPUT_POST_DEBUG_DATA", "", 0, 8, "HvPostDebugData.txt"},
	{"wdk-2013", "HV_INPUT_RESET_DEBUG_SESSION", "", 0, 8, "HvResetDebugSession.txt"},
	{"wdk-2013", "HV_INPUT_SET_SYSTEM_PROPERTY", "Property.SetPerfCounter.EventType", 8, 2, "HvSetSystemProperty.txt"},
	{"wdk-2013", "HV_INPUT_SET_SYSTEM_PROPERTY", "Property.SetPerfCounter.Period", 16, 8, "HvSetSystemProperty.txt"},
	{"wdk-2013", "HV_OUTPUT_CREATE_PARTITION", "NewPartitionId", 0, 8, "HvCreatePartition.txt"},
	{"wdk-2013", "HV_INPUT_GET_PARTITION_PROPERTY", "PropertyCode", 8, 4, "HvGetPartitionProperty.txt"},
	{"wdk-2013", "HV_OUTPUT_GET_PARTITION_PROPERTY", "PropertyValue", 0, 8, "HvGetPartitionProperty.txt"},
	{"wdk-2013", "HV_INPUT_SAVE_PARTITION_STATE", "Flags", 8, 4, "HvSavePartitionState.txt"},
	{"wdk-2013", "HV_INPUT_RETRIEVE_DEBUG_DATA", "Timeout", 8, 8, "HvRetrieveDebugData.txt"},
	{"wdk-2013", "HV_OUTPUT_RETRIEVE_DEBUG_DATA", "RemainingCount", 4, 4, "HvRetrieveDebugData.txt"},
	{"tlfs", "HV_INPUT_SET_PARTITION_PROPERTY_EX", "PropertyCode", 8, 4, "hypercalls/HvCallSetPartitionPropertyEx.md"},
	// Memory.
	{"wdk-2013", "HV_INPUT_MAP_GPA_PAGES", "TargetGpaBase", 8, 8, "HvMapGpaPages.txt"},
	{"wdk-2013", "HV_INPUT_MAP_GPA_PAGES", "MapFlags", 16, 4, "HvMapGpaPages.txt"},
	{"wdk-2013", "HV_INPUT_DEPOSIT_MEMORY", "PartitionId", 0, 8, "HvDepositMemory.txt"},
	{"wdk-2013", "HV_OUTPUT_GET_MEMORY_BALANCE", "PagesInUse", 8, 8, "HvGetMemoryBalance.txt"},
	{"wdk-2013", "HV_INPUT_READ_GPA", "ByteCount", 12, 4, "HvReadGpa.txt"},
	{"wdk-2013", "HV_INPUT_READ_GPA", "ControlFlags", 24, 8, "HvReadGpa.txt"},
	// Virtual processors.
	{"wdk-2013", "HV_INPUT_CREATE_VP", "ProximityDomainInfo", 16, 8, "HvCreateVp.txt"},
	{"wdk-2013", "HV_INPUT_CREATE_VP", "Flags", 24, 8, "HvCreateVp.txt"},
	{"wdk-2013", "HV_INPUT_DELETE_VP", "VpIndex", 8, 4, "HvDeleteVp.txt"},
	{"wdk-2013", "HV_INPUT_GET_VP_REGISTERS", "VpIndex", 8, 4, "HvGetVpRegisters.txt"},
	{"wdk-2013", "HV_OUTPUT_GET_LOGICAL_PROCESSOR_RUN_TIME", "HypervisorTime", 24, 8, "HvGetLogicalProcessorRunTime.txt"},
	{"tlfs", "HV_INPUT_SET_VP_REGISTERS", "TargetVtl", 12, 1, "hypercalls/HvCallSetVpRegisters.md"},
	{"tlfs", "HV_INPUT_START_VIRTUAL_PROCESSOR", "VpContext", 16, 224, "hypercalls/HvCallStartVirtualProcessor.md"},
	{"tlfs", "HV_INPUT_GET_VP_CPUID_VALUES", "Flags", 12, 4, "hypercalls/HvCallGetVpCpuidValues.md"},
	{"tlfs", "HV_INPUT_MAP_VP_STATE_PAGE", "RequestedMapLocation", 16, 8, "hypercalls/HvCallMapVpStatePage.md"},
	{"tlfs", "HV_INPUT_MAP_VP_STATE_PAGE", "InputVtl", 14, 1, "hypercalls/HvCallMapVpStatePage.md"},
	// Virtual MMU.
	{"wdk-2013", "HV_INPUT_TRANSLATE_VIRTUAL_ADDRESS", "GvaPage", 16, 8, "HvTranslateVirtualAddress.txt"},
	{"wdk-2013", "HV_OUTPUT_TRANSLATE_VIRTUAL_ADDRESS", "GpaPage", 8, 8, "HvTranslateVirtualAddress.txt"},
	{"tlfs", "HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE_EX", "ProcessorSet", 16, 16, "hypercalls/HvCallFlushVirtualAddressSpaceEx.md (fixed part)"},
	// Messaging.
	{"wdk-2013", "HV_INPUT_POST_MESSAGE", "MessageType", 8, 4, "HvPostMessage.txt"},
	{"wdk-2013", "HV_INPUT_POST_MESSAGE", "Message", 16, 240, "HvPostMessage.txt"},
	{"wdk-2013", "HV_INPUT_CREATE_PORT", "PortInfo", 24, 24, "HvCreatePort.txt (PortTypeInfo in its table, PortInfo in its syntax)"},
	// The prototype's reading (HV_SYNIC_SINT_INDEX, HV_MESSAGE_SIZE); the page's table says 13/1 and 16/240.
	{"tlfs", "HV_INPUT_POST_MESSAGE_DIRECT", "SintIndex", 16, 4, "hypercalls/HvCallPostMessageDirect.md (prototype)"},
	{"tlfs", "HV_INPUT_POST_MESSAGE_DIRECT", "Message", 20, 256, "hypercalls/HvCallPostMessageDirect.md (prototype)"},
	{"tlfs", "HV_INPUT_POST_MESSAGE_DIRECT", "", 0, 280, "hypercalls/HvCallPostMessageDirect.md (prototype)"},
	// Intercepts.
	{"wdk-2013", "HV_INPUT_INSTALL_INTERCEPT", "InterceptParameter", 16, 8, "HvInstallIntercept.txt"},
	// Interrupts and VSM.
	{"wdk-2013", "HV_INPUT_ASSERT_VIRTUAL_INTERRUPT", "DestinationAddress", 16, 8, "HvAssertVirtualInterrupt.txt"},
	{"wdk-2013", "HV_INPUT_ASSERT_VIRTUAL_INTERRUPT", "RequestedVector", 24, 4, "HvAssertVirtualInterrupt.txt"},
	{"tlfs", "HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI", "TargetVtl", 4, 1, "hypercalls/HvCallSendSyntheticClusterIpi.md"},
	{"tlfs", "HV_INPUT_MODIFY_VTL_PROTECTION_MASK", "TargetVtl", 12, 1, "hypercalls/HvCallModifyVtlProtectionMask.md"},
	{"tlfs", "HV_INPUT_ENABLE_PARTITION_VTL", "Flags", 9, 1, "hypercalls/HvCallEnablePartitionVtl.md"},
	{"tlfs", "HV_INPUT_GET_VP_INDEX_FROM_APIC_ID", "TargetVtl", 8, 1, "hypercalls/HvCallGetVpIndexFromApicId.md"},
	{"tlfs", "HV_INPUT_MAP_STATS_PAGE2", "StatsType", 0, 4, "hypercalls/HvCallMapStatsPage2.md"},
	{"tlfs", "HV_INPUT_MAP_STATS_PAGE2", "Reserved", 4, 4, "hypercalls/HvCallMapStatsPage2.md"},
	{"tlfs", "HV_INPUT_MAP_STATS_PAGE2", "ObjectIdentity", 8, 16, "hypercalls/HvCallMapStatsPage2.md"},
	{"tlfs", "HV_INPUT_MAP_STATS_PAGE2", "MapLocation", 24, 8, "hypercalls/HvCallMapStatsPage2.md"},
	{"tlfs", "HV_INPUT_UNMAP_STATS_PAGE", "StatsType", 0, 4, "hypercalls/HvCallUnmapStatsPage.md"},
	{"tlfs", "HV_INPUT_UNMAP_STATS_PAGE", "ObjectIdentity", 4, 16, "hypercalls/HvCallUnmapStatsPage.md"},
}

func loadRegistry(t testing.TB) *spec.Registry {
	t.Helper()
	r, err := spec.Load(os.DirFS(".."), "spec")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// find walks a dotted member path (anonymous members are looked through) and
// returns the member with its offset from the start of l.
func find(l *Type, path string) *Field {
	var cur *Field
	var base int64
	for _, name := range strings.Split(path, ".") {
		cur = lookup(l, name)
		if cur == nil {
			return nil
		}
		base += cur.Offset
		l = cur.Elem
	}
	return &Field{Spec: cur.Spec, Offset: base, Size: cur.Size, Elem: cur.Elem}
}

func lookup(l *Type, name string) *Field {
	for _, f := range l.Fields {
		if f.Spec.Name == name {
			return f
		}
		if f.Spec.Name == "" && f.Elem != nil {
			if inner := lookup(f.Elem, name); inner != nil {
				return &Field{Spec: inner.Spec, Offset: f.Offset + inner.Offset, Size: inner.Size, Elem: inner.Elem}
			}
		}
	}
	return nil
}

// referenceLayoutsARM64 are the ARM64 tables of the pages that give one
// table per architecture (referenceLayouts holds their x64 tables).
var referenceLayoutsARM64 = []refLayout{
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "Properties.DisabledProcessorFeatures", 24, 16, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "ReservedZ0", 40, 8, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_INPUT_CREATE_PARTITION", "", 0, 48, "hypercalls/HvCallCreatePartition.md"},
	{"tlfs", "HV_INPUT_START_VIRTUAL_PROCESSOR", "VpContext", 16, 72, "hypercalls/HvCallStartVirtualProcessor.md"},
	{"tlfs", "HV_INPUT_ENABLE_VP_VTL", "VpVtlContext", 16, 72, "hypercalls/HvCallEnableVpVtl.md"},
	{"tlfs", "HV_INPUT_GET_VP_INDEX_FROM_APIC_ID_ELEMENT", "ProcessorHwId", 0, 8, "hypercalls/HvCallGetVpIndexFromApicId.md"},
}

func TestReferenceLayouts(t *testing.T) {
	r := loadRegistry(t)
	types := map[string]bool{}
	for _, c := range referenceLayouts {
		types[c.version+" "+c.typ] = true
	}
	if len(types) < 40 {
		t.Errorf("the table covers %d layouts; keep at least 40 across the areas", len(types))
	}
	checkReference(t, r, X64, referenceLayouts)
	checkReference(t, r, ARM64, referenceLayoutsARM64)
}

func checkReference(t *testing.T, r *spec.Registry, arch Arch, table []refLayout) {
	t.Helper()
	results := map[string]*Result{}
	for _, v := range r.VersionNames() {
		res, errs := compute(r.View(v), arch, true)
		if len(errs) > 0 {
			t.Fatalf("%s on %s: %v", v, arch.Name, errs)
		}
		results[v] = res
	}
	for _, c := range table {
		l := results[c.version].Types[c.typ]
		if l == nil {
			t.Errorf("%s %s on %s: no such type (%s)", c.version, c.typ, arch.Name, c.ref)
			continue
		}
		if c.member == "" {
			if l.Size != c.size {
				t.Errorf("%s %s on %s: size %d, reference says %d (%s)", c.version, c.typ, arch.Name, l.Size, c.size, c.ref)
			}
			continue
		}
		f := find(l, c.member)
		switch {
		case f == nil:
			t.Errorf("%s %s: no member %s (%s)", c.version, c.typ, c.member, c.ref)
		case f.Offset != c.offset || f.Size != c.size:
			t.Errorf("%s %s.%s on %s: offset %d size %d, reference says offset %d size %d (%s)",
				c.version, c.typ, c.member, arch.Name, f.Offset, f.Size, c.offset, c.size, c.ref)
		}
	}
}

// The hypercall input value's bit ranges, from HV_X64_HYPERCALL_INPUT.txt.
func TestHypercallInputBits(t *testing.T) {
	r := loadRegistry(t).View("wdk-2013")
	ty := r.Type("HV_X64_HYPERCALL_INPUT")
	if ty == nil {
		t.Fatal("HV_X64_HYPERCALL_INPUT missing")
	}
	want := map[string][2]int{"CallCode": {0, 16}, "IsFast": {16, 1}, "CountOfElements": {32, 12}, "RepStartIndex": {48, 12}}
	for _, b := range ty.Bits {
		if w, ok := want[b.Name]; ok {
			if b.Bit != w[0] || b.Width != w[1] {
				t.Errorf("%s: bit %d width %d, reference says bit %d width %d", b.Name, b.Bit, b.Width, w[0], w[1])
			}
			delete(want, b.Name)
		}
	}
	for n := range want {
		t.Errorf("bit range %s missing", n)
	}
}
