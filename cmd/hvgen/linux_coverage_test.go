package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The call codes, typedefs and struct, union and enum tags the five kernel
// headers define (include/hyperv/*.h at the commits spec/versions.yaml names),
// copied here: tests never read the headers. linux-7.0 must hold every one.
var (
	linuxHeaderCalls = []struct {
		name string
		code uint64
	}{
		{"HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE", 0x2}, {"HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST", 0x3}, {"HVCALL_NOTIFY_LONG_SPIN_WAIT", 0x8},
		{"HVCALL_SEND_IPI", 0xb}, {"HVCALL_ENABLE_VP_VTL", 0xf}, {"HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX", 0x13},
		{"HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX", 0x14}, {"HVCALL_SEND_IPI_EX", 0x15}, {"HVCALL_CREATE_PARTITION", 0x40},
		{"HVCALL_INITIALIZE_PARTITION", 0x41}, {"HVCALL_FINALIZE_PARTITION", 0x42}, {"HVCALL_DELETE_PARTITION", 0x43},
		{"HVCALL_GET_PARTITION_PROPERTY", 0x44}, {"HVCALL_SET_PARTITION_PROPERTY", 0x45}, {"HVCALL_GET_PARTITION_ID", 0x46},
		{"HVCALL_DEPOSIT_MEMORY", 0x48}, {"HVCALL_WITHDRAW_MEMORY", 0x49}, {"HVCALL_MAP_GPA_PAGES", 0x4b},
		{"HVCALL_UNMAP_GPA_PAGES", 0x4c}, {"HVCALL_INSTALL_INTERCEPT", 0x4d}, {"HVCALL_CREATE_VP", 0x4e},
		{"HVCALL_DELETE_VP", 0x4f}, {"HVCALL_GET_VP_REGISTERS", 0x50}, {"HVCALL_SET_VP_REGISTERS", 0x51},
		{"HVCALL_TRANSLATE_VIRTUAL_ADDRESS", 0x52}, {"HVCALL_CLEAR_VIRTUAL_INTERRUPT", 0x56}, {"HVCALL_DELETE_PORT", 0x58},
		{"HVCALL_DISCONNECT_PORT", 0x5b}, {"HVCALL_POST_MESSAGE", 0x5c}, {"HVCALL_SIGNAL_EVENT", 0x5d},
		{"HVCALL_POST_DEBUG_DATA", 0x69}, {"HVCALL_RETRIEVE_DEBUG_DATA", 0x6a}, {"HVCALL_RESET_DEBUG_SESSION", 0x6b},
		{"HVCALL_MAP_STATS_PAGE", 0x6c}, {"HVCALL_UNMAP_STATS_PAGE", 0x6d}, {"HVCALL_SET_SYSTEM_PROPERTY", 0x6f},
		{"HVCALL_ADD_LOGICAL_PROCESSOR", 0x76}, {"HVCALL_GET_SYSTEM_PROPERTY", 0x7b}, {"HVCALL_MAP_DEVICE_INTERRUPT", 0x7c},
		{"HVCALL_UNMAP_DEVICE_INTERRUPT", 0x7d}, {"HVCALL_RETARGET_INTERRUPT", 0x7e}, {"HVCALL_NOTIFY_PARTITION_EVENT", 0x87},
		{"HVCALL_ENTER_SLEEP_STATE", 0x84}, {"HVCALL_NOTIFY_PORT_RING_EMPTY", 0x8b}, {"HVCALL_SCRUB_PARTITION", 0x8d},
		{"HVCALL_REGISTER_INTERCEPT_RESULT", 0x91}, {"HVCALL_ASSERT_VIRTUAL_INTERRUPT", 0x94}, {"HVCALL_CREATE_PORT", 0x95},
		{"HVCALL_CONNECT_PORT", 0x96}, {"HVCALL_START_VP", 0x99}, {"HVCALL_GET_VP_INDEX_FROM_APIC_ID", 0x9a},
		{"HVCALL_FLUSH_GUEST_PHYSICAL_ADDRESS_SPACE", 0xaf}, {"HVCALL_FLUSH_GUEST_PHYSICAL_ADDRESS_LIST", 0xb0}, {"HVCALL_SIGNAL_EVENT_DIRECT", 0xc0},
		{"HVCALL_POST_MESSAGE_DIRECT", 0xc1}, {"HVCALL_DISPATCH_VP", 0xc2}, {"HVCALL_GET_GPA_PAGES_ACCESS_STATES", 0xc9},
		{"HVCALL_ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS", 0xd7}, {"HVCALL_RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS", 0xd8}, {"HVCALL_MODIFY_SPARSE_GPA_PAGE_HOST_VISIBILITY", 0xdb},
		{"HVCALL_MAP_VP_STATE_PAGE", 0xe1}, {"HVCALL_UNMAP_VP_STATE_PAGE", 0xe2}, {"HVCALL_GET_VP_STATE", 0xe3},
		{"HVCALL_SET_VP_STATE", 0xe4}, {"HVCALL_GET_VP_CPUID_VALUES", 0xf4}, {"HVCALL_GET_PARTITION_PROPERTY_EX", 0x101},
		{"HVCALL_MMIO_READ", 0x106}, {"HVCALL_MMIO_WRITE", 0x107}, {"HVCALL_DISABLE_HYP_EX", 0x10f},
		{"HVCALL_MAP_STATS_PAGE2", 0x131},
		// hvgdk_ext.h's extended hypercalls.
		{"HV_EXT_CALL_QUERY_CAPABILITIES", 0x8001}, {"HV_EXT_CALL_MEMORY_HEAT_HINT", 0x8003},
	}
	linuxHeaderTypes = []string{
		"hv_logical_device_id", "hv_pci_rid", "hv_pci_segment", // the typedefs
		"hv_arm64_intercept_message_header", "hv_arm64_interrupt_state_register", "hv_arm64_memory_access_info", "hv_arm64_memory_intercept_message",
		"hv_arm64_pending_interruption_register", "hv_arm64_pending_synthetic_exception_event", "hv_arm64_vp_execution_state", "hv_async_completion_message_payload",
		"hv_connection_id", "hv_connection_info", "hv_crashdump_action", "hv_crashdump_area",
		"hv_create_vp", "hv_deposit_memory", "hv_device_id", "hv_device_interrupt_descriptor",
		"hv_device_interrupt_target", "hv_device_type", "hv_dispatch_suspend_register", "hv_dynamic_processor_feature_property",
		"hv_enable_vp_vtl", "hv_enlightened_vmcs", "hv_explicit_suspend_register", "hv_generic_set_format",
		"hv_get_set_vp_state_type", "hv_get_vp_from_apic_id_in", "hv_gpa_page_access_state", "hv_gpa_page_access_state_flags",
		"hv_gpa_page_range", "hv_gpa_range_for_visibility", "hv_guest_mapping_flush", "hv_guest_mapping_flush_list",
		"hv_hypervisor_version_info", "hv_init_vp_context", "hv_input_add_logical_processor", "hv_input_assert_virtual_interrupt",
		"hv_input_connect_port", "hv_input_create_partition", "hv_input_create_port", "hv_input_delete_partition",
		"hv_input_delete_port", "hv_input_delete_vp", "hv_input_disable_hyp_ex", "hv_input_disconnect_port",
		"hv_input_dispatch_vp", "hv_input_enter_sleep_state", "hv_input_finalize_partition", "hv_input_get_gpa_pages_access_state",
		"hv_input_get_logical_processor_run_time", "hv_input_get_partition_property", "hv_input_get_partition_property_ex", "hv_input_get_system_property",
		"hv_input_get_vp_registers", "hv_input_get_vp_state", "hv_input_initialize_partition", "hv_input_map_device_interrupt",
		"hv_input_map_gpa_pages", "hv_input_map_stats_page", "hv_input_map_stats_page2", "hv_input_map_vp_state_page",
		"hv_input_modify_sparse_spa_page_host_access", "hv_input_notify_partition_event", "hv_input_notify_port_ring_empty", "hv_input_set_partition_property",
		"hv_input_set_system_property", "hv_input_set_vp_registers", "hv_input_set_vp_state", "hv_input_set_vp_state_data",
		"hv_input_unmap_device_interrupt", "hv_input_unmap_gpa_pages", "hv_input_unmap_stats_page", "hv_input_unmap_vp_state_page",
		"hv_input_vtl", "hv_input_withdraw_memory", "hv_intercept_parameters", "hv_intercept_suspend_register",
		"hv_intercept_type", "hv_interrupt_control", "hv_interrupt_entry", "hv_interrupt_source",
		"hv_interrupt_trigger_mode", "hv_interrupt_type", "hv_ioapic_rte", "hv_isolation_type",
		"hv_lp_startup_status", "hv_mem_host_visibility", "hv_memory_hint", "hv_message",
		"hv_message_flags", "hv_message_header", "hv_message_page", "hv_message_type",
		"hv_mmio_read_input", "hv_mmio_read_output", "hv_mmio_write_input", "hv_msi_address_register",
		"hv_msi_data_register", "hv_msi_entry", "hv_nested_enlightenments_control", "hv_notification_message_payload",
		"hv_opaque_intercept_message", "hv_output_add_logical_processor", "hv_output_create_partition", "hv_output_dispatch_vp",
		"hv_output_get_logical_processor_run_time", "hv_output_get_partition_id", "hv_output_get_partition_property", "hv_output_get_partition_property_ex",
		"hv_output_get_system_property", "hv_output_get_vp_registers", "hv_output_get_vp_state", "hv_output_map_device_interrupt",
		"hv_output_map_stats_page", "hv_output_map_vp_state_page", "hv_output_withdraw_memory", "hv_partition_assist_pg",
		"hv_partition_creation_properties", "hv_partition_event", "hv_partition_event_input", "hv_partition_event_root_crashdump_input",
		"hv_partition_isolation_properties", "hv_partition_processor_features", "hv_partition_processor_xsave_features", "hv_partition_property_arg",
		"hv_partition_property_code", "hv_partition_property_ex", "hv_partition_property_vmm_capabilities", "hv_partition_synthetic_processor_features",
		"hv_pci_bdf", "hv_pci_bus_range", "hv_pfn_range", "hv_port_id",
		"hv_port_info", "hv_port_type", "hv_proximity_domain_flags", "hv_proximity_domain_info",
		"hv_reenlightenment_control", "hv_reference_tsc_msr", "hv_register_assoc", "hv_register_name",
		"hv_register_value", "hv_register_vsm_capabilities", "hv_register_vsm_page_offsets", "hv_register_vsm_partition_config",
		"hv_scheduler_type", "hv_send_ipi", "hv_send_ipi_ex", "hv_sleep_state",
		"hv_sleep_state_info", "hv_snp_status", "hv_stats_area_type", "hv_stats_object_identity",
		"hv_stats_object_type", "hv_stats_page", "hv_stimer_config", "hv_stimer_state",
		"hv_synic_event_flags", "hv_synic_event_flags_page", "hv_synic_event_ring", "hv_synic_event_ring_page",
		"hv_synic_scontrol", "hv_synic_siefp", "hv_synic_simp", "hv_synic_sint",
		"hv_synic_sirbp", "hv_synthetic_timers_state", "hv_system_property", "hv_timer_message_payload",
		"hv_tlb_flush", "hv_tlb_flush_ex", "hv_tsc_emulation_control", "hv_tsc_emulation_status",
		"hv_u128", "hv_vmcb_enlightenments", "hv_vp_assist_msr_contents", "hv_vp_assist_page",
		"hv_vp_dispatch_event", "hv_vp_dispatch_state", "hv_vp_register_page", "hv_vp_register_page_interrupt_vectors",
		"hv_vp_signal_bitset_scheduler_message", "hv_vp_signal_pair_scheduler_message", "hv_vp_state_data", "hv_vp_state_data_xsave",
		"hv_vp_state_page_type", "hv_vpset", "hv_x64_apic_eoi_message", "hv_x64_intercept_message_header",
		"hv_x64_interrupt_state_register", "hv_x64_memory_access_info", "hv_x64_memory_intercept_message", "hv_x64_msr_hypercall_contents",
		"hv_x64_pending_interruption_register", "hv_x64_segment_register", "hv_x64_table_register", "hv_x64_vp_execution_state",
		"hv_x64_xsave_xfem_register", "ms_hyperv_tsc_page",
		// include/uapi/linux/mshv.h, the mshv driver's argument structs.
		"mshv_create_partition", "mshv_create_vp", "mshv_user_mem_region", "mshv_user_irqfd", "mshv_user_ioeventfd",
		"mshv_user_irq_entry", "mshv_user_irq_table", "mshv_gpap_access_bitmap", "mshv_root_hvcall", "mshv_run_vp",
		"mshv_get_set_vp_state",
	}
	// Defined by the headers but left out, each with its reason in
	// spec/linux_import.txt.
	linuxLeftOut = []string{"hv_enlightenments_control", "hv_get_vp_registers_output", "hv_retarget_device_interrupt"}
)

// TestLinuxCoverage: the linux-7.0 export (both architectures) has every
// HVCALL_ code of the headers with its value and every type they define,
// and each type left out is named in spec/linux_import.txt with a reason.
func TestLinuxCoverage(t *testing.T) {
	calls := map[string]uint64{}
	types := map[string]bool{}
	for _, arch := range []string{"x64", "arm64"} {
		doc := exportVersion(t, "linux-7.0", arch)
		for _, h := range doc.Hypercalls {
			calls[h.Name] = h.Code
		}
		for _, ty := range doc.Types {
			types[ty.Name] = true
		}
	}
	for _, c := range linuxHeaderCalls {
		if code, ok := calls[c.name]; !ok || code != c.code {
			t.Errorf("%s: code %#x in the headers, export has %#x (present %v)", c.name, c.code, code, ok)
		}
	}
	if len(calls) != len(linuxHeaderCalls) {
		t.Errorf("export has %d calls, the headers %d", len(calls), len(linuxHeaderCalls))
	}
	for _, n := range linuxHeaderTypes {
		if !types[n] {
			t.Errorf("type %s: defined by the headers, missing from the export", n)
		}
	}
	report, err := os.ReadFile("../../spec/linux_import.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range linuxLeftOut {
		if types[n] {
			t.Errorf("%s: listed as left out, but the export has it", n)
		}
		if !strings.Contains(string(report), " "+n+": ") {
			t.Errorf("%s: left out without a reason in spec/linux_import.txt", n)
		}
	}
	t.Logf("%d call codes, %d types, %d left out", len(linuxHeaderCalls), len(linuxHeaderTypes), len(linuxLeftOut))
}

// exportVersion runs hvgen export for one version and architecture.
func exportVersion(t *testing.T, version, arch string) (doc struct {
	Hypercalls []struct {
		Name string
		Code uint64
	}
	Types []struct{ Name string }
}) {
	t.Helper()
	code, out, errs := runCLI("export", "-spec", "../../spec", "-version", version, "-arch", arch)
	if code != 0 {
		t.Fatalf("export %s %s: exit %d: %s", version, arch, code, errs)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}
