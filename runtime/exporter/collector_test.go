package exporter

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"

	"github.com/hvgen/hvgen/generated/linux70"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
)

func testTable(t testing.TB) *Table { return table(t, linux70.StatsGroups[:], "x64") }

func groupedTable(t testing.TB) *Table { return table(t, hv.StatsGroups[:], "x64") }

func table(t testing.TB, groups []abi.StatsGroup, arch string) *Table {
	t.Helper()
	tab, err := NewTable(groups, arch)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// hooked is a Source that lets a test change what a wrapped source reports.
type hooked struct {
	Source
	objects  func(buf []Object) ([]Object, error)           // after the wrapped listing
	read     func(o Object, v *Values) (err error, ok bool) // true: use this answer
	released int                                            // Release calls
}

func (h *hooked) Release(o Object) {
	h.released++
	h.Source.Release(o)
}

func (h *hooked) Objects(buf []Object) ([]Object, error) {
	buf, err := h.Source.Objects(buf)
	if err == nil && h.objects != nil {
		return h.objects(buf)
	}
	return buf, err
}

func (h *hooked) Read(o Object, v *Values) error {
	if h.read != nil {
		if err, ok := h.read(o, v); ok {
			return err
		}
	}
	return h.Source.Read(o, v)
}

// gather scrapes c once and indexes the result by metric name.
func gather(t testing.TB, c *Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value is the value of the series of name whose labels include want
// (name=value pairs), and whether there is one.
func value(mfs map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	for _, m := range mfs[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for i := 0; i+1 < len(want); i += 2 {
			ok = ok && labels[want[i]] == want[i+1]
		}
		if !ok {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), true
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), true
		case m.GetUntyped() != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func newTestSim(t testing.TB, parts, vps int) (*Sim, *clock, *Table) {
	tab := testTable(t)
	clk := &clock{now: time.Unix(1000, 0)}
	s, err := NewSim(tab, SimConfig{Seed: 1, LPs: 2, Partitions: parts, VPs: vps, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk, tab
}

func logTo(b *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

const (
	runTime    = "hyperv_vp_run_time_seconds_total"
	errorsRead = "hyperv_exporter_read_errors_total"
	objects    = "hyperv_exporter_objects"
)

func TestCollectorSim(t *testing.T) {
	s, clk, tab := newTestSim(t, 2, 3)
	var log bytes.Buffer
	c := NewCollector(s, tab, logTo(&log))
	first := gather(t, c)
	if n, _ := value(first, objects, "object", "vp"); n != 6 {
		t.Errorf("%v VPs, want 6", n)
	}
	if got := len(first[runTime].GetMetric()); got != 6 {
		t.Errorf("%d run-time series, want 6", got)
	}
	// One simulated second: a time counter grows by at most a second.
	clk.Add(time.Second)
	second := gather(t, c)
	a, _ := value(first, runTime, "partition", "2", "vp", "1")
	b, _ := value(second, runTime, "partition", "2", "vp", "1")
	if b <= a || b-a > 1.0000001 {
		t.Errorf("run time %v -> %v over one second", a, b)
	}
	if n, ok := value(second, "hyperv_hypervisor_partitions", "", ""); !ok || n != 3 {
		t.Errorf("hyperv_hypervisor_partitions = %v %v, want 3 (the root and two children)", n, ok)
	}
	if log.Len() != 0 {
		t.Errorf("log: %s", log.String())
	}
}

// A partition deleted between the listing and the page reads: the scrape
// answers, counts the pages that went away, and the next scrape drops the
// partition's series.
func TestCollectorPartitionVanishes(t *testing.T) {
	s, _, tab := newTestSim(t, 2, 3)
	var log bytes.Buffer
	vanish := false
	src := &hooked{Source: s, objects: func(buf []Object) ([]Object, error) {
		if vanish {
			vanish = false
			if err := s.deletePartition(2); err != nil {
				t.Error(err)
			}
		}
		return buf, nil
	}}
	c := NewCollector(src, tab, logTo(&log))
	gather(t, c)
	vanish = true
	mfs := gather(t, c)
	if n, _ := value(mfs, errorsRead, "object", "partition", "reason", ReasonUnmapped); n != 1 {
		t.Errorf("partition unmapped errors %v, want 1", n)
	}
	if n, _ := value(mfs, errorsRead, "object", "vp", "reason", ReasonUnmapped); n != 3 {
		t.Errorf("vp unmapped errors %v, want 3", n)
	}
	if _, ok := value(mfs, runTime, "partition", "3", "vp", "0"); !ok {
		t.Error("the other partition's VPs are missing")
	}
	if _, ok := value(mfs, runTime, "partition", "2"); ok {
		t.Error("the vanished partition still has run-time series")
	}
	if !strings.Contains(log.String(), `object="partition 2"`) || !strings.Contains(log.String(), "reason=unmapped") {
		t.Errorf("log: %s", log.String())
	}
	mfs = gather(t, c)
	if n, _ := value(mfs, objects, "object", "partition"); n != 1 {
		t.Errorf("%v partitions after the deletion, want 1", n)
	}
	if n, _ := value(mfs, errorsRead, "object", "vp", "reason", ReasonUnmapped); n != 3 {
		t.Errorf("vp unmapped errors %v after the partition left the listing, want still 3", n)
	}
	if len(c.state) != 1+2+1+3 {
		t.Errorf("%d object states kept, want 7", len(c.state))
	}
}

// A page unmapped behind the exporter's back is an error once, then mapped
// again.
func TestCollectorPageUnmapped(t *testing.T) {
	s, _, tab := newTestSim(t, 1, 1)
	var log bytes.Buffer
	c := NewCollector(s, tab, logTo(&log))
	gather(t, c)
	in := &hv.UnmapStatsPageInput{StatsType: hv.StatsObjectLogicalProcessor}
	in.ObjectIdentity.LogicalProcessor().LogicalProcessorIndex = 1
	if err := hv.NewClient(s.H.Root().Backend()).UnmapStatsPage(in); err != nil {
		t.Fatal(err)
	}
	mfs := gather(t, c)
	if n, _ := value(mfs, errorsRead, "object", "lp", "reason", ReasonUnmapped); n != 1 {
		t.Errorf("lp unmapped errors %v, want 1", n)
	}
	if _, ok := value(mfs, "hyperv_lp_run_time_seconds_total", "lp", "1"); ok {
		t.Error("the unmapped LP has series")
	}
	mfs = gather(t, c)
	if _, ok := value(mfs, "hyperv_lp_run_time_seconds_total", "lp", "1"); !ok {
		t.Error("the LP page was not mapped again")
	}
	if !strings.Contains(log.String(), "readable again") {
		t.Errorf("log: %s", log.String())
	}
}

// Corrupt pages, a failing map and a failing listing: the scrape still
// answers with everything else.
func TestCollectorBadPages(t *testing.T) {
	s, _, tab := newTestSim(t, 1, 2)
	aligned := make([]uint64, PageSize/8+1)
	short := make([]byte, 100)
	misaligned := unsafeBytes(aligned)[4 : 4+PageSize]
	listErr := false
	src := &hooked{Source: s,
		objects: func(buf []Object) ([]Object, error) {
			if listErr {
				return buf, errors.New("driver gone")
			}
			// an LP the hypervisor does not have, and an object listed twice
			return append(buf, Object{Type: uint32(hv.StatsObjectLogicalProcessor), Index: 99}, buf[1]), nil
		},
		read: func(o Object, v *Values) (error, bool) {
			switch {
			case o.Type == ObjectHypervisor:
				return v.Page(short), true
			case o.Type == ObjectVP && o.Index == 1:
				return v.Page(misaligned), true
			}
			return nil, false
		}}
	var log bytes.Buffer
	c := NewCollector(src, tab, logTo(&log))
	mfs := gather(t, c)
	for _, e := range []struct {
		object, reason string
	}{{"hypervisor", ReasonCorrupt}, {"vp", ReasonCorrupt}, {"lp", ReasonMap}} {
		if n, _ := value(mfs, errorsRead, "object", e.object, "reason", e.reason); n != 1 {
			t.Errorf("%s %s errors: %v, want 1", e.object, e.reason, n)
		}
	}
	if _, ok := value(mfs, runTime, "vp", "0"); !ok {
		t.Error("the good VP is missing")
	}
	if _, ok := value(mfs, "hyperv_hypervisor_partitions"); ok {
		t.Error("the corrupt hypervisor page gave series")
	}
	if !strings.Contains(log.String(), "HV_STATUS_INVALID_PARAMETER") {
		t.Errorf("the map failure is not logged with its status: %s", log.String())
	}
	listErr = true
	mfs = gather(t, c)
	if n, _ := value(mfs, errorsRead, "object", "all", "reason", ReasonList); n != 1 {
		t.Errorf("list errors %v, want 1", n)
	}
	if _, ok := value(mfs, runTime, "vp", "0"); !ok {
		t.Error("the listing error lost the objects listed before it")
	}
}

// The exposition passes the Prometheus linter (promtool check metrics runs
// the same checks; cmd/hvgen runs promtool itself), for each version and
// architecture.
func TestLint(t *testing.T) {
	for _, v := range []struct {
		name   string
		groups []abi.StatsGroup
		arch   string
	}{{"linux-7.0/x64", linux70.StatsGroups[:], "x64"}, {"linux-7.0/arm64", linux70.StatsGroups[:], "arm64"}, {"wdk-2013/x64", hv.StatsGroups[:], "x64"}} {
		tab := table(t, v.groups, v.arch)
		s, err := NewSim(tab, SimConfig{Partitions: 1, VPs: 1})
		if err != nil {
			t.Fatal(err)
		}
		h, err := Handler(NewCollector(s, tab, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		problems, err := promlint.New(rec.Body).Lint()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s: %s", v.name, p.Metric, p.Text)
		}
	}
}

// Churn makes partitions come and go, the same way for the same seed.
func TestSimChurn(t *testing.T) {
	history := func(seed uint64) []int {
		tab := testTable(t)
		clk := &clock{now: time.Unix(0, 0)}
		s, err := NewSim(tab, SimConfig{Seed: seed, Partitions: 2, VPs: 2, Churn: true, ChurnEvery: time.Second, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for range 20 {
			clk.Add(time.Second)
			objs, _ := s.Objects(nil)
			n := 0
			for _, o := range objs {
				if o.Type == ObjectPartition {
					n = n*100 + int(o.Partition)
				}
			}
			out = append(out, n)
		}
		return out
	}
	a, b := history(5), history(5)
	changes := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 5 twice: %v and %v", a, b)
		}
		if i > 0 && a[i] != a[i-1] {
			changes++
		}
	}
	if changes < 3 {
		t.Errorf("partitions changed %d times in 20 steps: %v", changes, a)
	}
}

// A listing that fails keeps the pages mapped: the objects it could not
// list may still exist, so only a successful listing releases a page.
func TestCollectorListFailureKeepsPages(t *testing.T) {
	s, _, tab := newTestSim(t, 1, 2)
	fail := false
	src := &hooked{Source: s}
	wrapped := &listing{Source: src, fail: &fail}
	c := NewCollector(wrapped, tab, slog.New(slog.DiscardHandler))
	gather(t, c)
	fail = true
	mfs := gather(t, c)
	if n, _ := value(mfs, errorsRead, "object", "all", "reason", ReasonList); n != 1 {
		t.Errorf("list errors %v, want 1", n)
	}
	if src.released != 0 {
		t.Errorf("a failed listing released %d pages", src.released)
	}
	fail = false
	if _, ok := value(gather(t, c), runTime, "vp", "0"); !ok || src.released != 0 {
		t.Errorf("after the listing recovered: VP 0 exported %v, %d pages released", ok, src.released)
	}
}

// listing fails with an empty list while *fail is set.
type listing struct {
	Source
	fail *bool
}

func (l *listing) Objects(buf []Object) ([]Object, error) {
	if *l.fail {
		return buf[:0], errors.New("driver gone")
	}
	return l.Source.Objects(buf)
}

// /metrics speaks OpenMetrics to a scraper that asks for it (as Prometheus
// does) and the text format otherwise; both carry the same families.
func TestOpenMetrics(t *testing.T) {
	s, _, tab := newTestSim(t, 1, 1)
	h, err := Handler(NewCollector(s, tab, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ accept, ctype, end string }{
		{"application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", "application/openmetrics-text; version=1.0.0", "# EOF\n"},
		{"", "text/plain; version=0.0.4", "\n"},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), c.ctype) || !strings.HasSuffix(body, c.end) ||
			!strings.Contains(body, "# TYPE hyperv_vp_run_time_seconds") || !strings.Contains(body, `hyperv_exporter_read_errors_total{object="vp",reason="map"} 0`) {
			t.Errorf("Accept %q: %d %q, %d bytes", c.accept, rec.Code, rec.Header().Get("Content-Type"), len(body))
		}
	}
}
