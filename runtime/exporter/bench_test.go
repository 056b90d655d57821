package exporter

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// vpPage maps a simulated VP's page and returns it with the VP slots.
func vpPage(t testing.TB) ([]byte, *Table) {
	s, clk, tab := newTestSim(t, 1, 1)
	clk.Add(1e9)
	objs, err := s.Objects(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if k, _ := kindOf(o.Type); k == kindVP {
			p, err := s.Page(o)
			if err != nil {
				t.Fatal(err)
			}
			return p, tab
		}
	}
	t.Fatal("no VP")
	return nil, nil
}

// The page walk reads the mapped page in place and allocates nothing.
func TestWalkAllocs(t *testing.T) {
	page, tab := vpPage(t)
	out := make([]float64, len(tab.slots[kindVP]))
	if n := testing.AllocsPerRun(100, func() {
		if err := walk(page, tab.slots[kindVP], tab.scales[kindVP], out); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("walk allocates %v times per page", n)
	}
	if out[0] <= 0 {
		t.Errorf("VP run time %v after a second", out[0])
	}
}

// BenchmarkWalk reads one VP page (all its x64 counters).
func BenchmarkWalk(b *testing.B) {
	page, tab := vpPage(b)
	out := make([]float64, len(tab.slots[kindVP]))
	b.SetBytes(int64(8 * len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if err := walk(page, tab.slots[kindVP], tab.scales[kindVP], out); err != nil {
			b.Fatal(err)
		}
	}
}

// host64 is a simulated host with 64 VPs (4 partitions of 16) and 8 LPs.
func host64(b *testing.B) *Collector {
	tab := testTable(b)
	s, err := NewSim(tab, SimConfig{Seed: 1, LPs: 8, Partitions: 4, VPs: 16})
	if err != nil {
		b.Fatal(err)
	}
	c := NewCollector(s, tab, slog.New(slog.DiscardHandler))
	gather(b, c) // map every page first
	return c
}

// BenchmarkScrape is one scrape of a 64-VP host: Gather reads every page and
// builds the metric families.
// The baseline is the same scrape with prometheus.NewConstMetric series.
func BenchmarkScrape(b *testing.B) {
	for _, v := range []struct {
		name     string
		constant bool
	}{{"samples", false}, {"constmetric", true}} {
		b.Run(v.name, func(b *testing.B) {
			c := host64(b)
			c.constMetrics = v.constant
			reg := prometheus.NewRegistry()
			reg.MustRegister(c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := reg.Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScrapeHTTP adds the text exposition of /metrics.
func BenchmarkScrapeHTTP(b *testing.B) {
	c := host64(b)
	h, err := Handler(c, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		b.SetBytes(int64(rec.Body.Len()))
		io.Discard.Write(rec.Body.Bytes())
	}
}
