package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestPrometheus runs a real Prometheus server (Debian's prometheus
// package; ./test.sh installs it) that scrapes the exporter, serving the
// simulated host on 127.0.0.1, every 250 ms, then asks its HTTP API for up,
// rates, and every query of the Grafana dashboard, each of which must
// return data. It waits for what it reads (readiness, the first scrapes)
// with deadlines, never for a fixed time; Prometheus 2.42 applies its
// targets on a 5 s tick, which is most of the test's time. It runs in
// parallel with the package's other tests.
func TestPrometheus(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("the prometheus server is not installed (%v): ./test.sh installs Debian's prometheus package (apt-get install prometheus)", err)
	}
	start := time.Now()
	tab := testTable(t)
	s, err := NewSim(tab, SimConfig{Seed: 1, LPs: 4, Partitions: 2, VPs: 3})
	if err != nil {
		t.Fatal(err)
	}
	h, err := Handler(NewCollector(s, tab, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, nil, 10*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})

	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 250ms
  scrape_timeout: 250ms
scrape_configs:
  - job_name: hvgen
    static_configs:
      - targets: [%q]
`, ln.Addr().String())
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	api := startPrometheus(t, bin, dir)
	ready := time.Since(start)

	up := waitQuery(t, api, `up{job="hvgen"} == 1`)
	if len(up) != 1 || up[0].Value != 1 {
		t.Fatalf("up: %v", up)
	}
	scraped := time.Since(start)
	// The simulated VPs run at their seeded loads on 4 LPs: their run time
	// grows at more than nothing and at most 4 cores; the LPs ran them and
	// the root's VP, which the exporter cannot map.
	vps := waitQuery(t, api, `sum(rate(hyperv_vp_run_time_seconds_total{job="hvgen"}[2s]))`)
	lps := waitQuery(t, api, `sum(rate(hyperv_lp_run_time_seconds_total{job="hvgen"}[2s]))`)
	if len(vps) != 1 || len(lps) != 1 || vps[0].Value <= 0 || vps[0].Value > lps[0].Value+0.05 || lps[0].Value > 4.0001 {
		t.Errorf("rates of VP run time %v, LP run time %v", vps, lps)
	}
	if mem := query(t, api, `hyperv_partition_gpa_bytes{job="hvgen"}`); len(mem) != 2 || mem[0].Value < 1<<20 {
		t.Errorf("partition guest memory: %v", mem)
	}
	if errs := query(t, api, `sum(hyperv_exporter_read_errors_total{job="hvgen"})`); len(errs) != 1 || errs[0].Value != 0 {
		t.Errorf("read errors: %v", errs)
	}
	for _, q := range dashboardQueries(t) {
		if res := waitQuery(t, api, q); len(res) == 0 {
			t.Errorf("dashboard query %s: no data", q)
		}
	}
	t.Logf("Prometheus ready after %v, first scrape seen after %v, done after %v; VPs %.3f cores, LPs %.3f cores",
		ready.Round(time.Millisecond), scraped.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), vps[0].Value, lps[0].Value)
}

// dashboardQueries are the Grafana dashboard's queries, its variables set
// to the test's job, every partition, and a rate interval of 2 s.
func dashboardQueries(t *testing.T) []string {
	data, err := os.ReadFile("../../docs/grafana/hvgen-exporter.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			out = append(out, strings.NewReplacer(`"$job"`, `"hvgen"`, `"$partition"`, `".*"`, `$__rate_interval`, `2s`).Replace(tg.Expr))
		}
	}
	if len(out) < 10 {
		t.Fatalf("%d dashboard queries", len(out))
	}
	return out
}

// logBuffer collects a process's output while the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startPrometheus runs the server on a free port of 127.0.0.1 with the
// config in dir, waits until it is ready and returns its API's base URL;
// the test's cleanup stops it.
func startPrometheus(t *testing.T, bin, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the port is free again for Prometheus to take
	var log logBuffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited (%v): %s", err, log.String())
		default:
		}
		if resp, err := http.Get(base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
	}
	t.Fatalf("prometheus not ready: %s", log.String())
	return ""
}

// sampleValue is one series of an instant query's result.
type sampleValue struct {
	Labels map[string]string
	Value  float64
}

// waitQuery runs an instant query until it returns data (the scrapes it
// needs may not have happened yet), for up to 20 s; it returns the last
// answer.
func waitQuery(t *testing.T, api, q string) []sampleValue {
	t.Helper()
	var res []sampleValue
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if res = query(t, api, q); len(res) > 0 {
			break
		}
	}
	return res
}

func query(t *testing.T, api, q string) []sampleValue {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("query %s: %v %s %s", q, err, body.Status, body.Error)
	}
	var out []sampleValue
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("query %s: value %v", q, r.Value)
		}
		out = append(out, sampleValue{Labels: r.Metric, Value: v})
	}
	return out
}
