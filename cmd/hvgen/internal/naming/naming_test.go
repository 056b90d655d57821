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
		// One spelling per concept (the vocabulary of spec/).
		{"HV_EVENTLOG_BUFFER_STATE", "EventLogBufferState"},
		{"HvEventLogBufferStateStandby", "EventLogBufferStateStandby"},
		{"HV_INPUT_NOTIFY_LONG_SPINWAIT", "NotifyLongSpinWaitInput"},
		{"HvCallNotifyLongSpinWait", "CallNotifyLongSpinWait"},
		{"HV_X64_MSR_GUEST_OS_ID", "X64MSRGuestOSID"},
		{"HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY", "X64InterruptTypeLowestPriority"},
		{"HvX64InterruptTypeLowestPriority", "X64InterruptTypeLowestPriority"},
		{"HvX64RegisterSCet", "X64RegisterSCet"}, // S CET: a run with a one-letter word is kept
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

// TestPrevious: the previous rule gives the names of the last release, the
// ones the deprecated aliases keep.
func TestPrevious(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HV_EVENTLOG_BUFFER_STATE", "EventlogBufferState"},
		{"HvEventLogBufferStateStandby", "EventLogBufferStateStandby"},
		{"HV_INPUT_NOTIFY_LONG_SPINWAIT", "NotifyLongSpinwaitInput"},
		{"HV_X64_MSR_GUEST_OS_ID", "X64MSRGuestOsID"},
	} {
		if got := Previous.Go(tc.in); got != tc.want {
			t.Errorf("Previous.Go(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestVocabularyRule: the spelling most names use wins, a tie goes to more
// words, runs with a one-letter word keep theirs, and letters two members
// of one struct use stay apart.
func TestVocabularyRule(t *testing.T) {
	one := func(names ...string) [][]string {
		var out [][]string
		for _, n := range names {
			out = append(out, GoWords(n))
		}
		return out
	}
	scopes := func(names ...string) [][][]string {
		var out [][][]string
		for _, n := range one(names...) {
			out = append(out, [][]string{n})
		}
		return out
	}
	for _, tc := range []struct {
		scopes [][][]string
		key    string
		want   string // "" for no entry
	}{
		{scopes("HV_EVENTLOG_TYPE", "HvEventLogTypeA", "HvEventLogTypeB"), "eventlog", "event log"},
		{scopes("HV_EVENTLOG_TYPE", "HV_EVENTLOG_STATE", "HvEventLogTypeB"), "eventlog", "eventlog"},
		{scopes("HV_TIMEOUT", "HvTimeOut"), "timeout", "time out"},
		{scopes("HV_CPUID", "HvCpuId"), "cpuid", ""}, // both CPUID in Go
		{append(scopes("HV_VPID_X"), one("VpId", "Vpid")), "vpid", ""},
	} {
		v := Vocabulary(tc.scopes)
		if got := v[tc.key]; got != tc.want {
			t.Errorf("%v: vocabulary[%q] = %q, want %q", tc.scopes, tc.key, got, tc.want)
		}
	}
	if got := respell([]string{"Register", "S", "Cet"}, map[string]string{"registers": "registers"}); len(got) != 3 {
		t.Errorf("a run with a one-letter word was respelled: %v", got)
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
