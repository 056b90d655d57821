package verify

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
	"github.com/hvgen/hvgen/runtime/sim"
)

// TestDownstreamEventLog: a module of its own generates hvgen's Go package
// with hvgen gen, whole and as the event-log subset (-areas eventlog), and
// runs the event-log loop of docs/recording.md (section "Reading event-log
// buffers") over the buffers of a recording the simulator made: the
// runtime (eventlog, recording, stats) takes its entry types, payload views
// and statistics descriptors from a package it has never seen, with one
// conversion and no unsafe. The hypercall entries it decodes are the ones
// logged, and the whole package reads the statistics dump's counter too.
func TestDownstreamEventLog(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var loop string
	for _, b := range docSection(t, root, "docs/recording.md", "Reading event-log buffers") {
		if b.lang == "go" && strings.HasPrefix(b.text, "for e, err := range buf.All() {") {
			loop = b.text
		}
	}
	if loop == "" || !strings.Contains(loop, "hv.EntryType(e.Type())") || strings.Count(loop, "hv.EntryType(") != 1 {
		t.Fatalf("docs/recording.md has no event-log loop converting the entry type once:\n%s", loop)
	}
	dir := t.TempDir()
	rec, want := downstreamRecording(t)
	stats, runTime := downstreamStatsDump(t)
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("events.rec", rec)
	write("st.dump", stats)

	// hvgen itself, built from this checkout.
	hvgen := filepath.Join(t.TempDir(), "hvgen")
	build := exec.Command("go", "build", "-o", hvgen, "./cmd/hvgen")
	build.Dir, build.Env = root, append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build hvgen: %v\n%s", err, out)
	}
	floor, _ := buildListFloor(t, root)
	// hvgen is not published: the replace directive supplies it, and "off"
	// ends the proxy list so a lookup of it is "not found" (see
	// TestDownstreamBootstrap); nothing else is needed from the proxy.
	env := append(os.Environ(), "GOWORK=off", "GOPROXY="+proxyList(t)+"|off", "GOFLAGS=")
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("go", "mod", "init", "example.com/trace")
	run("go", "mod", "edit", "-go="+floor, "-require=github.com/hvgen/hvgen@v0.0.0", "-replace=github.com/hvgen/hvgen="+root)
	run(hvgen, "gen", "-spec", filepath.Join(root, "spec"), "-version", "wdk-2013", "-pkg", "hv", "-out", "full/hv")
	run(hvgen, "gen", "-spec", filepath.Join(root, "spec"), "-version", "wdk-2013", "-areas", "eventlog", "-pkg", "hv", "-out", "subset/hv")
	for _, pkg := range []string{"full", "subset"} {
		write("cmd/"+pkg+"/main.go", []byte(downstreamProgram(pkg, loop)))
	}
	run("go", "mod", "tidy")
	run("go", "vet", "./...")
	if imports := run("go", "list", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", "./cmd/..."); strings.Contains(imports, "unsafe") || strings.Contains(imports, "generated/") {
		t.Errorf("the programs import unsafe or a generated package of hvgen's:\n%s", imports)
	}
	for _, pkg := range []string{"full", "subset"} {
		got := run("go", "run", "./cmd/"+pkg, "events.rec", "st.dump")
		wantOut := want
		if pkg == "full" {
			wantOut += fmt.Sprintf("VP total run time %d\n", runTime)
		}
		if got != wantOut {
			t.Errorf("%s package: the program printed\n%s\nwant\n%s", pkg, got, wantOut)
		}
	}
	if sub, _ := os.ReadFile(filepath.Join(dir, "subset/hv/zeventlog.go")); !bytes.Contains(sub, []byte("func AsTrHcHypercall(")) {
		t.Error("the subset has no payload view")
	}
	if _, err := os.Stat(filepath.Join(dir, "subset/hv/zstats.go")); err == nil {
		t.Error("the event-log subset has the statistics tables")
	}
}

// downstreamProgram is a program over the generated package of dir pkg:
// the guide's loop in walk, reading every buffer of the recording named
// first; with the whole package, also the VP run time of the statistics
// dump named second.
func downstreamProgram(pkg, loop string) string {
	var statsPart, statsImports string
	if pkg == "full" {
		statsImports = "\n\t\"github.com/hvgen/hvgen/runtime/stats\""
		statsPart = `
	sf, err := os.Open(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	sd, err := recording.ReadStatsDump(sf)
	if err != nil {
		log.Fatal(err)
	}
	p, err := stats.Parse(sd.Page, hv.StatsObjectType(sd.Object), hv.StatsGroups[:])
	if err != nil {
		log.Fatal(err)
	}
	v, ok := p.Counter(hv.StatisticsGroupVpaID, hv.StatisticsTypeVpaTotalRunTime)
	if !ok {
		log.Fatal("no VP total run time")
	}
	fmt.Printf("VP total run time %d\n", v)
`
	}
	return `package main

import (
	"fmt"
	"log"
	"os"

	"example.com/trace/` + pkg + `/hv"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"` + statsImports + `
)

func use(rip, input uint64) { fmt.Printf("hypercall at %#x, input %#x\n", rip, input) }

// walk is the loop of docs/recording.md.
func walk(buf *eventlog.Buffer) error {
` + indent(loop) + `	return nil
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	r := recording.NewReader(f)
	for buf, err := range r.Buffers() {
		if err != nil {
			log.Fatal(err)
		}
		if err := walk(buf); err != nil {
			log.Fatal(err)
		}
	}` + statsPart + `}
`
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if strings.TrimSpace(l) != "" {
			b.WriteString("\t")
		}
		b.WriteString(l)
	}
	return b.String()
}

// downstreamRecording logs 300 events on the simulator, every third a
// hypercall entry with a known GuestRip and InputValue, reads the buffers
// the hypervisor hands over as the root partition does and records them.
// It returns the recording and the lines the program must print for it.
func downstreamRecording(t *testing.T) ([]byte, string) {
	t.Helper()
	const lt = hv.EventLogTypeLocalDiagnostics
	h := wdk2013sim.New(sim.Config{RootPoolPages: sim.EventLogPoolPages(4, 1)})
	c := hv.NewClient(h.Root().Backend())
	if err := c.InitializeEventLogBufferGroup(&hv.InitializeEventLogBufferGroupInput{Type: lt, MaximumBufferCount: 4, BufferPages: 1, Threshold: 1}); err != nil {
		t.Fatal(err)
	}
	gpas := make([]hv.GPAPageNumber, 4)
	for i := range 4 {
		idx := hv.EventLogBufferIndex(i)
		out := make([]hv.GPAPageNumber, 1)
		if err := c.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, BufferIndex: idx}); err != nil {
			t.Fatal(err)
		}
		if err := c.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt, BufferIndex: idx}, &hv.MapEventLogBufferOutput{}, out); err != nil {
			t.Fatal(err)
		}
		gpas[i] = out[0]
	}
	if err := c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: hv.EventLogEnableDiagAdmin}); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := range uint64(300) {
		ok := true
		if i%3 == 0 {
			rip, input := 0xfffff800_00001000+16*i, i<<16|0x8c
			ok = h.EventLog().Log(lt, 0, hv.TrHcHypercall, uint32(i), rip, input)
			fmt.Fprintf(&want, "hypercall at %#x, input %#x\n", rip, input)
		} else {
			ok = h.EventLog().Log(lt, 0, hv.TrImHltInstruction, uint32(i), i)
		}
		if !ok {
			t.Fatalf("event %d not logged", i)
		}
	}
	if err := c.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt}); err != nil {
		t.Fatal(err)
	}
	g := eventlog.Group{Type: eventlog.Type(lt), BufferSize: 4096, MaxBuffers: 4, Memory: func(i uint32) []byte {
		if int(i) >= len(gpas) {
			return nil
		}
		return h.Root().Memory(gpas[i])
	}}
	var out bytes.Buffer
	w := recording.NewWriter(&out)
	chunk := recording.Group{Type: eventlog.Type(lt), TimeBasis: eventlog.TimeReference}
	// One logical processor logged every event, so its buffers, reported
	// one by one (threshold 1), hold them in the order they were logged.
	chunks := 0
	for {
		m, ok := h.EventLog().NextMessage(false)
		if !ok {
			break
		}
		for b, err := range g.Ready(uint32(m.BufferIndex)) {
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteBuffer(chunk, b.Bytes()); err != nil {
				t.Fatal(err)
			}
			chunks++
		}
	}
	if err := w.Close(); err != nil || chunks < 2 {
		t.Fatalf("%d buffers recorded: %v", chunks, err)
	}
	return out.Bytes(), want.String()
}

// downstreamStatsDump maps a VP's statistics page, lets half a second of
// reference time pass and dumps the page; it returns the dump and the VP's
// total run time on it.
func downstreamStatsDump(t *testing.T) ([]byte, uint64) {
	t.Helper()
	h := wdk2013sim.New(sim.Config{})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 1)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID()
	if err := hv.NewClient(h.Root().Backend()).MapStatsPage(in); err != nil {
		t.Fatal(err)
	}
	h.Advance(5_000_000)
	var out bytes.Buffer
	if err := h.Root().WriteStatsDump(&out, hv.StatsObjectVP, 0x7000); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), 5_000_000
}

// TestRuntimeDependsOnNoVersion: the runtime a generated package drives
// (eventlog, stats, hvcall, recording, abi) depends on no generated
// package, directly or through another.
func TestRuntimeDependsOnNoVersion(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "./runtime/eventlog", "./runtime/stats", "./runtime/hvcall", "./runtime/recording", "./runtime/abi")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/hvgen/hvgen/generated/") {
			t.Errorf("the runtime depends on %s", p)
		}
	}
}
