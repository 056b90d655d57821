package main

import (
	"encoding/json"
	"slices"
	"testing"
)

// The hypercalls and types the two references' INDEX.md files list (copied
// here: tests never read ../shared). The registry must hold every one of them,
// in the version whose documents list it.
var (
	wdkIndexCalls = []string{
		"HvCallSwitchVirtualAddressSpace", "HvCallFlushVirtualAddressSpace", "HvCallFlushVirtualAddressList",
		"HvCallGetLogicalProcessorRunTime", "HvCallNotifyLongSpinWait", "HvCallParkLogicalProcessors",
		"HvCallInvokeHypervisorDebugger", "HvCallCreatePartition", "HvCallInitializePartition",
		"HvCallFinalizePartition", "HvCallDeletePartition", "HvCallGetPartitionProperty",
		"HvCallSetPartitionProperty", "HvCallGetPartitionId", "HvCallGetNextChildPartition", "HvCallDepositMemory",
		"HvCallWithdrawMemory", "HvCallGetMemoryBalance", "HvCallMapGpaPages", "HvCallUnmapGpaPages",
		"HvCallInstallIntercept", "HvCallCreateVp", "HvCallDeleteVp", "HvCallGetVpRegisters",
		"HvCallSetVpRegisters", "HvCallTranslateVirtualAddress", "HvCallReadGpa", "HvCallWriteGpa",
		"HvCallAssertVirtualInterrupt", "HvCallClearVirtualInterrupt", "HvCallCreatePort", "HvCallDeletePort",
		"HvCallConnectPort", "HvCallGetPortProperty", "HvCallDisconnectPort", "HvCallPostMessage",
		"HvCallSignalEvent", "HvCallSavePartitionState", "HvCallRestorePartitionState",
		"HvCallInitializeEventLogBufferGroup", "HvCallFinalizeEventLogBufferGroup", "HvCallCreateEventLogBuffer",
		"HvCallDeleteEventLogBuffer", "HvCallMapEventLogBuffer", "HvCallUnmapEventLogBuffer",
		"HvCallSetEventLogGroupSources", "HvCallReleaseEventLogBuffer", "HvCallFlushEventLogBuffer",
		"HvCallPostDebugData", "HvCallRetrieveDebugData", "HvCallResetDebugSession", "HvCallMapStatsPage",
		"HvCallUnmapStatsPage", "HvCallMapSparseGpaPages", "HvCallSetSystemProperty", "HvCallSetPortProperty",
	}
	wdkIndexTypes = []string{
		"HV_ACCESS_GPA_CONTROL_FLAGS", "HV_ACCESS_GPA_RESULT", "HV_ACCESS_GPA_RESULT_CODE", "HV_CACHE_TYPE",
		"HV_CALL_CODE", "HV_CONNECTION_INFO", "HV_CPUID_FUNCTION", "HV_CPUID_RESULT", "HV_CPU_COUNTER",
		"HV_CRASHDUMP_AREA", "HV_CRASHDUMP_AREA_V1", "HV_CRASHDUMP_PROCESSOR_STATE", "HV_EMULATED_TIMER_CONTROL",
		"HV_EMULATED_TIMER_PERIOD", "HV_EVENTLOG_BUFFER_HEADER", "HV_EVENTLOG_BUFFER_STATE",
		"HV_EVENTLOG_ENTRY_HEADER", "HV_EVENTLOG_ENTRY_TIME_BASIS", "HV_EVENTLOG_MESSAGE_PAYLOAD",
		"HV_EVENTLOG_TYPE", "HV_EXPLICIT_SUSPEND_REGISTER", "HV_GPA_MAPPING", "HV_GUEST_OS_MICROSOFT_IDS",
		"HV_GUEST_OS_VENDOR", "HV_GVA_RANGE", "HV_HYPERVISOR_COUNTER", "HV_HYPERVISOR_INTERFACE",
		"HV_HYPERVISOR_VERSION_INFO", "HV_INPUT_SET_SYSTEM_PROPERTY", "HV_INTERCEPT_DESCRIPTOR",
		"HV_INTERCEPT_PARAMETERS", "HV_INTERCEPT_SUSPEND_REGISTER", "HV_INTERCEPT_TYPE", "HV_INTERRUPT_CONTROL",
		"HV_INTERRUPT_TYPE", "HV_MEMORY_RANGE_INFO", "HV_MESSAGE", "HV_MESSAGE_FLAGS", "HV_MESSAGE_HEADER",
		"HV_MESSAGE_PAGE", "HV_MESSAGE_TYPE", "HV_MONITOR_PAGE", "HV_MONITOR_PARAMETER", "HV_MONITOR_TRIGGER_GROUP",
		"HV_MONITOR_TRIGGER_STATE", "HV_PARTITION_PRIVILEGE_MASK", "HV_PARTITION_PROCESSOR_FEATURES",
		"HV_PARTITION_PROCESSOR_XSAVE_FEATURES", "HV_PARTITION_PROPERTY_CODE", "HV_PM_TIMER_INFO", "HV_PORT_INFO",
		"HV_PORT_PROPERTY_CODE", "HV_PORT_TYPE", "HV_PROCESSOR_INFO", "HV_PROCESSOR_VENDOR", "HV_PROCESS_COUNTER",
		"HV_PROFILE_SOURCE", "HV_PROXIMITY_DOMAIN_FLAGS", "HV_PROXIMITY_DOMAIN_INFO", "HV_REFERENCE_TSC_PAGE",
		"HV_REGISTER_NAME", "HV_REGISTER_VALUE", "HV_SAVE_RESTORE_STATE_RESULT", "HV_STATISTICS_GROUP_HEADER",
		"HV_STATISTICS_GROUP_VERSION", "HV_STATS_OBJECT_IDENTITY", "HV_STATS_OBJECT_TYPE", "HV_STATS_PAGE",
		"HV_ST_MAP_LOCATION", "HV_SYNIC_EVENT_FLAGS", "HV_SYNIC_EVENT_FLAGS_PAGE", "HV_SYNIC_SCONTROL",
		"HV_SYNIC_SIEFP", "HV_SYNIC_SIMP", "HV_SYNIC_SINT", "HV_SYSTEM_PROPERTY", "HV_THREAD_COUNTER",
		"HV_TIMER_MESSAGE_PAYLOAD", "HV_TRANSLATE_GVA_RESULT", "HV_TRANSLATE_GVA_RESULT_CODE",
		"HV_VIRTUAL_APIC_ASSIST", "HV_VP_CONTEXT", "HV_X64_APIC_EOI_MESSAGE", "HV_X64_CONTEXT",
		"HV_X64_CPUID_INTERCEPT_MESSAGE", "HV_X64_EXCEPTION_INFO", "HV_X64_EXCEPTION_INTERCEPT_MESSAGE",
		"HV_X64_FP_CONTROL_STATUS_REGISTER", "HV_X64_FP_MMX_REGISTER", "HV_X64_FP_REGISTER", "HV_X64_FX_REGISTERS",
		"HV_X64_HYPERCALL_INPUT", "HV_X64_HYPERCALL_OUTPUT", "HV_X64_INTERCEPT_MESSAGE_HEADER",
		"HV_X64_INTERRUPT_STATE_REGISTER", "HV_X64_INVALID_VP_REGISTER_MESSAGE", "HV_X64_IO_PORT_ACCESS_INFO",
		"HV_X64_IO_PORT_INTERCEPT_MESSAGE", "HV_X64_LEGACY_FP_ERROR_MESSAGE", "HV_X64_MEMORY_ACCESS_INFO",
		"HV_X64_MEMORY_INTERCEPT_MESSAGE", "HV_X64_MSR_APIC_ASSIST_CONTENTS", "HV_X64_MSR_GUEST_OS_ID_CONTENTS",
		"HV_X64_MSR_HYPERCALL_CONTENTS", "HV_X64_MSR_INTERCEPT_MESSAGE", "HV_X64_MSR_POWER_STATE_CONFIG",
		"HV_X64_MSR_POWER_STATE_TRIGGER", "HV_X64_MSR_REFERENCE_TSC_CONTENTS", "HV_X64_MSR_RESET_CONTENTS",
		"HV_X64_MSR_STIMER_CONFIG_CONTENTS", "HV_X64_PENDING_INTERRUPTION_REGISTER",
		"HV_X64_PENDING_INTERRUPTION_TYPE", "HV_X64_POWER_CHANGE_METHOD", "HV_X64_SEGMENT_REGISTER",
		"HV_X64_TABLE_REGISTER", "HV_X64_UNRECOVERABLE_EXCEPTION_MESSAGE", "HV_X64_UNSUPPORTED_FEATURE_CODE",
		"HV_X64_UNSUPPORTED_FEATURE_MESSAGE", "HV_X64_VP_EXECUTION_STATE", "HV_X64_XMM_CONTROL_STATUS_REGISTER",
		"HV_X64_XSAVE_HEADER", "HV_X64_XSAVE_XFEM_REGISTER", "HV_X64_X_REGISTERS",
	}
	tlfsIndexCalls = []string{
		"HvCallSwitchVirtualAddressSpace", "HvCallFlushVirtualAddressSpace", "HvCallFlushVirtualAddressList",
		"HvCallNotifyLongSpinWait", "HvCallSendSyntheticClusterIpi", "HvCallModifyVtlProtectionMask",
		"HvCallEnablePartitionVtl", "HvCallEnableVpVtl", "HvCallVtlCall", "HvCallVtlReturn",
		"HvCallFlushVirtualAddressSpaceEx", "HvCallFlushVirtualAddressListEx", "HvCallSendSyntheticClusterIpiEx",
		"HvCallCreatePartition", "HvCallInitializePartition", "HvCallFinalizePartition", "HvCallDeletePartition",
		"HvCallGetPartitionProperty", "HvCallSetPartitionProperty", "HvCallGetNextChildPartition",
		"HvCallDepositMemory", "HvCallWithdrawMemory", "HvCallGetMemoryBalance", "HvCallMapGpaPages",
		"HvCallUnmapGpaPages", "HvCallInstallIntercept", "HvCallCreateVp", "HvCallDeleteVp", "HvCallGetVpRegisters",
		"HvCallSetVpRegisters", "HvCallTranslateVirtualAddress", "HvCallDeletePort", "HvCallDisconnectPort",
		"HvCallPostMessage", "HvCallSignalEvent", "HvCallUnmapStatsPage", "HvCallMapSparseGpaPages",
		"HvCallRetargetDeviceInterrupt", "HvCallModifySparseGpaPages", "HvCallRegisterInterceptResult",
		"HvCallUnregisterInterceptResult", "HvCallAssertVirtualInterrupt", "HvCallCreatePort", "HvCallConnectPort",
		"HvCallStartVirtualProcessor", "HvCallGetVpIndexFromApicId", "HvCallTranslateVirtualAddressEx",
		"HvCallCheckForIoIntercept", "HvCallFlushGuestPhysicalAddressSpace", "HvCallFlushGuestPhysicalAddressList",
		"HvCallSignalEventDirect", "HvCallPostMessageDirect", "HvCallMapVpStatePage", "HvCallUnmapVpStatePage",
		"HvCallGetVpSetFromMda", "HvCallGetVpCpuidValues", "HvCallSetPartitionPropertyEx",
		"HvCallInstallInterceptEx", "HvCallSetVirtualInterruptTarget", "HvCallMapStatsPage2",
		"HvExtCallQueryCapabilities", "HvExtCallGetBootZeroedMemory", "HvExtCallMemoryHeatHint",
		"HvExtCallEpfSetup", "HvExtCallMemoryHeatHintAsync",
	}
	tlfsIndexTypes = []string{
		"HV_CONNECTION_ID", "HV_CONNECTION_INFO", "HV_CPUID_RESULT", "HV_CRASH_CTL_REG_CONTENTS",
		"HV_DEVICE_INTERRUPT_TARGET", "HV_GET_VP_CPUID_VALUES_FLAGS", "HV_GPA_MAPPING", "HV_GPA_PAGE_NUMBER",
		"HV_GVA", "HV_GVA_PAGE_NUMBER", "HV_INITIAL_VP_CONTEXT", "HV_INPUT_VTL", "HV_INTERCEPT_ACCESS_TYPE_MASK",
		"HV_INTERCEPT_PARAMETERS", "HV_INTERCEPT_PARAMETERS_EX", "HV_INTERCEPT_TYPE", "HV_INTERRUPT_CONTROL",
		"HV_INTERRUPT_ENTRY", "HV_INTERRUPT_TYPE", "HV_INTERRUPT_VECTOR", "HV_IO_PORT", "HV_MAP_GPA_FLAGS",
		"HV_MESSAGE", "HV_MESSAGE_TYPE", "HV_MSI_ENTRY", "HV_NESTED_ENLIGHTENMENTS_CONTROL",
		"HV_PARTITION_CREATION_FLAGS", "HV_PARTITION_CREATION_PROPERTIES", "HV_PARTITION_ID",
		"HV_PARTITION_PRIVILEGE_MASK", "HV_PARTITION_PROCESSOR_FEATURES", "HV_PARTITION_PROPERTY_CODE",
		"HV_PORT_ID", "HV_PORT_INFO", "HV_PORT_TYPE", "HV_PROXIMITY_DOMAIN_ID", "HV_PROXIMITY_DOMAIN_INFO",
		"HV_REGISTER_INTERCEPT_RESULT_PARAMETERS", "HV_REGISTER_NAME", "HV_REGISTER_VALUE", "HV_SPA_PAGE_NUMBER",
		"HV_STATS_OBJECT_IDENTITY", "HV_STATS_OBJECT_TYPE", "HV_STATUS", "HV_SVM_ENLIGHTENED_VMCB_FIELDS",
		"HV_SYNIC_EVENT_FLAGS", "HV_SYNIC_SINT_INDEX", "HV_TIMER_MESSAGE_PAYLOAD", "HV_TRANSLATE_GVA_CONTROL_FLAGS",
		"HV_TRANSLATE_GVA_RESULT", "HV_TRANSLATE_GVA_RESULT_EX", "HV_UNMAP_GPA_FLAGS",
		"HV_UNREGISTER_INTERCEPT_RESULT_PARAMETERS", "HV_VIRTUALIZATION_FAULT_INFORMATION",
		"HV_VMX_ENLIGHTENED_VMCS", "HV_VP_ASSIST_PAGE", "HV_VP_INDEX", "HV_VP_SET", "HV_VP_STATE_PAGE_TYPE",
		"HV_VP_VTL_CONTROL", "HV_VTL", "HV_X64_FP_CONTROL_STATUS_REGISTER", "HV_X64_FP_REGISTER",
		"HV_X64_MSR_NPIEP_CONFIG_CONTENTS", "HV_X64_REGISTER_SEV_GPA_PAGE", "HV_X64_SEGMENT_REGISTER",
		"HV_X64_TABLE_REGISTER", "HV_X64_XMM_CONTROL_STATUS_REGISTER",
	}
)

// noLayout are the hypercalls the registry lists without layouts (marked
// incomplete) because no reference page gives one; any other incomplete
// hypercall fails the test.
var noLayout = map[string]bool{
	"tlfs HvExtCallMemoryHeatHint":      true,
	"tlfs HvExtCallEpfSetup":            true,
	"tlfs HvExtCallMemoryHeatHintAsync": true,
}

func TestExportCoversTheReferenceIndexes(t *testing.T) {
	for _, c := range []struct {
		version      string
		calls, types []string
	}{
		{"wdk-2013", wdkIndexCalls, wdkIndexTypes},
		{"tlfs", tlfsIndexCalls, tlfsIndexTypes},
	} {
		code, out, errs := runCLI("export", "-spec", "../../spec", "-version", c.version)
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", c.version, code, errs)
		}
		var doc struct {
			Hypercalls []struct{ Name, Incomplete string }
			Types      []struct{ Name, Kind string }
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var calls, types []string
		incomplete := 0
		for _, h := range doc.Hypercalls {
			calls = append(calls, h.Name)
			if h.Incomplete != "" {
				incomplete++
				if !noLayout[c.version+" "+h.Name] {
					t.Errorf("%s %s has no layout: %s", c.version, h.Name, h.Incomplete)
				}
			}
		}
		for _, ty := range doc.Types {
			types = append(types, ty.Name)
			// The one index entry no page gives members for is carried
			// by name, as an opaque item.
			if opaque := ty.Name == "HV_UNREGISTER_INTERCEPT_RESULT_PARAMETERS"; opaque != (ty.Kind == "opaque") {
				t.Errorf("%s: %s is kind %s", c.version, ty.Name, ty.Kind)
			}
		}
		if len(calls) != len(c.calls) {
			t.Errorf("%s: export lists %d hypercalls, the index %d", c.version, len(calls), len(c.calls))
		}
		for _, n := range c.calls {
			if !slices.Contains(calls, n) {
				t.Errorf("%s: hypercall %s missing", c.version, n)
			}
		}
		for _, n := range c.types {
			if !slices.Contains(types, n) {
				t.Errorf("%s: type %s missing", c.version, n)
			}
		}
		t.Logf("%s: %d hypercalls (%d without layouts), %d types", c.version, len(calls), incomplete, len(types))
	}
}
