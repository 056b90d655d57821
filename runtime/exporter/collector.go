package exporter

import (
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// The collector's own metrics.
const (
	metricErrors   = Namespace + "_exporter_read_errors_total"
	metricObjects  = Namespace + "_exporter_objects"
	metricUnknown  = Namespace + "_exporter_unknown_counters"
	metricDuration = Namespace + "_exporter_scrape_duration_seconds"
)

var ownMetrics = []string{metricErrors, metricObjects, metricUnknown, metricDuration}

// Collector is a prometheus.Collector that reads a Source's statistics at
// every scrape. Objects appear and disappear with the source's listing. An
// object that cannot be read, or not all of it, is counted in
// hyperv_exporter_read_errors_total{object,reason} and logged when its
// state changes; the scrape goes on with everything that could be read.
type Collector struct {
	src   Source
	table *Table
	log   *slog.Logger

	mu    sync.Mutex // one scrape at a time: the listing buffer and object states are shared
	objs  []Object
	state map[Object]*objState
	gen   uint64
	seen  [numKinds]map[string]bool // unknown counter names of this scrape
	why   []string                  // reasons of one object's error, reused

	// constMetrics makes Collect build its series with prometheus.NewConstMetric,
	// the baseline BenchmarkScrape measures samples against.
	constMetrics bool

	errors   *prometheus.CounterVec
	objects  *prometheus.Desc
	unknown  *prometheus.Desc
	duration *prometheus.Desc
}

// objState is what the collector keeps for an object between scrapes.
type objState struct {
	labels []string         // identity label values
	pairs  []*dto.LabelPair // identity labels, sorted by name, made once and shared by the object's samples
	// famPairs are the label pairs of the metrics of a family (the family
	// label and the identity labels, sorted), by metric index; nil for the
	// others.
	famPairs [][]*dto.LabelPair
	values   []float64   // the last read's values, scaled; NaN: not read
	decoded  bool        // the last read gave values
	gen      uint64      // the scrape that last listed the object
	failed   string      // the reasons of the last failure, "" when the last read worked
	layout   groupLayout // grouped pages: where this object's page holds the counters
	unknown  []unknownValue
	unkPairs map[string][]*dto.LabelPair // label pairs of each unknown counter, made once
}

// NewCollector reads src's objects as table describes their counters. log
// gets a line when an object starts or stops failing.
func NewCollector(src Source, table *Table, log *slog.Logger) *Collector {
	c := &Collector{
		src: src, table: table, log: log, state: map[Object]*objState{},
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricErrors,
			Help: "Objects whose statistics could not be read, or not all, at a scrape, by object type and reason (list, map, unmapped, corrupt, vanished, permission, read, truncated, malformed).",
		}, []string{"object", "reason"}),
		objects: prometheus.NewDesc(metricObjects, "Statistics objects the source listed at this scrape, by object type.",
			[]string{"object"}, nil),
		unknown: prometheus.NewDesc(metricUnknown, "Counter names the source gave at this scrape that the exporter does not know (served raw as hyperv_<object>_unknown), by object type.",
			[]string{"object"}, nil),
		duration: prometheus.NewDesc(metricDuration, "Time this scrape took to list the objects and read their statistics.",
			nil, nil),
	}
	// Every error the source can give is served from the first scrape, at 0.
	reasons := slices.Concat(PageReasons, FileReasons)
	if r, ok := src.(Reasoner); ok {
		reasons = r.Reasons()
	}
	c.errors.WithLabelValues("all", ReasonList)
	for k := range kinds {
		c.seen[k] = map[string]bool{}
		for _, r := range reasons {
			c.errors.WithLabelValues(kinds[k].name, r)
		}
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for k := range kinds {
		for _, d := range c.table.descs[k] {
			ch <- d
		}
		ch <- c.table.unknown[k]
	}
	c.errors.Describe(ch)
	ch <- c.objects
	ch <- c.unknown
	ch <- c.duration
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	c.gen++
	for k := range kinds {
		clear(c.seen[k])
	}
	objs, err := c.src.Objects(c.objs[:0])
	c.objs = objs
	if err != nil {
		c.errors.WithLabelValues("all", ReasonList).Inc()
		c.log.Error("listing the statistics objects failed", "err", err)
	}
	var count [numKinds]int
	for _, o := range objs {
		k, ok := kindOf(o.Type)
		if !ok {
			continue
		}
		st := c.state[o]
		if st == nil {
			st = c.newState(o, k)
			c.state[o] = st
		} else if st.gen == c.gen {
			continue // listed twice: its series are out already
		}
		count[k]++
		st.gen = c.gen
		st.decoded = false
		rerr := c.src.Read(o, &Values{t: c.table, k: k, st: st})
		c.note(o, k, st, rerr)
		if st.decoded {
			c.emit(ch, k, st)
		}
	}
	// An object the listing left out is gone, and released; but a listing
	// that failed may have left out live objects, so they are kept until a
	// listing succeeds without them.
	for o, st := range c.state {
		if st.gen != c.gen && err == nil {
			c.src.Release(o)
			delete(c.state, o)
		}
	}
	c.errors.Collect(ch)
	for k := range kinds {
		ch <- prometheus.MustNewConstMetric(c.objects, prometheus.GaugeValue, float64(count[k]), kinds[k].name)
		ch <- prometheus.MustNewConstMetric(c.unknown, prometheus.GaugeValue, float64(len(c.seen[k])), kinds[k].name)
	}
	ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, time.Since(start).Seconds())
}

// note counts and logs the outcome of reading an object.
func (c *Collector) note(o Object, k kind, st *objState, err error) {
	if err == nil {
		if st.failed != "" {
			c.log.Info("statistics readable again", "object", o.String())
			st.failed = ""
		}
		return
	}
	c.why = reasonsOf(err, c.why[:0])
	for _, r := range c.why {
		c.errors.WithLabelValues(kinds[k].name, r).Inc()
	}
	if failed := strings.Join(c.why, ","); failed != st.failed {
		c.log.Warn("statistics unreadable", "object", o.String(), "reason", failed, "err", err)
		st.failed = failed
	}
}

// emit sends the object's series: each value read, and its unknown
// counters.
func (c *Collector) emit(ch chan<- prometheus.Metric, k kind, st *objState) {
	ms := c.table.metrics[k]
	if c.constMetrics {
		for i := range ms {
			if v := st.values[i]; !math.IsNaN(v) {
				if ms[i].label != "" {
					ch <- prometheus.MustNewConstMetric(ms[i].desc, ms[i].vt, v, append([]string{ms[i].value}, st.labels...)...)
				} else {
					ch <- prometheus.MustNewConstMetric(ms[i].desc, ms[i].vt, v, st.labels...)
				}
			}
		}
	} else {
		// Two allocations per object, one per value type: the registry holds
		// the samples until it has written them.
		n := c.table.counters[k]
		counters, gauges := make([]counterSample, n), make([]gaugeSample, len(ms)-n)
		for i := range ms {
			v := st.values[i]
			if math.IsNaN(v) {
				continue
			}
			pairs := st.pairs
			if st.famPairs[i] != nil {
				pairs = st.famPairs[i]
			}
			s := sampleHead{desc: ms[i].desc, labels: pairs, value: v}
			if ms[i].vt == prometheus.CounterValue {
				counters[0] = counterSample{sampleHead: s}
				ch <- &counters[0]
				counters = counters[1:]
			} else {
				gauges[0] = gaugeSample{sampleHead: s}
				ch <- &gauges[0]
				gauges = gauges[1:]
			}
		}
	}
	for _, u := range st.unknown {
		c.seen[k][u.name] = true
		pairs := st.unkPairs[u.name]
		if pairs == nil {
			if st.unkPairs == nil {
				st.unkPairs = map[string][]*dto.LabelPair{}
			}
			pairs = sortedPairs(append([]*dto.LabelPair{pair("counter", u.name)}, st.pairs...))
			st.unkPairs[u.name] = pairs
		}
		ch <- &untypedSample{sampleHead: sampleHead{desc: c.table.unknown[k], labels: pairs, value: u.value}}
	}
}

func (c *Collector) newState(o Object, k kind) *objState {
	ms := c.table.metrics[k]
	st := &objState{values: make([]float64, len(ms)), famPairs: make([][]*dto.LabelPair, len(ms))}
	switch k {
	case kindLP:
		st.labels = []string{strconv.FormatUint(uint64(o.Index), 10)}
	case kindPartition:
		st.labels = []string{partitionLabel(o.Partition)}
	case kindVP:
		st.labels = []string{partitionLabel(o.Partition), strconv.FormatUint(uint64(o.Index), 10)}
	}
	for i, name := range kinds[k].labels {
		st.pairs = append(st.pairs, pair(name, st.labels[i]))
	}
	st.pairs = sortedPairs(st.pairs)
	for i, m := range ms {
		if m.label != "" {
			st.famPairs[i] = sortedPairs(append([]*dto.LabelPair{pair(m.label, m.value)}, st.pairs...))
		}
	}
	return st
}

func pair(name, value string) *dto.LabelPair {
	return &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)}
}

// sortedPairs sorts label pairs by name, as a Metric's labels must be.
func sortedPairs(p []*dto.LabelPair) []*dto.LabelPair {
	slices.SortFunc(p, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
	return p
}

// sampleHead is one counter's value at a scrape; counterSample,
// gaugeSample and untypedSample are it as a prometheus.Metric of each value
// type, which shares its object's label pairs instead of building them per
// series, as prometheus.NewConstMetric would.
type sampleHead struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	value  float64
}

// Desc implements prometheus.Metric.
func (s *sampleHead) Desc() *prometheus.Desc { return s.desc }

type counterSample struct {
	sampleHead
	c dto.Counter
}

// Write implements prometheus.Metric.
func (s *counterSample) Write(m *dto.Metric) error {
	m.Label, s.c.Value, m.Counter = s.labels, &s.value, &s.c
	return nil
}

type gaugeSample struct {
	sampleHead
	g dto.Gauge
}

// Write implements prometheus.Metric.
func (s *gaugeSample) Write(m *dto.Metric) error {
	m.Label, s.g.Value, m.Gauge = s.labels, &s.value, &s.g
	return nil
}

type untypedSample struct {
	sampleHead
	u dto.Untyped
}

// Write implements prometheus.Metric.
func (s *untypedSample) Write(m *dto.Metric) error {
	m.Label, s.u.Value, m.Untyped = s.labels, &s.value, &s.u
	return nil
}
