package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

// exporterRun is "hvgen exporter" running in process.
type exporterRun struct {
	addr   string
	log    *lockedBuffer
	done   chan int
	closed bool
}

// startExporter runs "hvgen exporter -listen 127.0.0.1:0 args..." in process
// and waits for its listening line; the test's cleanup stops it.
func startExporter(t *testing.T, args ...string) *exporterRun {
	t.Helper()
	r := &exporterRun{log: &lockedBuffer{}, done: make(chan int, 1)}
	go func() {
		r.done <- run(append([]string{"exporter", "-listen", "127.0.0.1:0"}, args...), io.Discard, r.log)
	}()
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); r.addr == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := listening.FindStringSubmatch(r.log.String()); m != nil {
			r.addr = m[1]
		}
		select {
		case code := <-r.done:
			t.Fatalf("exporter exited with %d: %s", code, r.log.String())
		default:
		}
	}
	if r.addr == "" {
		t.Fatalf("no listening line: %s", r.log.String())
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop sends SIGINT, which the exporter takes as the signal to shut down,
// and returns its exit status.
func (r *exporterRun) stop(t *testing.T) int {
	t.Helper()
	if r.closed {
		return 0
	}
	r.closed = true
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-r.done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown after SIGINT")
	}
	return -1
}

// scrape fetches /metrics in the text format and parses it.
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

// TestExporterSim runs "hvgen exporter -backend sim" in process, scrapes it
// twice over HTTP and stops it with SIGINT: with the default version's flat
// pages and with wdk-2013's grouped ones.
func TestExporterSim(t *testing.T) {
	t.Run("linux-7.0", func(t *testing.T) { testExporterSim(t) })
	t.Run("wdk-2013", func(t *testing.T) { testExporterSim(t, "-version", "wdk-2013") })
}

func testExporterSim(t *testing.T, args ...string) {
	r := startExporter(t, append([]string{"-backend", "sim"}, args...)...)
	resp, err := http.Get("http://" + r.addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	first, body := scrape(t, r.addr)
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
	for _, m := range first["hyperv_exporter_read_errors_total"].GetMetric() {
		if m.GetCounter().GetValue() != 0 {
			t.Errorf("read errors on a healthy sim: %v", m)
		}
	}
	if n := len(first["hyperv_exporter_read_errors_total"].GetMetric()); n != 1+4*3 {
		t.Errorf("%d error series on the first scrape, want every object and page reason at 0 (13)", n)
	}
	const run = "hyperv_vp_run_time_seconds_total"
	a := values(first[run])
	var b map[string]float64
	// The sim's time is the wall clock's: wait until its run time moved.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		second, _ := scrape(t, r.addr)
		if b = values(second[run]); increased(a, b) > 0 {
			break
		}
	}
	if increased(a, b) == 0 {
		t.Errorf("%s did not increase between the scrapes: %v -> %v", run, a, b)
	}
	for k, v := range b {
		if v < a[k] {
			t.Errorf("%s{%s} went down: %v -> %v", run, k, a[k], v)
		}
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d: %s", code, r.log.String())
	}
	if !strings.Contains(r.log.String(), "stopped") {
		t.Errorf("log: %s", r.log.String())
	}
}

func increased(a, b map[string]float64) int {
	n := 0
	for k, v := range b {
		if v > a[k] {
			n++
		}
	}
	return n
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
	// Every bad flag value, and every flag of a backend not chosen, is a
	// usage error: exit 2 with a message that names it.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-backend", "qemu"}, `-backend "qemu": want auto, debugfs, mshv, sim`},
		{[]string{"-arch", "mips"}, `-arch "mips": want x64 or arm64`},
		{[]string{"-version", "nope"}, `-version "nope": want linux-7.0 or wdk-2013`},
		{[]string{"-version", "tlfs"}, `-version "tlfs": want linux-7.0 or wdk-2013, the versions with statistics counters`},
		{[]string{"-backend", "sim", "-sim-vps", "0"}, "-sim-lps and -sim-vps must be positive"},
		{[]string{"-backend", "sim", "-sim-churn", "-1s"}, "-sim-partitions and -sim-churn not negative"},
		{[]string{"-debugfs-root", ""}, "-debugfs-root: want a directory"},
		{[]string{"-backend", "debugfs", "-version", "wdk-2013"}, "-backend debugfs reads the kernel's files, which hold linux-7.0's counters"},
		{[]string{"-backend", "mshv", "-sim-vps", "3", "-seed", "2"}, "-seed, -sim-vps: not a flag of -backend mshv"},
		{[]string{"-sim-churn", "0"}, "-sim-churn: not a flag of -backend auto"}, // auto is the default
		{[]string{"-backend", "sim", "-mshv-partition", "1:2"}, "-mshv-partition: not a flag of -backend sim"},
		{[]string{"-backend", "sim", "-debugfs-root", "/x"}, "-debugfs-root: not a flag of -backend sim"},
		{[]string{"-backend", "mshv", "-debugfs-root", "/x"}, "-debugfs-root: not a flag of -backend mshv"},
		{[]string{"-backend", "debugfs", "-mshv-partition", "1:2"}, "-mshv-partition: not a flag of -backend debugfs"},
		{[]string{"-mshv-partition", "1"}, "want id:vps"},
		{[]string{"-sim-lps", "x"}, `invalid value "x"`},
	} {
		stderr.Reset()
		if code := run(append([]string{"exporter", "-listen", "127.0.0.1:0"}, tc.args...), io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q: %s", tc.args, code, tc.want, firstLine(stderr.String()))
		}
	}
}

func firstLine(s string) string {
	line, _, _ := bufio.NewReader(strings.NewReader(s)).ReadLine()
	return string(line)
}

// -backend auto without a debugfs tree and without /dev/mshv says what is
// missing and exits 1; with a tree (one "hvgen simulate -debugfs" wrote)
// it serves the tree. -spec is accepted with a deprecation warning.
func TestExporterAuto(t *testing.T) {
	if _, err := os.Stat("/dev/mshv"); err == nil {
		t.Fatal("this machine has /dev/mshv: the test expects a machine without the driver")
	}
	dir := t.TempDir()
	var stderr bytes.Buffer
	code := run([]string{"exporter", "-listen", "127.0.0.1:0", "-debugfs-root", filepath.Join(dir, "mshv")}, io.Discard, &stderr)
	for _, want := range []string{
		"no statistics source (-backend auto)",
		"debugfs: " + filepath.Join(dir, "mshv") + ": debugfs is not mounted at " + dir + " (mount -t debugfs none " + dir + ")",
		"mshv: /dev/mshv does not exist: no mshv driver",
	} {
		if code != 1 || !strings.Contains(stderr.String(), want) {
			t.Errorf("exit %d, want 1 with %q: %s", code, want, stderr.String())
		}
	}
	stderr.Reset()
	if code := run([]string{"exporter", "-listen", "127.0.0.1:0", "-backend", "debugfs", "-debugfs-root", dir}, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), dir+": no mshv debugfs directory") {
		t.Errorf("debugfs on an empty directory: exit %d: %s", code, stderr.String())
	}

	tree := filepath.Join(dir, "mshv")
	if code, out, errs := runCLI("simulate", "-debugfs", tree, "-for", "2s", "-seed", "3"); code != 0 || !strings.Contains(out, tree) {
		t.Fatalf("simulate -debugfs: exit %d: %s%s", code, out, errs)
	}
	r := startExporter(t, "-debugfs-root", tree, "-spec", "../../spec")
	if !strings.Contains(r.log.String(), "backend=debugfs") || !strings.Contains(r.log.String(), "-spec and -overlay are deprecated and ignored") {
		t.Errorf("log: %s", r.log.String())
	}
	mfs, _ := scrape(t, r.addr)
	// The tree's root partition (1) and two children of 4 VPs each.
	if n := len(mfs["hyperv_vp_run_time_seconds_total"].GetMetric()); n != 9 {
		t.Errorf("%d VP run-time series, want 9", n)
	}
	for _, m := range mfs["hyperv_exporter_read_errors_total"].GetMetric() {
		if m.GetCounter().GetValue() != 0 {
			t.Errorf("read errors on a written tree: %v", m)
		}
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d: %s", code, r.log.String())
	}
}

// "hvgen simulate -debugfs" takes -for and -seed only.
func TestSimulateDebugfsUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-debugfs", dir, "-rate", "5"}, "-rate: not a flag of -debugfs"},
		{[]string{"-debugfs", dir, "-o", "x"}, "-o: not a flag of -debugfs"},
		{[]string{"-debugfs", dir, "-for", "0s"}, "-for must be positive"},
	} {
		if code, _, errs := runCLI(append([]string{"simulate"}, tc.args...)...); code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, code, errs)
		}
	}
}

// promtool check metrics, the Prometheus project's linter, finds nothing
// to warn about in a scrape of each version's metrics.
func TestExporterPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is not installed (%v): ./test.sh installs it with Debian's prometheus package (apt-get install prometheus)", err)
	}
	// A debugfs tree with a counter the exporter does not know, served raw.
	tree := filepath.Join(t.TempDir(), "mshv")
	if code, _, errs := runCLI("simulate", "-debugfs", tree); code != 0 {
		t.Fatalf("simulate -debugfs: exit %d: %s", code, errs)
	}
	f, err := os.OpenFile(filepath.Join(tree, "partition/2/vp/0/stats"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "%-43s: 7\n", "VpFutureCounter")
	f.Close()
	for _, args := range [][]string{{"-backend", "sim"}, {"-backend", "sim", "-version", "wdk-2013"}, {"-backend", "debugfs", "-debugfs-root", tree}} {
		version := strings.Join(args, " ")
		r := startExporter(t, args...)
		mfs, body := scrape(t, r.addr)
		if strings.Contains(version, "debugfs") && len(mfs["hyperv_vp_unknown"].GetMetric()) != 1 {
			t.Errorf("%s: unknown counters %v", version, mfs["hyperv_vp_unknown"])
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		out, err := cmd.CombinedOutput()
		if err != nil || len(out) != 0 {
			t.Errorf("%s: promtool check metrics: %v\n%s", version, err, out)
		}
		if code := r.stop(t); code != 0 {
			t.Errorf("exit %d", code)
		}
	}
}
