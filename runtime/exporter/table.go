package exporter

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
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
// metrics' object label, their identity labels and the width the kernel's
// debugfs files pad counter names to (drivers/hv/mshv_debugfs.c:559, 51, 275
// and 217 @ d4eb7b2da66c: the format of each object type's stats file).
var kinds = [numKinds]struct {
	code   uint32
	name   string
	labels []string
	width  int
}{
	{uint32(hv.StatsObjectHypervisor), "hypervisor", nil, 27},
	{uint32(hv.StatsObjectLogicalProcessor), "lp", []string{"lp"}, 32},
	{uint32(hv.StatsObjectPartition), "partition", []string{"partition"}, 37},
	{uint32(hv.StatsObjectVP), "vp", []string{"partition", "vp"}, 43},
}

func kindOf(code uint32) (kind, bool) {
	for k, x := range kinds {
		if x.code == code {
			return kind(k), true
		}
	}
	return 0, false
}

// Object types, the HV_STATS_OBJECT_TYPE values of Object.Type.
const (
	ObjectHypervisor = uint32(hv.StatsObjectHypervisor)
	ObjectLP         = uint32(hv.StatsObjectLogicalProcessor)
	ObjectPartition  = uint32(hv.StatsObjectPartition)
	ObjectVP         = uint32(hv.StatsObjectVP)
)

// metric is one exported counter of an object type.
type metric struct {
	Name    string // the metric name
	Counter string // the counter's name in the registry (and the kernel's files)
	desc    *prometheus.Desc
	vt      prometheus.ValueType
	slot    int32              // the page slot (flat) or the index in its group (grouped)
	group   abi.StatsGroupType // grouped pages: the group header Type
	scale   float64            // factor from the raw value to the metric's unit
	sim     simKind            // how the simulator moves the counter
	// label and value are the family label that tells this counter from the
	// others of its metric; "" for a metric of one counter.
	label, value string
}

// Table is what the exporter serves of one ABI version's statistics
// counters on one architecture: a metric per counter (or per family of
// counters), where each counter is on a page and how to scale it.
type Table struct {
	Arch    string
	metrics [numKinds][]metric
	// slots and scales are the metrics' page slots and factors, for walk.
	slots  [numKinds][]int32
	scales [numKinds][]float64
	// counters are how many of each object type's metrics are counters.
	counters [numKinds]int
	// descs are each object type's metric families, once each, and names
	// their names.
	descs [numKinds][]*prometheus.Desc
	names [numKinds][]string
	// byName finds a metric by counter name (the debugfs files' lines).
	byName [numKinds]map[string]int32
	// reserved are the placeholder counters: known, not served.
	reserved [numKinds]map[string]bool
	// flat are every counter of a flat layout on Arch, placeholders
	// included, in slot order: the lines of the kernel's debugfs files.
	flat    [numKinds][]abi.Counter
	unknown [numKinds]*prometheus.Desc // counters a debugfs file has and the table does not
	grouped bool                       // the pages are groups with headers (wdk-2013), not flat
	groups  [numKinds][]abi.StatsGroup // grouped pages: each object type's groups, for stats.Parse
}

type simKind uint8

const (
	simEvents simKind = iota
	simTime
	simGauge
	simZero
)

// NewTable builds the table of one ABI version's statistics groups (a
// generated package's StatsGroups) on architecture arch (x64 or arm64). The
// groups must all be flat (the page is the counter array, as linux-7.0's)
// or all grouped with a header Type and version each (wdk-2013), and give
// every counter a kind and a unit; placeholder counters are left out.
func NewTable(groups []abi.StatsGroup, arch string) (*Table, error) {
	if arch != "x64" && arch != "arm64" {
		return nil, fmt.Errorf("unknown architecture %q (x64 or arm64)", arch)
	}
	t := &Table{Arch: arch}
	byMetric := map[string]string{} // metric name -> the first counter that gives it
	famDesc := map[string]*prometheus.Desc{}
	for k := range kinds {
		t.byName[k] = map[string]int32{}
		t.reserved[k] = map[string]bool{}
		labels := append([]string{"counter"}, kinds[k].labels...)
		t.unknown[k] = prometheus.NewDesc(unknownName(kind(k)),
			"Counters of the kernel's statistics file that the exporter does not know (a newer kernel), raw, by the file's name of the counter.",
			labels, nil)
	}
	n := 0
	for i, g := range groups {
		if i == 0 {
			t.grouped = !g.Flat
		} else if g.Flat == t.grouped {
			return nil, fmt.Errorf("stats group %s is %s, the first group %s is %s", g.Name, layoutName(!g.Flat), groups[0].Name, layoutName(t.grouped))
		}
		k, ok := kindOf(g.Object)
		if !ok {
			return nil, fmt.Errorf("stats group %s: object type %#x is none of the four", g.Name, g.Object)
		}
		if t.grouped {
			if !g.HasID {
				return nil, fmt.Errorf("stats group %s has no header Type; the exporter cannot find it on a page", g.Name)
			}
			t.groups[k] = append(t.groups[k], g)
		}
		for _, c := range g.Counters {
			if !onArch(c, arch) {
				continue
			}
			if g.Flat {
				t.flat[k] = append(t.flat[k], c)
			}
			if c.Reserved {
				t.reserved[k][c.Name] = true
				continue
			}
			if c.Kind == "" || c.Unit == "" {
				return nil, fmt.Errorf("stats group %s: counter %s has no kind or unit", g.Name, c.Name)
			}
			m, err := t.newMetric(k, g, c, famDesc)
			if err != nil {
				return nil, err
			}
			if first, dup := byMetric[m.Name+"\x00"+m.value]; dup {
				return nil, fmt.Errorf("stats group %s: counter %s gives metric %s, as counter %s does", g.Name, c.Name, m.Name, first)
			}
			byMetric[m.Name+"\x00"+m.value] = c.Name
			if m.vt == prometheus.CounterValue {
				t.counters[k]++
			}
			t.byName[k][c.Name] = int32(len(t.metrics[k]))
			t.metrics[k] = append(t.metrics[k], m)
			t.slots[k] = append(t.slots[k], m.slot)
			t.scales[k] = append(t.scales[k], m.scale)
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("no statistics counters on %s", arch)
	}
	for k := range kinds {
		slices.SortStableFunc(t.flat[k], func(a, b abi.Counter) int { return a.Index - b.Index })
	}
	return t, nil
}

// newMetric makes counter c of group g the metric of object type k, or a
// member of its family's metric (whose Desc famDesc keeps).
func (t *Table) newMetric(k kind, g abi.StatsGroup, c abi.Counter, famDesc map[string]*prometheus.Desc) (metric, error) {
	m := metric{Counter: c.Name, Name: MetricName(kinds[k].name, c), vt: prometheus.GaugeValue,
		slot: int32(c.Index), group: g.ID, scale: unitScale(c.Unit), sim: simGauge}
	if w := doubledWord(m.Name); w != "" {
		return m, fmt.Errorf("stats group %s: counter %s gives metric %s, which repeats %q", g.Name, c.Name, m.Name, w)
	}
	if c.Kind == abi.KindCounter {
		m.vt, m.sim = prometheus.CounterValue, simEvents
		if c.Unit == abi.Unit100ns {
			m.sim = simTime
		}
	}
	if c.Unit == abi.UnitPages && c.Kind == abi.KindGauge {
		m.sim = simZero // a level of memory the simulator does not model: none, rather than a random amount
	}
	labels := kinds[k].labels
	help := help(c)
	if f, v := familyOf(c.Name); f != nil {
		m.label, m.value = f.label, v
		if f.value != nil {
			m.value = f.value(v)
		}
		if f.scale != nil {
			m.scale *= f.scale(v)
		}
		labels = append([]string{f.label}, labels...)
		help = f.help + unitHelp(c.Unit) + "."
		if f.scale != nil {
			help = f.help + " (bytes; the counters count pages of the labelled size)."
		}
		if c.Unit == abi.UnitPages {
			m.sim = simZero
		}
	}
	if d := famDesc[m.Name]; d != nil {
		m.desc = d
		return m, nil
	}
	m.desc = prometheus.NewDesc(m.Name, help, labels, nil)
	famDesc[m.Name] = m.desc
	t.descs[k] = append(t.descs[k], m.desc)
	t.names[k] = append(t.names[k], m.Name)
	return m, nil
}

// onArch reports whether the counter is at its index on arch.
func onArch(c abi.Counter, arch string) bool {
	return c.Arch == "" || slices.Contains(strings.Split(c.Arch, ","), arch)
}

// Len is the number of metrics per object of each type, in the order
// hypervisor, logical processor, partition, VP; a family of counters counts
// once per counter.
func (t *Table) Len() [4]int {
	return [4]int{len(t.metrics[0]), len(t.metrics[1]), len(t.metrics[2]), len(t.metrics[3])}
}

// Metrics lists the metric names the table serves (each family once), by
// object type in the order of Len, and the collector's own.
func (t *Table) Metrics() []string {
	var out []string
	for k := range kinds {
		out = append(out, t.names[k]...)
		out = append(out, unknownName(kind(k)))
	}
	return append(out, ownMetrics...)
}

func unknownName(k kind) string { return Namespace + "_" + kinds[k].name + "_unknown" }

func layoutName(grouped bool) string {
	if grouped {
		return "laid out in groups"
	}
	return "flat"
}

// help is a metric's HELP text: the registry's description, what the unit
// conversion did and the counter's name in the source.
func help(c abi.Counter) string {
	return strings.TrimSuffix(c.Doc, ".") + unitHelp(c.Unit) + ". Counter " + c.Name + "."
}

func unitHelp(u abi.CounterUnit) string {
	switch u {
	case abi.Unit100ns:
		return " (seconds; the page counts 100 ns units)"
	case abi.UnitPages:
		return " (bytes; the page counts 4 KiB pages)"
	case abi.UnitRaw:
		return " (raw value; the source gives no unit)"
	}
	return ""
}
