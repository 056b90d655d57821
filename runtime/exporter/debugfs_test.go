package exporter

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// fixture reads a hand-written tree of testdata/debugfs, as prometheus/procfs
// tests read their fixture /proc trees.
func fixture(name string) *Debugfs {
	dir := filepath.Join("testdata", "debugfs", name)
	return NewDebugfs(os.DirFS(dir), dir)
}

// The root fixture, a root partition's tree: every object type, counters
// matched by name and scaled, families by label, placeholders skipped, a
// name the table does not know served raw and counted.
func TestDebugfsFixture(t *testing.T) {
	var log bytes.Buffer
	c := NewCollector(fixture("root"), testTable(t), logTo(&log))
	mfs := gather(t, c)
	for _, x := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"hyperv_hypervisor_logical_processors", nil, 2},
		{"hyperv_hypervisor_memory_bytes", nil, 25600 * 4096},
		{"hyperv_hypervisor_startup_cost", nil, 123456},
		{"hyperv_lp_run_time_seconds_total", []string{"lp", "0"}, 8},
		{"hyperv_lp_hypervisor_run_time_seconds_total", []string{"lp", "1"}, 0.1},
		{"hyperv_lp_cstate_seconds_total", []string{"lp", "1", "state", "c1"}, 6.5},
		{"hyperv_lp_cstate_transitions_total", []string{"lp", "0", "state", "c1"}, 42},
		{"hyperv_lp_perfmon_interrupt_total", []string{"lp", "0"}, 7},
		{"hyperv_partition_id", []string{"partition", "7"}, 7},
		{"hyperv_partition_gpa_bytes", []string{"partition", "7"}, 65536 * 4096},
		{"hyperv_partition_gpa_mapped_bytes", []string{"partition", "1", "page_size", "2MiB"}, 3 << 21},
		{"hyperv_partition_deposited_bytes", []string{"partition", "1"}, 100 * 4096},
		{runTime, []string{"partition", "1", "vp", "0"}, 6},
		{runTime, []string{"partition", "7", "vp", "0"}, 3.5},
		{"hyperv_vp_hypercalls_total", []string{"partition", "1", "vp", "1"}, 100},
		{"hyperv_vp_waiting_for_cpu_time_seconds_total", []string{"partition", "1", "vp", "0"}, 0.25},
		{"hyperv_vp_cpu_waits_by_bucket_total", []string{"partition", "1", "vp", "0", "bucket", "12"}, 1},
		{"hyperv_vp_unknown", []string{"partition", "1", "vp", "0", "counter", "VpFutureCounter"}, 17},
		{"hyperv_vp_unknown", []string{"partition", "7", "vp", "0", "counter", "VpOtherFutureCounter"}, 4},
		{metricUnknown, []string{"object", "vp"}, 2},
		{metricUnknown, []string{"object", "lp"}, 0},
		{objects, []string{"object", "vp"}, 3},
		{objects, []string{"object", "lp"}, 2},
	} {
		if v, ok := value(mfs, x.name, x.labels...); !ok || math.Abs(v-x.want) > 1e-9*math.Abs(x.want) {
			t.Errorf("%s%v = %v %v, want %v", x.name, x.labels, v, ok, x.want)
		}
	}
	// A counter the file does not print has no series; a placeholder is
	// neither served nor unknown.
	if _, ok := value(mfs, "hyperv_vp_hypercalls_time_seconds_total"); ok {
		t.Error("a counter no file prints has a series")
	}
	for _, m := range mfs["hyperv_lp_unknown"].GetMetric() {
		t.Errorf("unknown LP counter %v", m)
	}
	if n := errorTotal(mfs); n != 0 || log.Len() != 0 {
		t.Errorf("%v read errors; log: %s", n, log.String())
	}
	// Every error the source can give is there from the first scrape, at 0.
	if got := len(mfs[errorsRead].GetMetric()); got != 1+4*len(FileReasons) {
		t.Errorf("%d error series, want %d", got, 1+4*len(FileReasons))
	}
}

// An L1VH host's tree: only its own partition, named self.
func TestDebugfsSelf(t *testing.T) {
	mfs := gather(t, NewCollector(fixture("l1vh"), testTable(t), slog.New(slog.DiscardHandler)))
	if v, ok := value(mfs, "hyperv_partition_id", "partition", "self"); !ok || v != 12 {
		t.Errorf("partition self: id %v %v", v, ok)
	}
	if v, ok := value(mfs, runTime, "partition", "self", "vp", "0"); !ok || v != 7 {
		t.Errorf("partition self VP 0: run time %v %v", v, ok)
	}
	if n, _ := value(mfs, objects, "object", "hypervisor"); n != 0 {
		t.Errorf("%v hypervisor objects in a tree without its stats file", n)
	}
}

// The broken fixture: malformed lines, a file that ends mid-line, a
// partition whose stats file is missing and values that do not fit 64
// bits. Each is an error of its reason naming file:line; everything else is
// served, and the scrape answers.
func TestDebugfsBroken(t *testing.T) {
	var log bytes.Buffer
	c := NewCollector(fixture("broken"), testTable(t), logTo(&log))
	mfs := gather(t, c)
	for _, e := range []struct {
		object, reason string
		want           float64
	}{{"partition", ReasonMalformed, 2}, {"vp", ReasonTruncated, 1}, {"partition", ReasonVanished, 1}, {"hypervisor", ReasonMalformed, 0}} {
		if n, _ := value(mfs, errorsRead, "object", e.object, "reason", e.reason); n != e.want {
			t.Errorf("%s %s errors: %v, want %v", e.object, e.reason, n, e.want)
		}
	}
	for _, x := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"hyperv_partition_virtual_processors", []string{"partition", "3"}, 1}, // before the malformed lines
		{"hyperv_partition_id", []string{"partition", "3"}, 3},                 // after them
		{"hyperv_partition_id", []string{"partition", "5"}, math.MaxUint64},    // 2^64-1 fits
		{runTime, []string{"partition", "3", "vp", "0"}, 1},                    // before the cut line
		{runTime, []string{"partition", "4", "vp", "0"}, 1e-7},                 // a VP of the partition without stats
		{"hyperv_hypervisor_partitions", nil, 3},
	} {
		if v, ok := value(mfs, x.name, x.labels...); !ok || v != x.want {
			t.Errorf("%s%v = %v %v, want %v", x.name, x.labels, v, ok, x.want)
		}
	}
	for _, absent := range []struct{ name, partition string }{
		{"hyperv_partition_gpa_bytes", "3"},                  // "PtGpaPages 12": no colon
		{"hyperv_partition_deposited_bytes", "3"},            // "-5"
		{"hyperv_partition_virtual_processors", "5"},         // 2^64
		{"hyperv_vp_hypervisor_run_time_seconds_total", "3"}, // cut
	} {
		if v, ok := value(mfs, absent.name, "partition", absent.partition); ok {
			t.Errorf("%s{partition=%s} = %v from a broken line", absent.name, absent.partition, v)
		}
	}
	for _, want := range []string{
		"testdata/debugfs/broken/partition/3/stats:2: not a \\\"Name: value\\\" line: \\\"PtGpaPages 12\\\"",
		"testdata/debugfs/broken/partition/3/vp/0/stats:2: the file ends in the middle of a line",
		"testdata/debugfs/broken/partition/4/stats: gone between the listing and the read",
		"testdata/debugfs/broken/partition/5/stats:2: not a",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	// The next scrape counts again, and logs nothing new.
	n := log.Len()
	mfs = gather(t, c)
	if v, _ := value(mfs, errorsRead, "object", "vp", "reason", ReasonTruncated); v != 2 || log.Len() != n {
		t.Errorf("second scrape: %v truncated files, log grew by %q", v, log.String()[n:])
	}
}

// simTree writes a simulated host's tree into a temporary directory and
// returns the host, its clock and the directory.
func simTree(t testing.TB, parts, vps int) (*Sim, *clock, string) {
	s, clk, _ := newTestSim(t, parts, vps)
	clk.Add(3 * time.Second)
	dir := t.TempDir()
	if err := s.WriteDebugfs(dir); err != nil {
		t.Fatal(err)
	}
	return s, clk, dir
}

// A tree the simulator writes has the kernel's layout and format: every
// counter the kernel names for the architecture, placeholders included, in
// slot order, each name padded to its object type's column.
func TestDebugfsSimFormat(t *testing.T) {
	_, _, dir := simTree(t, 1, 2)
	// The kernel's tables (drivers/hv/mshv_debugfs_counters.c @ d31558c077d8)
	// name 11 hypervisor counters, and on x64 51 LP, 45 partition and 211
	// VP counters.
	for _, f := range []struct {
		path  string
		width int
		lines int
		first string
	}{
		{"stats", 27, 11, "HvLogicalProcessors"},
		{"lp/1/stats", 32, 51, "LpGlobalTime"},
		{"partition/1/stats", 37, 45, "PtVirtualProcessors"}, // the root partition
		{"partition/2/stats", 37, 45, "PtVirtualProcessors"},
		{"partition/2/vp/1/stats", 43, 211, "VpTotalRunTime"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, f.path))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(lines) != f.lines || !strings.HasPrefix(lines[0], f.first+" ") {
			t.Errorf("%s: %d lines, the first %q; want %d, %s", f.path, len(lines), lines[0], f.lines, f.first)
		}
		for i, l := range lines {
			if len(l) < f.width+3 || l[f.width:f.width+2] != ": " || strings.TrimRight(l[:f.width], " ") == "" {
				t.Errorf("%s:%d: %q is not a name padded to %d columns, \": \" and a value", f.path, i+1, l, f.width)
				break
			}
		}
		if st, err := os.Stat(filepath.Join(dir, f.path)); err != nil || st.Mode().Perm() != 0o400 {
			t.Errorf("%s: mode %v %v, want 0400 as the kernel's", f.path, st.Mode(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "partition/2/vp/2")); err == nil {
		t.Error("a VP the partition does not have")
	}
}

// The debugfs backend on a tree the simulator wrote serves what the page
// backend reads from the same simulator at the same time, series for
// series, and the root partition besides (the kernel prints it; the sim
// does not let the root map its own pages).
func TestDebugfsMatchesPages(t *testing.T) {
	s, _, _ := simTree(t, 2, 3)
	tab := testTable(t)
	pages := gather(t, NewCollector(s, tab, slog.New(slog.DiscardHandler)))
	dir := t.TempDir()
	if err := s.WriteDebugfs(dir); err != nil {
		t.Fatal(err)
	}
	files := gather(t, NewCollector(NewDebugfs(os.DirFS(dir), dir), tab, slog.New(slog.DiscardHandler)))
	series := 0
	for name, mf := range pages {
		if strings.HasPrefix(name, Namespace+"_exporter_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := labelList(m)
			v, ok := value(files, name, labels...)
			want := metricValue(m)
			if !ok || v != want {
				t.Errorf("%s%v: debugfs %v %v, pages %v", name, labels, v, ok, want)
			}
			series++
		}
	}
	if series < 1000 {
		t.Errorf("%d series compared", series)
	}
	if _, ok := value(files, runTime, "partition", "1", "vp", "0"); !ok {
		t.Error("the root partition's VP is missing from the debugfs scrape")
	}
	if n := errorTotal(files); n != 0 {
		t.Errorf("%v read errors", n)
	}
}

func labelList(m *dto.Metric) []string {
	var out []string
	for _, l := range m.GetLabel() {
		out = append(out, l.GetName(), l.GetValue())
	}
	return out
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	}
	return m.GetUntyped().GetValue()
}

// A partition deleted between the listing and the reads: its files are
// vanished errors, the scrape answers with the other partition, and the
// next listing leaves it out.
func TestDebugfsPartitionVanishes(t *testing.T) {
	_, _, dir := simTree(t, 2, 3)
	var log bytes.Buffer
	vanish := false
	src := &hooked{Source: NewDebugfs(os.DirFS(dir), dir), objects: func(buf []Object) ([]Object, error) {
		if vanish {
			vanish = false
			if err := os.RemoveAll(filepath.Join(dir, "partition", "2")); err != nil {
				t.Fatal(err)
			}
		}
		return buf, nil
	}}
	c := NewCollector(src, testTable(t), logTo(&log))
	gather(t, c)
	vanish = true
	mfs := gather(t, c)
	if n, _ := value(mfs, errorsRead, "object", "partition", "reason", ReasonVanished); n != 1 {
		t.Errorf("partition vanished errors %v, want 1", n)
	}
	if n, _ := value(mfs, errorsRead, "object", "vp", "reason", ReasonVanished); n != 3 {
		t.Errorf("vp vanished errors %v, want 3", n)
	}
	if _, ok := value(mfs, runTime, "partition", "3", "vp", "2"); !ok {
		t.Error("the other partition's VPs are missing")
	}
	if _, ok := value(mfs, runTime, "partition", "2"); ok {
		t.Error("the vanished partition still has series")
	}
	mfs = gather(t, c)
	if n, _ := value(mfs, objects, "object", "partition"); n != 2 {
		t.Errorf("%v partitions listed after the deletion, want 2 (the root and partition 3)", n)
	}
	if !strings.Contains(log.String(), "partition/2/stats: gone between the listing and the read") {
		t.Errorf("log: %s", log.String())
	}
}

// faultFS is a tree whose files fail as a test says.
type faultFS struct {
	fs.FS
	open func(name string) error        // an error for Open, or nil
	read func(name string) error        // an error for the file's first Read, or nil
	stat func(name string) (bool, bool) // (gone, decided)
}

func (f *faultFS) Open(name string) (fs.File, error) {
	if f.open != nil {
		if err := f.open(name); err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	file, err := f.FS.Open(name)
	if err != nil || f.read == nil {
		return file, err
	}
	if rerr := f.read(name); rerr != nil {
		return &faultFile{File: file, err: rerr}, nil
	}
	return file, nil
}

func (f *faultFS) Stat(name string) (fs.FileInfo, error) {
	if f.stat != nil {
		if gone, ok := f.stat(name); ok && gone {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
		}
	}
	return fs.Stat(f.FS, name)
}

type faultFile struct {
	fs.File
	err error
}

func (f *faultFile) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	return f.File.Read(p)
}

// EACCES (the tests run as root, so a fault stands in for mode 0400) is a
// permission error; EIO on a file that is gone since is a vanished object,
// on a file still there a read error.
func TestDebugfsFileErrors(t *testing.T) {
	_, _, dir := simTree(t, 1, 2)
	fsys := &faultFS{FS: os.DirFS(dir),
		open: func(name string) error {
			if name == "lp/1/stats" {
				return fs.ErrPermission
			}
			return nil
		},
		read: func(name string) error {
			if strings.HasPrefix(name, "partition/2/vp/") {
				return syscall.EIO
			}
			return nil
		},
		stat: func(name string) (bool, bool) { return name == "partition/2/vp/0/stats", true },
	}
	var log bytes.Buffer
	mfs := gather(t, NewCollector(NewDebugfs(fsys, dir), testTable(t), logTo(&log)))
	for _, e := range []struct {
		object, reason string
		want           float64
	}{{"lp", ReasonPermission, 1}, {"vp", ReasonVanished, 1}, {"vp", ReasonRead, 1}} {
		if n, _ := value(mfs, errorsRead, "object", e.object, "reason", e.reason); n != e.want {
			t.Errorf("%s %s errors: %v, want %v", e.object, e.reason, n, e.want)
		}
	}
	if _, ok := value(mfs, "hyperv_lp_run_time_seconds_total", "lp", "0"); !ok {
		t.Error("the readable LP is missing")
	}
	if !strings.Contains(log.String(), "lp/1/stats: open lp/1/stats: permission denied (the files are root's, mode 0400)") {
		t.Errorf("log: %s", log.String())
	}
}

// A tree that goes away entirely is a listing error; the scrape answers.
func TestDebugfsTreeGone(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	mfs := gather(t, NewCollector(NewDebugfs(os.DirFS(filepath.Join(dir, "mshv")), filepath.Join(dir, "mshv")), testTable(t), logTo(&log)))
	if n, _ := value(mfs, errorsRead, "object", "all", "reason", ReasonList); n != 1 {
		t.Errorf("list errors %v, want 1", n)
	}
	if !strings.Contains(log.String(), "listing "+filepath.Join(dir, "mshv")) {
		t.Errorf("log: %s", log.String())
	}
}

// ProbeDebugfs names what is missing.
func TestProbeDebugfs(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tree", "partition"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ProbeDebugfs(filepath.Join(dir, "tree")); err != nil {
		t.Errorf("a tree with partition/: %v", err)
	}
	if err := ProbeDebugfs(filepath.Join(dir, "empty")); !errors.Is(err, ErrNoMshvTree) {
		t.Errorf("an empty directory: %v", err)
	}
	if err := ProbeDebugfs(filepath.Join(dir, "file")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: %v", err)
	}
	err := ProbeDebugfs(filepath.Join(dir, "mshv"))
	if runtime.GOOS == "linux" && (!errors.Is(err, ErrNoDebugfs) || !strings.Contains(err.Error(), "mount -t debugfs none "+dir)) {
		t.Errorf("no tree where debugfs is not mounted: %v", err)
	}
	if _, err := OpenDebugfs(filepath.Join(dir, "mshv")); err == nil {
		t.Error("OpenDebugfs of nothing")
	}
	// EACCES, which the tests cannot meet as root: on the directory (a user
	// who may not search /sys/kernel/debug) and on listing it.
	denied := func(string) (fs.FileInfo, error) {
		return nil, &fs.PathError{Op: "stat", Path: "x", Err: syscall.EACCES}
	}
	tree := filepath.Join(dir, "tree")
	for _, err := range []error{
		probeDebugfs(tree, denied, os.ReadDir),
		probeDebugfs(tree, os.Stat, func(string) ([]fs.DirEntry, error) { return nil, syscall.EACCES }),
	} {
		if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), tree+": permission denied: the mshv debugfs files are root's (mode 0400); run as root or with CAP_DAC_READ_SEARCH") {
			t.Errorf("EACCES: %v", err)
		}
	}
}

// Text keeps every good line whatever else the data holds.
func TestValuesText(t *testing.T) {
	tab := testTable(t)
	st := NewCollector(fixture("root"), tab, slog.New(slog.DiscardHandler)).newState(Object{Type: ObjectVP}, kindVP)
	v := &Values{t: tab, k: kindVP, st: st}
	run := tab.byName[kindVP]["VpTotalRunTime"]
	for _, c := range []struct {
		data    string
		reasons string
		run     float64 // NaN: not read
	}{
		{"VpTotalRunTime: 5\n", "", 5e-7},
		{"VpTotalRunTime                             : 5\n", "", 5e-7},
		{"", "", math.NaN()},
		{"VpTotalRunTime: 5", "truncated", math.NaN()},
		{"garbage\nVpTotalRunTime: 5\n", "malformed", 5e-7},
		{"VpTotalRunTime:5\n", "malformed", math.NaN()},
		{"VpTotalRunTime : 5 \n", "malformed", math.NaN()},
		{"Vp Total: 5\nx\n\n", "malformed", math.NaN()},
		{"VpTotalRunTime: 1\nbad\nVpTotalRunTime: 2\nVpHyper", "malformed,truncated", 2e-7},
	} {
		err := v.Text("f", []byte(c.data))
		got := ""
		if err != nil {
			got = strings.Join(reasonsOf(err, nil), ",")
		}
		if r := st.values[run]; got != c.reasons || (math.IsNaN(c.run) != math.IsNaN(r)) || (!math.IsNaN(r) && math.Abs(r-c.run) > 1e-15) {
			t.Errorf("%q: reasons %q, run time %v; want %q, %v (%v)", c.data, got, r, c.reasons, c.run, err)
		}
	}
}

// FuzzParseLine: parseLine never panics, takes only what the kernel's
// format allows, and reads back what that format writes.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"VpTotalRunTime                             : 60000000",
		"HvLogicalProcessors        : 2",
		"PtPartitionId                        : 18446744073709551615",
		"PtPartitionId: 18446744073709551616",
		"PtGpaPages 12",
		"PtDepositedPages                     : -5",
		": 1",
		"a: ",
		"a:  1",
		"a\t: 1",
		"Lp\xffName: 3",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, l []byte) {
		name, v, ok := parseLine(l)
		if !ok {
			return
		}
		if len(name) == 0 || bytes.ContainsAny(name, " :\n") {
			t.Fatalf("%q: name %q", l, name)
		}
		var b bytes.Buffer
		io.WriteString(&b, string(name)+strings.Repeat(" ", max(0, 43-len(name)))+": ")
		b.WriteString(uintString(v))
		n2, v2, ok2 := parseLine(b.Bytes())
		if !ok2 || !bytes.Equal(n2, name) || v2 != v {
			t.Fatalf("%q: %q %d, written back as %q: %q %d %v", l, name, v, b.String(), n2, v2, ok2)
		}
	})
}

func uintString(v uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(buf[i:])
		}
	}
}

// FuzzText: a file of any content gives an error or values, never a
// panic, and every value it gives is a line's.
func FuzzText(f *testing.F) {
	for _, name := range []string{"root/partition/1/vp/0/stats", "broken/partition/3/stats", "broken/partition/3/vp/0/stats", "broken/partition/5/stats"} {
		data, err := os.ReadFile(filepath.Join("testdata", "debugfs", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	tab := testTable(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		st := NewCollector(fixture("root"), tab, slog.New(slog.DiscardHandler)).newState(Object{Type: ObjectVP}, kindVP)
		v := &Values{t: tab, k: kindVP, st: st}
		err := v.Text("f", data)
		lines := bytes.Count(data, []byte("\n"))
		got := len(st.unknown)
		for _, x := range st.values {
			if !math.IsNaN(x) {
				got++
			}
		}
		if got > lines {
			t.Fatalf("%d values from %d lines", got, lines)
		}
		if err == nil && len(data) > 0 && data[len(data)-1] != '\n' {
			t.Fatalf("no error for data without a final newline")
		}
	})
}
