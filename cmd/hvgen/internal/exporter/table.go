// Package exporter serves a hypervisor's statistics pages as Prometheus
// metrics. A Table, built once from one ABI version's counter registry, says
// which page slot each metric reads and how to scale it; a Collector reads the
// pages a Source maps at every scrape, straight from the mapped memory.
package exporter

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/spec"
)

// Namespace prefixes every metric name.
const Namespace = "hyperv"

// kind is one of the four statistics object types.
type kind int

const (
	kindHypervisor kind = iota
	kindLP
	kindPartition
	kindVP
	numKinds
)

// kinds are the object types: their HV_STATS_OBJECT_TYPE values (the same in
// every version that has them), the name they give metrics and the error
// metric's object label, and their identity labels.
var kinds = [numKinds]struct {
	code   uint32
	name   string
	labels []string
}{
	{uint32(hv.StatsObjectHypervisor), "hypervisor", nil},
	{uint32(hv.StatsObjectLogicalProcessor), "lp", []string{"lp"}},
	{uint32(hv.StatsObjectPartition), "partition", []string{"partition"}},
	{uint32(hv.StatsObjectVP), "vp", []string{"partition", "vp"}},
}

func kindOf(code uint32) (kind, bool) {
	for k, x := range kinds {
		if x.code == code {
			return kind(k), true
		}
	}
	return 0, false
}

// metric is one exported counter of an object type.
type metric struct {
	Name    string // the metric name
	Counter string // the registry's counter name
	Help    string
	desc    *prometheus.Desc
	vt      prometheus.ValueType
}

// Table is what the exporter reads from each object type's pages.
type Table struct {
	Version, Arch string
	metrics       [numKinds][]metric
	// slots is the page slot of each metric on a flat page; on a grouped
	// page, its index in its group (groupOf), which a page's layout places.
	slots   [numKinds][]int32
	groupOf [numKinds][]abi.StatsGroupType // grouped pages: the group header Type of each metric
	scales  [numKinds][]float64            // factor from the raw value to the metric's unit
	sim     [numKinds][]simKind            // how the simulator should move each counter
	grouped bool                           // the pages are groups with headers (wdk-2013), not flat
	groups  [numKinds][]abi.StatsGroup     // grouped pages: each object type's groups, for stats.Parse
}

type simKind uint8

const (
	simEvents simKind = iota
	simTime
	simGauge
)

// NewTable builds the table of ABI version (a view of the registry) on
// architecture arch (x64 or arm64). The version's statistics groups must
// all be flat (the page is the counter array, as linux-7.0's) or all grouped
// with a header Type and version each (wdk-2013), and give every counter a
// kind and a unit; reserved counters are left out.
func NewTable(r *spec.Registry, version, arch string) (*Table, error) {
	t := &Table{Version: version, Arch: arch}
	if !slices.Contains(spec.Arches, arch) {
		return nil, fmt.Errorf("unknown architecture %q (%s)", arch, strings.Join(spec.Arches, ", "))
	}
	byName := map[string]spec.Pos{}
	for i, g := range r.StatsGroups {
		grouped := g.Layout != spec.LayoutFlat
		if i == 0 {
			t.grouped = grouped
		} else if grouped != t.grouped {
			return nil, fmt.Errorf("%s:%d: stats group %s of %s is laid out %s, the version's first group %s", g.Pos.File, g.Pos.Line, g.Name, version, layoutName(grouped), layoutName(t.grouped))
		}
		code, ok := enumValue(r, g.Object)
		if !ok {
			return nil, fmt.Errorf("%s:%d: stats group %s: object %s has no value", g.Pos.File, g.Pos.Line, g.Name, g.Object)
		}
		k, ok := kindOf(uint32(code))
		if !ok {
			return nil, fmt.Errorf("%s:%d: stats group %s: object %s = %#x is none of the four object types", g.Pos.File, g.Pos.Line, g.Name, g.Object, code)
		}
		var desc abi.StatsGroup
		if grouped {
			id, okID := constValue(r, g.IDConst)
			ver, okVer := constValue(r, g.VersionConst)
			if !okID || !okVer {
				return nil, fmt.Errorf("%s:%d: stats group %s has no header Type or version with a value; the exporter cannot find it on a page", g.Pos.File, g.Pos.Line, g.Name)
			}
			// HV_STATISTICS_GROUP_VERSION: Minor in the low 16 bits, Major above.
			desc = abi.StatsGroup{Name: g.Name, ID: abi.StatsGroupType(id), HasID: true, Major: uint16(ver >> 16), Minor: uint16(ver), Object: uint32(code)}
			t.groups[k] = append(t.groups[k], desc)
		}
		for _, c := range g.Counters {
			if c.Reserved || !c.OnArch(arch) {
				continue
			}
			if c.Kind == "" || c.Unit == "" {
				return nil, fmt.Errorf("%s:%d: counter %s has no kind or unit", c.Pos.File, c.Pos.Line, c.Name)
			}
			m := metric{Counter: c.Name, Name: MetricName(kinds[k].name, c.Name, c.Kind, c.Unit), vt: prometheus.GaugeValue}
			if first, dup := byName[m.Name]; dup {
				return nil, fmt.Errorf("%s:%d: counter %s gives metric %s, as the counter at %s:%d does", c.Pos.File, c.Pos.Line, c.Name, m.Name, first.File, first.Line)
			}
			byName[m.Name] = c.Pos
			scale, sk := 1.0, simGauge
			if c.Kind == "counter" {
				m.vt, sk = prometheus.CounterValue, simEvents
			}
			if c.Unit == "100ns" {
				scale = 1e-7
				if sk == simEvents {
					sk = simTime
				}
			}
			m.Help = help(c)
			m.desc = prometheus.NewDesc(m.Name, m.Help, kinds[k].labels, nil)
			t.metrics[k] = append(t.metrics[k], m)
			t.slots[k] = append(t.slots[k], int32(c.Index))
			t.groupOf[k] = append(t.groupOf[k], desc.ID)
			t.scales[k] = append(t.scales[k], scale)
			t.sim[k] = append(t.sim[k], sk)
		}
	}
	if len(byName) == 0 {
		return nil, fmt.Errorf("version %s has no statistics counters on %s", version, arch)
	}
	return t, nil
}

// Len is the number of metrics per object of each type, in the order
// hypervisor, logical processor, partition, VP.
func (t *Table) Len() [4]int {
	return [4]int{len(t.metrics[0]), len(t.metrics[1]), len(t.metrics[2]), len(t.metrics[3])}
}

func layoutName(grouped bool) string {
	if grouped {
		return "in groups"
	}
	return "flat"
}

func constValue(r *spec.Registry, name string) (uint64, bool) {
	for _, c := range r.Constants {
		if c.Name == name && name != "" && c.Value != nil {
			return *c.Value, true
		}
	}
	return 0, false
}

func enumValue(r *spec.Registry, name string) (uint64, bool) {
	for _, t := range r.Types {
		for _, v := range t.Values {
			if v.Name == name {
				return v.Value, true
			}
		}
	}
	return 0, false
}

// help is a metric's HELP text: the registry's description, the counter's
// name in the source and what the unit conversion did.
func help(c *spec.Counter) string {
	s := strings.TrimSuffix(c.Doc, ".")
	switch c.Unit {
	case "100ns":
		s += " (seconds; the page counts 100 ns units)"
	case "pages":
		s += " (pages)"
	case "raw":
		s += " (raw value)"
	}
	return s + ". Counter " + c.Name + "."
}

// unitWords are words Prometheus's linter reads as abbreviated units when
// they stand alone in a metric name; MetricName joins them to the next word.
var unitWords = []string{"s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"}

// MetricName derives a metric name from a counter: the namespace, the object
// type, the counter name without its two-letter object prefix in snake case
// (a trailing "count" dropped, and for counters a trailing "per sec": the
// 2013 names of counts Prometheus takes rates of), "seconds" for time and
// "total" for counters: VpTotalRunTime -> hyperv_vp_total_run_time_seconds_total,
// VpHypercallsCount and HypercallsPerSec -> hyperv_vp_hypercalls_total.
func MetricName(object, counter, kind, unit string) string {
	name := counter
	if len(name) > 2 && name[2] >= 'A' && name[2] <= 'Z' && strings.ContainsAny(name[:1], "HLPV") {
		name = name[2:]
	}
	words := splitWords(name)
	if len(words) > 1 && words[len(words)-1] == "count" {
		words = words[:len(words)-1]
	}
	if n := len(words); kind == "counter" && n > 2 && words[n-2] == "per" && words[n-1] == "sec" {
		words = words[:n-2]
	}
	var b strings.Builder
	b.WriteString(Namespace + "_" + object)
	for i, w := range words {
		if i == 0 || !slices.Contains(unitWords, words[i-1]) {
			b.WriteByte('_')
		}
		b.WriteString(w)
	}
	if unit == "100ns" {
		b.WriteString("_seconds")
	}
	if kind == "counter" {
		b.WriteString("_total")
	}
	return b.String()
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
