package exporter

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestMetricName(t *testing.T) {
	for _, c := range []struct{ object, counter, kind, unit, want string }{
		{"vp", "VpTotalRunTime", "counter", "100ns", "hyperv_vp_total_run_time_seconds_total"},
		{"vp", "VpHypercallsCount", "counter", "1", "hyperv_vp_hypercalls_total"},
		{"vp", "VpNestedSLATSoftPageFaultsCount", "counter", "1", "hyperv_vp_nested_slat_soft_page_faults_total"},
		{"vp", "VpVtl1RunTime", "counter", "100ns", "hyperv_vp_vtl1_run_time_seconds_total"},
		{"vp", "VpMaximumRunTime", "gauge", "100ns", "hyperv_vp_maximum_run_time_seconds"},
		{"hypervisor", "HvIOSpacePages", "gauge", "pages", "hyperv_hypervisor_io_space_pages"},
		{"partition", "PtGpaPages4K", "gauge", "pages", "hyperv_partition_gpa_pages4k"},
		{"partition", "PtGpaPages512G", "gauge", "pages", "hyperv_partition_gpa_pages512g"},
		{"lp", "LpMbFlushes", "counter", "1", "hyperv_lp_mbflushes_total"},
		{"lp", "LpC1TransitionsCount", "counter", "1", "hyperv_lp_c1_transitions_total"},
		{"lp", "LpReferenceCycleCount0", "counter", "1", "hyperv_lp_reference_cycle_count0_total"},
		{"lp", "LpActiveTscCountSnapshot", "gauge", "1", "hyperv_lp_active_tsc_count_snapshot"},
	} {
		if got := MetricName(c.object, c.counter, c.kind, c.unit); got != c.want {
			t.Errorf("MetricName(%s) = %s, want %s", c.counter, got, c.want)
		}
	}
}

func TestNewTable(t *testing.T) {
	r := registry(t)
	for _, arch := range []string{"x64", "arm64"} {
		tab, err := NewTable(r.View("linux-7.0"), "linux-7.0", arch)
		if err != nil {
			t.Fatal(err)
		}
		n := tab.Len()
		// Every object type has counters; placeholders are left out.
		for k, x := range n {
			if x == 0 {
				t.Errorf("%s: no metrics for %s", arch, kinds[k].name)
			}
		}
		for _, m := range tab.metrics[kindVP] {
			if strings.Contains(m.Counter, "Placeholder") {
				t.Errorf("%s: placeholder %s exported", arch, m.Counter)
			}
		}
		t.Logf("%s: metrics per object %v", arch, n)
	}
	// wdk-2013: the groups of concept-Hypervisor-Statistics-Counter-Definition
	// (5 hypervisor, 18 LP, 1+7 partition, 2+63 VP counters), read by group.
	tab, err := NewTable(r.View("wdk-2013"), "wdk-2013", "x64")
	if err != nil {
		t.Fatal(err)
	}
	if n := tab.Len(); !tab.grouped || n != [4]int{5, 18, 8, 65} || len(tab.groups[kindVP]) != 2 {
		t.Errorf("wdk-2013: grouped %v, metrics per object %v, VP groups %v", tab.grouped, n, tab.groups[kindVP])
	}
	if _, err := NewTable(r.View("linux-7.0"), "linux-7.0", "mips"); err == nil {
		t.Error("unknown arch accepted")
	}
}

// Every metric the Grafana dashboard queries is one the exporter serves.
func TestDashboardMetrics(t *testing.T) {
	data, err := os.ReadFile("../../../../docs/grafana/hvgen-exporter.json")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{"hyperv_stats_page_errors_total": true, "hyperv_stats_objects": true}
	tab := testTable(t)
	for k := range kinds {
		for _, m := range tab.metrics[k] {
			names[m.Name] = true
		}
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
