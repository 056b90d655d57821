package exporter

import (
	"regexp"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/runtime/abi"
)

// The metric naming rules (docs/exporter.md lists them for users):
//
//   - hyperv_<object>_<name>[_<unit>][_total], <object> one of hypervisor,
//     lp, partition, vp, the object type whose pages carry the counter;
//   - <name> is the counter's name in snake case without its object prefix
//     (Hv, Lp, Pt, Vp) and without a leading word that repeats the object
//     (HvHypervisorStartupCost is hyperv_hypervisor_startup_cost);
//   - the words counter, gauge, histogram and summary are dropped (the
//     linter takes them for the metric's type);
//   - a trailing Count or, for a counter, PerSec (the 2013 names of counts
//     Prometheus takes rates of) is dropped, and for a counter a leading
//     Total, which the _total suffix says;
//   - time in 100 ns units is served in seconds (_seconds), pages in bytes
//     (the word pages dropped, _bytes appended);
//   - counters end in _total;
//   - counters that differ only in a number, a state or a page size are one
//     metric with a label that tells them apart (families);
//   - a name the rules would make misleading is renamed (renamed).

// family makes one metric of several counters that differ only in a part of
// their name, which becomes the value of a label.
type family struct {
	match *regexp.Regexp // a counter name; the first group that matched is the label value
	name  string         // the metric name without namespace, object and unit suffixes
	label string
	// value maps the matched part to the label value; nil: as matched.
	value func(string) string
	// scale maps the matched part to a factor of the raw value (after the
	// unit's); nil: 1.
	scale func(string) float64
	help  string
}

// families are the counters served as one metric with a label. The buckets'
// bounds are not given by the source (the kernel names the counters only),
// so they are a bucket label, not a Prometheus histogram.
var families = []family{
	{match: regexp.MustCompile(`^VpWaitingForCpuTimeBucket(\d+)$`), name: "cpu_waits_by_bucket", label: "bucket",
		help: "Waits of the VP for a logical processor, by the bucket of their length (the source numbers the buckets from 0 and gives no bounds)"},
	{match: regexp.MustCompile(`^VpVtl2DispatchBucket(\d+)$`), name: "vtl2_dispatches_by_bucket", label: "bucket",
		help: "Entries of the VP into VTL 2, by bucket (the source numbers the buckets from 0 and gives no bounds)"},
	{match: regexp.MustCompile(`^VpVtl(\d)DispatchCount$`), name: "vtl_dispatches", label: "vtl",
		help: "Entries of the VP into a virtual trust level, by level"},
	{match: regexp.MustCompile(`^VpVtl(\d)RunTime$`), name: "vtl_run_time", label: "vtl",
		help: "Time the VP ran in a virtual trust level, by level"},
	{match: regexp.MustCompile(`^(?:LpC(\d)TransitionsCount|C(\d)TransitionsPerSec)$`), name: "cstate_transitions", label: "state",
		value: func(s string) string { return "c" + s },
		help:  "Entries of the logical processor into an idle state (C1, C2, C3), by state"},
	{match: regexp.MustCompile(`^LpC(\d)RunTime$`), name: "cstate", label: "state",
		value: func(s string) string { return "c" + s },
		help:  "Time the logical processor spent in an idle state (C1, C2, C3), by state"},
	{match: regexp.MustCompile(`^LpReferenceCycleCount(\d)$`), name: "reference_cycles", label: "set",
		help: "Reference processor cycles, by counter set"},
	{match: regexp.MustCompile(`^LpActualCycleCount(\d)$`), name: "actual_cycles", label: "set",
		help: "Actual processor cycles, by counter set"},
	{match: regexp.MustCompile(`^PtGpaPages(4K|2M|1G|512G)$`), name: "gpa_mapped", label: "page_size",
		value: pageSizeLabel, scale: pageSizeScale,
		help: "Guest physical memory of the partition mapped with pages of one size, by page size"},
	{match: regexp.MustCompile(`^PtDevicePages(4K|2M|1G|512G)$`), name: "device_mapped", label: "page_size",
		value: pageSizeLabel, scale: pageSizeScale,
		help: "Device memory of the partition mapped with pages of one size, by page size"},
}

// pageSizes are the page sizes in the names of the mapped-pages counters,
// in bytes.
var pageSizes = map[string]float64{"4K": 4 << 10, "2M": 2 << 20, "1G": 1 << 30, "512G": 512 << 30}

func pageSizeLabel(s string) string { return s + "iB" }

// pageSizeScale turns a count of pages of size s into bytes; the unit's
// scale (PageSize bytes a page) is undone, since these are pages of their
// own size.
func pageSizeScale(s string) float64 { return pageSizes[s] / PageSize }

// familyOf finds the family of a counter and the label value it has there.
func familyOf(counter string) (*family, string) {
	for i := range families {
		f := &families[i]
		m := f.match.FindStringSubmatch(counter)
		if m == nil {
			continue
		}
		v := ""
		for _, g := range m[1:] {
			if g != "" {
				v = g
				break
			}
		}
		return f, v
	}
	return nil, ""
}

// renamed are the counters whose name by the rules would mislead: a gauge
// of the hypervisor's memory that would read hyperv_hypervisor_total_bytes,
// "total" being the suffix of counters.
var renamed = map[string]string{"HvTotalPages": "memory", "TotalPages": "memory"}

// typeWords are the metric type names promtool refuses in a metric name.
var typeWords = []string{"counter", "gauge", "histogram", "summary"}

// unitWords are words Prometheus's linter reads as abbreviated units when
// they stand alone in a metric name; MetricName joins them to the next word.
var unitWords = []string{"s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"}

// MetricName is the metric a counter of an object type (hypervisor, lp,
// partition or vp) is served as, by the naming rules above:
// VpTotalRunTime -> hyperv_vp_run_time_seconds_total, VpHypercallsCount and
// HypercallsPerSec -> hyperv_vp_hypercalls_total, PtDepositedPages ->
// hyperv_partition_deposited_bytes, VpWaitingForCpuTimeBucket3 ->
// hyperv_vp_cpu_waits_by_bucket_total (with bucket="3").
func MetricName(object string, c abi.Counter) string {
	if f, _ := familyOf(c.Name); f != nil {
		return Namespace + "_" + object + "_" + f.name + unitSuffix(c.Kind, c.Unit)
	}
	if n, ok := renamed[c.Name]; ok {
		return Namespace + "_" + object + "_" + n + unitSuffix(c.Kind, c.Unit)
	}
	name := c.Name
	if len(name) > 2 && name[2] >= 'A' && name[2] <= 'Z' && slices.Contains([]string{"Hv", "Lp", "Pt", "Vp"}, name[:2]) {
		name = name[2:]
	}
	words := splitWords(name)
	if len(words) > 1 && words[0] == object {
		words = words[1:]
	}
	if n := len(words); n > 1 && words[n-1] == "count" {
		words = words[:n-1]
	}
	if n := len(words); c.Kind == abi.KindCounter && n > 2 && words[n-2] == "per" && words[n-1] == "sec" {
		words = words[:n-2]
	}
	if c.Kind == abi.KindCounter && len(words) > 1 && words[0] == "total" {
		words = words[1:]
	}
	if c.Unit == abi.UnitPages && len(words) > 1 {
		words = slices.DeleteFunc(words, func(w string) bool { return w == "pages" })
	}
	if len(words) > 1 {
		// promtool check metrics takes a metric type's name in a metric name
		// for the type (LpCounterRefreshSequenceNumber).
		words = slices.DeleteFunc(words, func(w string) bool { return slices.Contains(typeWords, w) })
	}
	var b strings.Builder
	b.WriteString(Namespace + "_" + object)
	for i, w := range words {
		if i == 0 || !slices.Contains(unitWords, words[i-1]) {
			b.WriteByte('_')
		}
		b.WriteString(w)
	}
	return b.String() + unitSuffix(c.Kind, c.Unit)
}

// unitSuffix is the base unit and _total a metric name ends in.
func unitSuffix(kind abi.CounterKind, unit abi.CounterUnit) string {
	s := ""
	switch unit {
	case abi.Unit100ns:
		s = "_seconds"
	case abi.UnitPages:
		s = "_bytes"
	}
	if kind == abi.KindCounter {
		s += "_total"
	}
	return s
}

// unitScale is the factor from a raw value in unit to the metric's base unit.
func unitScale(unit abi.CounterUnit) float64 {
	switch unit {
	case abi.Unit100ns:
		return 1e-7
	case abi.UnitPages:
		return PageSize
	}
	return 1
}

// doubledWord returns a word that a metric name repeats right after itself,
// or "".
func doubledWord(name string) string {
	words := strings.Split(name, "_")
	for i := 1; i < len(words); i++ {
		if words[i] == words[i-1] {
			return words[i]
		}
	}
	return ""
}

// splitWords splits a CamelCase name into lower-case words: a word starts at
// an upper-case letter after a lower-case one, after a digit when a
// lower-case letter follows, and at the last capital of an acronym
// (IOSpacePages -> io space pages, Pages4K -> pages4k, Vtl1RunTime -> vtl1
// run time).
func splitWords(s string) []string {
	var words []string
	start := 0
	isUp := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isLow := func(c byte) bool { return c >= 'a' && c <= 'z' }
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 1; i < len(s); i++ {
		if !isUp(s[i]) {
			continue
		}
		nextLow := i+1 < len(s) && isLow(s[i+1])
		if isLow(s[i-1]) || isDigit(s[i-1]) && nextLow || isUp(s[i-1]) && nextLow {
			words = append(words, strings.ToLower(s[start:i]))
			start = i
		}
	}
	return append(words, strings.ToLower(s[start:]))
}
