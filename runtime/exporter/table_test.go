package exporter

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hvgen/hvgen/generated/linux70"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
)

func TestMetricName(t *testing.T) {
	const (
		counter = abi.KindCounter
		gauge   = abi.KindGauge
		ns100   = abi.Unit100ns
		one     = abi.UnitOne
		pages   = abi.UnitPages
		raw     = abi.UnitRaw
	)
	for _, c := range []struct {
		object, counter string
		kind            abi.CounterKind
		unit            abi.CounterUnit
		want            string
	}{
		{"vp", "VpTotalRunTime", counter, ns100, "hyperv_vp_run_time_seconds_total"},
		{"vp", "VpHypercallsCount", counter, one, "hyperv_vp_hypercalls_total"},
		{"vp", "HypercallsPerSec", counter, one, "hyperv_vp_hypercalls_total"},
		{"vp", "VpNestedSLATSoftPageFaultsCount", counter, one, "hyperv_vp_nested_slat_soft_page_faults_total"},
		{"vp", "VpVtl1RunTime", counter, ns100, "hyperv_vp_vtl_run_time_seconds_total"},
		{"vp", "VpVtl2DispatchCount", counter, one, "hyperv_vp_vtl_dispatches_total"},
		{"vp", "VpMaximumRunTime", gauge, ns100, "hyperv_vp_maximum_run_time_seconds"},
		{"vp", "VpWaitingForCpuTimeBucket12", counter, one, "hyperv_vp_cpu_waits_by_bucket_total"},
		{"vp", "VpVtl2DispatchBucket0", counter, one, "hyperv_vp_vtl2_dispatches_by_bucket_total"},
		{"hypervisor", "HvHypervisorStartupCost", gauge, raw, "hyperv_hypervisor_startup_cost"},
		{"hypervisor", "HvIOSpacePages", gauge, pages, "hyperv_hypervisor_io_space_bytes"},
		{"hypervisor", "HvTotalPages", gauge, pages, "hyperv_hypervisor_memory_bytes"},
		{"hypervisor", "TotalPages", gauge, pages, "hyperv_hypervisor_memory_bytes"},
		{"partition", "PtPartitionId", gauge, one, "hyperv_partition_id"},
		{"partition", "PtDepositedPages", gauge, pages, "hyperv_partition_deposited_bytes"},
		{"partition", "PtGpaPages", gauge, pages, "hyperv_partition_gpa_bytes"},
		{"partition", "PtGpaPages4K", gauge, pages, "hyperv_partition_gpa_mapped_bytes"},
		{"partition", "PtDevicePages512G", gauge, pages, "hyperv_partition_device_mapped_bytes"},
		{"partition", "PtNestedTlbTrimmedPages", counter, pages, "hyperv_partition_nested_tlb_trimmed_bytes_total"},
		{"lp", "LpMbFlushes", counter, one, "hyperv_lp_mbflushes_total"},
		{"lp", "LpC1TransitionsCount", counter, one, "hyperv_lp_cstate_transitions_total"},
		{"lp", "C2TransitionsPerSec", counter, one, "hyperv_lp_cstate_transitions_total"},
		{"lp", "LpC3RunTime", counter, ns100, "hyperv_lp_cstate_seconds_total"},
		{"lp", "LpReferenceCycleCount0", counter, one, "hyperv_lp_reference_cycles_total"},
		{"lp", "LpActiveTscCountSnapshot", gauge, one, "hyperv_lp_active_tsc_count_snapshot"},
		{"lp", "LpCounterRefreshSequenceNumber", gauge, one, "hyperv_lp_refresh_sequence_number"},
	} {
		if got := MetricName(c.object, abi.Counter{Name: c.counter, Kind: c.kind, Unit: c.unit}); got != c.want {
			t.Errorf("MetricName(%s) = %s, want %s", c.counter, got, c.want)
		}
	}
}

// Every version and architecture gives a table whose metric names keep the
// rules: no word twice in a row, snake case, a unit suffix where the unit
// has one, _total on counters only.
func TestNewTable(t *testing.T) {
	valid := regexp.MustCompile(`^hyperv_[a-z0-9]+(_[a-z0-9]+)*$`)
	for _, v := range []struct {
		name   string
		groups []abi.StatsGroup
		arch   string
		len    [4]int
	}{
		{"linux-7.0/x64", linux70.StatsGroups[:], "x64", [4]int{}},
		{"linux-7.0/arm64", linux70.StatsGroups[:], "arm64", [4]int{}},
		// the groups of concept-Hypervisor-Statistics-Counter-Definition
		// (5 hypervisor, 18 LP, 1+7 partition, 2+63 VP counters)
		{"wdk-2013/x64", hv.StatsGroups[:], "x64", [4]int{5, 18, 8, 65}},
	} {
		tab := table(t, v.groups, v.arch)
		n := tab.Len()
		if v.len != ([4]int{}) && n != v.len {
			t.Errorf("%s: metrics per object %v, want %v", v.name, n, v.len)
		}
		for k, x := range n {
			if x == 0 {
				t.Errorf("%s: no metrics for %s", v.name, kinds[k].name)
			}
		}
		for k := range kinds {
			for _, m := range tab.metrics[k] {
				switch {
				case strings.Contains(m.Counter, "Placeholder"):
					t.Errorf("%s: placeholder %s served", v.name, m.Counter)
				case !valid.MatchString(m.Name):
					t.Errorf("%s: %s gives %s", v.name, m.Counter, m.Name)
				case doubledWord(m.Name) != "":
					t.Errorf("%s: %s gives %s, which repeats %q", v.name, m.Counter, m.Name, doubledWord(m.Name))
				case (m.vt == prometheus.CounterValue) != strings.HasSuffix(m.Name, "_total"):
					t.Errorf("%s: %s (%v) gives %s", v.name, m.Counter, m.vt, m.Name)
				}
			}
		}
		t.Logf("%s: metrics per object %v, families %d/%d/%d/%d", v.name, n, len(tab.descs[0]), len(tab.descs[1]), len(tab.descs[2]), len(tab.descs[3]))
	}
	if _, err := NewTable(linux70.StatsGroups[:], "mips"); err == nil || !strings.Contains(err.Error(), `unknown architecture "mips"`) {
		t.Errorf("mips: %v", err)
	}
	if _, err := NewTable(nil, "x64"); err == nil {
		t.Error("a table of no groups")
	}
	mixed := []abi.StatsGroup{linux70.StatsGroups[0], hv.StatsGroups[0]}
	if _, err := NewTable(mixed, "x64"); err == nil || !strings.Contains(err.Error(), "laid out in groups") {
		t.Errorf("flat and grouped: %v", err)
	}
	noKind := linux70.StatsGroups[0]
	noKind.Counters = slices.Clone(noKind.Counters)
	noKind.Counters[0].Unit = ""
	if _, err := NewTable([]abi.StatsGroup{noKind}, "x64"); err == nil || !strings.Contains(err.Error(), "no kind or unit") {
		t.Errorf("a counter without a unit: %v", err)
	}
}

// The families: one metric, a label per counter, the page sizes in bytes.
func TestFamilies(t *testing.T) {
	tab := testTable(t)
	buckets := map[string]bool{}
	for _, m := range tab.metrics[kindVP] {
		if m.Name == "hyperv_vp_cpu_waits_by_bucket_total" {
			buckets[m.value] = true
			if m.label != "bucket" {
				t.Errorf("%s: label %s", m.Counter, m.label)
			}
		}
	}
	if len(buckets) != 13 {
		t.Errorf("waiting buckets %v, want 0 to 12", buckets)
	}
	for _, m := range tab.metrics[kindPartition] {
		if m.Counter == "PtGpaPages2M" && (m.value != "2MiB" || m.scale != 2<<20) {
			t.Errorf("PtGpaPages2M: page_size %q, scale %v", m.value, m.scale)
		}
	}
}

// Every metric the Grafana dashboard queries is one the exporter serves.
func TestDashboardMetrics(t *testing.T) {
	data, err := os.ReadFile("../../docs/grafana/hvgen-exporter.json")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, n := range testTable(t).Metrics() {
		names[n] = true
	}
	used := regexp.MustCompile(`hyperv_[a-z0-9_]+`).FindAllString(string(data), -1)
	if len(used) < 10 {
		t.Fatalf("the dashboard names %d metrics", len(used))
	}
	for _, n := range used {
		if !names[n] {
			t.Errorf("the dashboard queries %s, which the exporter does not serve", n)
		}
	}
}
