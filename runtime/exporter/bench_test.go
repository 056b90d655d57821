package exporter

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

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

// host64 is a simulated host with 64 VPs (4 partitions of 16) on 8 LPs,
// after 10 s of simulated time.
func host64(b *testing.B) (*Sim, *Table) {
	tab := testTable(b)
	clk := &clock{now: time.Unix(0, 0)}
	s, err := NewSim(tab, SimConfig{Seed: 1, LPs: 8, Partitions: 4, VPs: 16, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	clk.Add(10 * time.Second)
	return s, tab
}

// scrapeSources are the two ways to read the same host: its pages mapped
// through the sim's hypercalls, and the kernel's debugfs tree it writes
// (with the root partition and its VP besides).
func scrapeSources(b *testing.B) []struct {
	name string
	src  Source
} {
	s, _ := host64(b)
	dir := b.TempDir()
	if err := s.WriteDebugfs(dir); err != nil {
		b.Fatal(err)
	}
	return []struct {
		name string
		src  Source
	}{{"pages", s}, {"debugfs", NewDebugfs(os.DirFS(dir), dir)}}
}

// BenchmarkScrape is one scrape of a 64-VP host: Gather lists the objects,
// reads every page or file and builds the metric families; from the pages
// and from the debugfs tree of the same host, in the same run. The
// baseline of the samples is the same scrape of the pages with
// prometheus.NewConstMetric series (constmetric).
func BenchmarkScrape(b *testing.B) {
	tab := testTable(b)
	srcs := scrapeSources(b)
	for _, v := range []struct {
		name     string
		src      Source
		constant bool
	}{{"pages", srcs[0].src, false}, {"debugfs", srcs[1].src, false}, {"pages-constmetric", srcs[0].src, true}} {
		b.Run(v.name, func(b *testing.B) {
			c := NewCollector(v.src, tab, slog.New(slog.DiscardHandler))
			c.constMetrics = v.constant
			reg := prometheus.NewRegistry()
			reg.MustRegister(c)
			if _, err := reg.Gather(); err != nil { // map every page first
				b.Fatal(err)
			}
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
	tab := testTable(b)
	for _, v := range scrapeSources(b) {
		b.Run(v.name, func(b *testing.B) {
			h, err := Handler(NewCollector(v.src, tab, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
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
		})
	}
}
