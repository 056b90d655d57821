package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// lockedBuffer is an io.Writer the exporter logs to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// scrape fetches /metrics and parses it.
func scrape(t *testing.T, addr string) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return mfs, body
}

// TestExporterSim runs "hvgen exporter -backend sim -listen 127.0.0.1:0" in
// process, scrapes it twice over HTTP and stops it with SIGINT: with the
// default version's flat pages and with wdk-2013's grouped ones.
func TestExporterSim(t *testing.T) {
	t.Run("linux-7.0", func(t *testing.T) { testExporterSim(t) })
	t.Run("wdk-2013", func(t *testing.T) { testExporterSim(t, "-version", "wdk-2013") })
}

func testExporterSim(t *testing.T, args ...string) {
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(append([]string{"exporter", "-spec", "../../spec", "-backend", "sim", "-listen", "127.0.0.1:0"}, args...), io.Discard, &stderr)
	}()
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("exporter exited with %d: %s", code, stderr.String())
		default:
		}
	}
	if addr == "" {
		t.Fatalf("no listening line: %s", stderr.String())
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	first, body := scrape(t, addr)
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	series, objects := 0, map[string]bool{}
	for name, mf := range first {
		if !strings.HasPrefix(name, "hyperv_") {
			continue
		}
		series += len(mf.GetMetric())
		for _, o := range []string{"hypervisor", "lp", "partition", "vp"} {
			if strings.HasPrefix(name, "hyperv_"+o+"_") && len(mf.GetMetric()) > 0 {
				objects[o] = true
			}
		}
		if mf.GetHelp() == "" {
			t.Errorf("%s has no HELP", name)
		}
	}
	t.Logf("%d hyperv_ series in %d families; %d lint problems", series, len(first), len(problems))
	if series < 50 || len(objects) != 4 {
		t.Errorf("%d series, object types %v; want >= 50 covering all four", series, objects)
	}
	for _, mf := range first["hyperv_stats_page_errors_total"].GetMetric() {
		t.Errorf("page errors on a healthy sim: %v", mf)
	}
	time.Sleep(50 * time.Millisecond)
	second, _ := scrape(t, addr)
	const run = "hyperv_vp_total_run_time_seconds_total"
	a, b := values(first[run]), values(second[run])
	increased := 0
	for k, v := range b {
		if v > a[k] {
			increased++
		}
		if v < a[k] {
			t.Errorf("%s{%s} went down: %v -> %v", run, k, a[k], v)
		}
	}
	if increased == 0 {
		t.Errorf("%s did not increase between the scrapes: %v -> %v", run, a, b)
	}

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown after SIGINT")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("log: %s", stderr.String())
	}
}

// values maps each series' labels to its value.
func values(mf *dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for _, m := range mf.GetMetric() {
		var k strings.Builder
		for _, l := range m.GetLabel() {
			k.WriteString(l.GetName() + "=" + l.GetValue() + ",")
		}
		out[k.String()] = m.GetCounter().GetValue()
	}
	return out
}

func TestExporterUsage(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"exporter", "-h"}, io.Discard, &stderr); code != 0 || !strings.Contains(stderr.String(), "Examples:") {
		t.Errorf("-h: exit %d, %s", code, stderr.String())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"exporter", "-backend", "qemu"}, `unknown backend "qemu" (sim or mshv)`},
		{[]string{"exporter", "-sim-vps", "0"}, "-sim-lps and -sim-vps must be positive"},
		{[]string{"exporter", "-version", "nope"}, `unknown version "nope"`},
	} {
		args := tc.args
		stderr.Reset()
		if code := run(append(args[:1:1], append([]string{"-spec", "../../spec", "-listen", "127.0.0.1:0"}, args[1:]...)...), io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q: %s", args, code, tc.want, firstLine(stderr.String()))
		}
	}
	stderr.Reset()
	if code := run([]string{"exporter", "-spec", "../../spec", "-version", "tlfs", "-backend", "sim", "-listen", "127.0.0.1:0"}, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "no statistics counters") {
		t.Errorf("tlfs: exit %d: %s", code, stderr.String())
	}
}

func firstLine(s string) string {
	line, _, _ := bufio.NewReader(strings.NewReader(s)).ReadLine()
	return string(line)
}
