package naming

import "testing"

func TestGo(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HV_PARTITION_ID", "PartitionID"},
		{"HV_VP_INDEX", "VPIndex"},
		{"HV_GPA_PAGE_NUMBER", "GPAPageNumber"},
		{"HV_INPUT_MAP_STATS_PAGE", "MapStatsPageInput"},
		{"HV_OUTPUT_MAP_EVENT_LOG_BUFFER", "MapEventLogBufferOutput"},
		{"HvCallMapStatsPage", "CallMapStatsPage"},
		{"HvExtCallQueryCapabilities", "ExtCallQueryCapabilities"},
		{"HV_STATUS_INVALID_PARAMETER", "StatusInvalidParameter"},
		{"HV_X64_HYPERCALL_INPUT", "X64HypercallInput"},
		{"HvEventLogBufferStateInUse", "EventLogBufferStateInUse"},
		{"StLpCounterGlobalTime", "StLPCounterGlobalTime"},
		{"HV_TR_IM_MSR_READ", "TrImMSRRead"},
		{"HV_STATUS", "Status"},
		{"HV_CALL_CODE", "CallCode"},
		{"HvStatsObjectVp", "StatsObjectVP"},
		{"HV_PAGE_SIZE", "PageSize"},
		{"hv_input_map_stats_page", "MapStatsPageInput"},
		{"hv_output_get_vp_registers", "GetVPRegistersOutput"},
		{"hv_partition_id", "PartitionID"},
		{"HVCALL_MAP_STATS_PAGE", "CallMapStatsPage"},
		{"hv_x64_segment_register", "X64SegmentRegister"},
	} {
		if got := Go(tc.in); got != tc.want {
			t.Errorf("Go(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestField(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"VpIndex", "VPIndex"},
		{"PartitionId", "PartitionID"},
		{"ReservedZ0", "ReservedZ0"},
		{"NextBufferOffset", "NextBufferOffset"},
		{"GpaPages", "GPAPages"},
		{"TimeStamp", "TimeStamp"},
		{"AsUINT64", "AsUint64"},
		{"IsFast", "IsFast"},
		{"Reserved4", "Reserved4"},
		{"CountOfElements", "CountOfElements"},
		{"Guest RIP", "GuestRIP"},
	} {
		if got := Field(tc.in); got != tc.want {
			t.Errorf("Field(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQualified(t *testing.T) {
	if got := Qualified("RegisterName", "RegisterVsmVpStatus"); got != "RegisterNameVsmVpStatus" {
		t.Errorf("got %q", got)
	}
	if got := Qualified("Color", "Red"); got != "ColorRed" {
		t.Errorf("got %q", got)
	}
}

func TestMethod(t *testing.T) {
	for abi, want := range map[string]string{
		"HvCallMapStatsPage":         "MapStatsPage",
		"HvExtCallQueryCapabilities": "ExtQueryCapabilities",
		"HVCALL_MAP_STATS_PAGE":      "MapStatsPage",
	} {
		if got := Method(abi); got != want {
			t.Errorf("Method(%q) = %q, want %q", abi, got, want)
		}
	}
}
