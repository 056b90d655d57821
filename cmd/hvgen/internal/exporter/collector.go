package exporter

import (
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// Collector is a prometheus.Collector that reads a Source's statistics pages
// at every scrape. Objects appear and disappear with the source's listing; a
// page that cannot be read is counted in hyperv_stats_page_errors_total and
// logged, and the scrape goes on with the other objects.
type Collector struct {
	src   Source
	table *Table
	log   *slog.Logger

	mu    sync.Mutex // one scrape at a time: the listing buffer and object states are shared
	objs  []Object
	state map[Object]*objState
	gen   uint64

	// constMetrics makes Collect build its series with prometheus.NewConstMetric,
	// the baseline BenchmarkScrape measures samples against.
	constMetrics bool

	errors   *prometheus.CounterVec
	objects  *prometheus.Desc
	duration *prometheus.Desc
}

// objState is what the collector keeps for an object between scrapes.
type objState struct {
	labels []string         // identity label values
	pairs  []*dto.LabelPair // identity labels, sorted by name, made once and shared by the object's samples
	values []float64        // the last walk's values, reused
	gen    uint64           // the scrape that last listed the object
	failed string           // the reason of the last failure, "" when the last read worked
	layout groupLayout      // grouped pages: where this object's page holds the counters
}

// NewCollector reads src's pages as table describes them. log gets a line
// when an object's page starts or stops failing.
func NewCollector(src Source, table *Table, log *slog.Logger) *Collector {
	return &Collector{
		src: src, table: table, log: log, state: map[Object]*objState{},
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "stats_page_errors_total",
			Help: "Statistics pages that could not be read at a scrape, by object type and reason (map, unmapped, corrupt, list).",
		}, []string{"object", "reason"}),
		objects: prometheus.NewDesc(Namespace+"_stats_objects", "Statistics objects the hypervisor reported at this scrape, by object type.",
			[]string{"object"}, nil),
		duration: prometheus.NewDesc(Namespace+"_stats_scrape_duration_seconds", "Time this scrape took to list the objects and read their pages.",
			nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for k := range kinds {
		for i := range c.table.metrics[k] {
			ch <- c.table.metrics[k][i].desc
		}
	}
	c.errors.Describe(ch)
	ch <- c.objects
	ch <- c.duration
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	c.gen++
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
		if err := c.read(o, k, st); err != nil {
			reason := reasonOf(err)
			c.errors.WithLabelValues(kinds[k].name, reason).Inc()
			if st.failed != reason {
				c.log.Warn("statistics page unreadable", "object", o.String(), "reason", reason, "err", err)
			}
			st.failed = reason
			continue
		}
		if st.failed != "" {
			c.log.Info("statistics page readable again", "object", o.String())
			st.failed = ""
		}
		ms := c.table.metrics[k]
		if c.constMetrics {
			for i := range ms {
				ch <- prometheus.MustNewConstMetric(ms[i].desc, ms[i].vt, st.values[i], st.labels...)
			}
			continue
		}
		batch := make([]sample, len(ms)) // one allocation per object: the registry holds the samples until it has written them
		for i := range ms {
			batch[i] = sample{desc: ms[i].desc, labels: st.pairs, value: st.values[i], counter: ms[i].vt == prometheus.CounterValue}
			ch <- &batch[i]
		}
	}
	// An object the listing left out is gone, and its page is released; but
	// a listing that failed may have left out live objects, so their
	// mappings are kept until a listing succeeds without them.
	for o, st := range c.state {
		if st.gen != c.gen && err == nil {
			c.src.Release(o)
			delete(c.state, o)
		}
	}
	c.errors.Collect(ch)
	for k := range kinds {
		ch <- prometheus.MustNewConstMetric(c.objects, prometheus.GaugeValue, float64(count[k]), kinds[k].name)
	}
	ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, time.Since(start).Seconds())
}

func (c *Collector) newState(o Object, k kind) *objState {
	st := &objState{values: make([]float64, len(c.table.metrics[k]))}
	var values []string
	switch k {
	case kindLP:
		values = []string{strconv.FormatUint(uint64(o.Index), 10)}
	case kindPartition:
		values = []string{strconv.FormatUint(o.Partition, 10)}
	case kindVP:
		values = []string{strconv.FormatUint(o.Partition, 10), strconv.FormatUint(uint64(o.Index), 10)}
	}
	st.labels = values
	for i, name := range kinds[k].labels { // already sorted by name
		st.pairs = append(st.pairs, &dto.LabelPair{Name: proto.String(name), Value: proto.String(values[i])})
	}
	return st
}

// read maps (or finds) the object's page and walks it into st.values.
func (c *Collector) read(o Object, k kind, st *objState) error {
	page, err := c.src.Page(o)
	if err != nil {
		return err
	}
	slots := c.table.slots[k]
	if c.table.grouped {
		if !st.layout.holds(page) {
			if err := st.layout.locate(page, c.table, k); err != nil {
				return &PageError{Reason: ReasonCorrupt, Err: err}
			}
		}
		slots = st.layout.slots
	}
	if err := walk(page, slots, c.table.scales[k], st.values); err != nil {
		return &PageError{Reason: ReasonCorrupt, Err: err}
	}
	for _, i := range st.layout.missing {
		st.values[i] = math.NaN() // no value: the page lacks the counter
	}
	return nil
}

// sample is one counter's value at a scrape: a prometheus.Metric that
// shares its object's label pairs instead of building them per series, as
// prometheus.NewConstMetric would.
type sample struct {
	desc    *prometheus.Desc
	labels  []*dto.LabelPair
	value   float64
	counter bool
	c       dto.Counter
	g       dto.Gauge
}

// Desc implements prometheus.Metric.
func (s *sample) Desc() *prometheus.Desc { return s.desc }

// Write implements prometheus.Metric.
func (s *sample) Write(m *dto.Metric) error {
	m.Label = s.labels
	if s.counter {
		s.c.Value = &s.value
		m.Counter = &s.c
	} else {
		s.g.Value = &s.value
		m.Gauge = &s.g
	}
	return nil
}
