package verify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/version"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBlock is one fenced block of the README: its language and text.
type readmeBlock struct{ lang, text string }

// readmeSection returns the fenced blocks of one "## " section of README.md.
func readmeSection(t *testing.T, root, title string) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", title)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var blocks []readmeBlock
	for {
		_, rest, ok := strings.Cut(sec, "```")
		if !ok {
			return blocks
		}
		lang, rest, _ := strings.Cut(rest, "\n")
		text, rest, ok := strings.Cut(rest, "```")
		if !ok {
			t.Fatalf("README.md section %q: unterminated code block", title)
		}
		blocks = append(blocks, readmeBlock{lang, text})
		sec = rest
	}
}

// modGoLine returns the go line of a go.mod file.
func modGoLine(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s has no go line", path)
	}
	return string(m[1])
}

// buildListFloor is the highest go line among the modules of root's build
// list other than root itself: the lowest go line root can declare.
func buildListFloor(t *testing.T, root string) (string, string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-json", "all")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	floor, by := "", ""
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Path, Version, GoVersion string
			Main                     bool
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !m.Main && m.GoVersion != "" && version.Compare("go"+m.GoVersion, "go"+floor) > 0 {
			floor, by = m.GoVersion, m.Path+"@"+m.Version
		}
	}
	if floor == "" {
		t.Fatal("go list -m all lists no go line")
	}
	return floor, by
}

// TestGoLineIsTheFloor: go.mod's go line is the lowest the build list
// allows (so a downstream module is not raised beyond what hvgen needs), and
// the README states it as the minimum Go version.
func TestGoLineIsTheFloor(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	floor, by := buildListFloor(t, root)
	if got := modGoLine(t, filepath.Join(root, "go.mod")); got != floor {
		t.Errorf("go.mod says go %s; the highest go line of the build list is %s (%s)", got, floor, by)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte("Go "+floor+" or later")) {
		t.Errorf("README.md does not say %q", "Go "+floor+" or later")
	}
}

// TestDownstreamBootstrap runs the README's "Use from another module"
// section in a fresh module: its commands in order and its go:generate file
// as hv/gen.go, which generates only the hypercalls the module uses plus its
// own private hypercall from an overlay directory. The result must build and
// vet, the program must run a call through the generated Client, a second go
// generate must change nothing, and the module's go line, declared as the
// lowest hvgen allows, must not have been raised.
func TestDownstreamBootstrap(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeSection(t, root, "Use from another module")
	floor, _ := buildListFloor(t, root)
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// hvgen is not published, so the module proxy has nothing for
	// github.com/hvgen/hvgen/...; the proxy CI uses answers 403, which stops
	// the go command, where the public proxy answers 404. Ending the list in
	// "off" turns every such lookup into "not found", so the replace directive
	// supplies the module; every other module still comes from the proxy.
	env := append(os.Environ(), "GOWORK=off", "GOPROXY="+proxyList(t)+"|off")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("mod", "init", "example.com/vmm")
	run("mod", "edit", "-go="+floor)
	run("mod", "edit", "-replace", "github.com/hvgen/hvgen="+root)
	write("hvspec/contoso.yaml", contosoYAML)
	write("main.go", downstreamMain)
	var steps []string
	genFiles := 0
	for _, b := range blocks {
		switch b.lang {
		case "sh":
			sc := bufio.NewScanner(strings.NewReader(b.text))
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				args := strings.Fields(line)
				if args[0] != "go" {
					t.Fatalf("README step %q is not a go command", line)
				}
				steps = append(steps, line)
				run(args[1:]...)
			}
		case "go":
			write("hv/gen.go", b.text)
			genFiles++
		}
	}
	want := []string{"go get -tool github.com/hvgen/hvgen/cmd/hvgen", "go mod tidy", "go generate ./...", "go build ./..."}
	if strings.Join(steps, "; ") != strings.Join(want, "; ") || genFiles != 1 {
		t.Fatalf("README steps %q and %d go:generate files; want %q and one", steps, genFiles, want)
	}
	first := snapshot(t, filepath.Join(dir, "hv"))
	for _, n := range []string{"zclient.go", "ztypes.go", "zcalls.go"} {
		if first[n] == nil {
			t.Errorf("go generate wrote no %s", n)
		}
	}
	if !bytes.Contains(first["zclient.go"], []byte("var Encoding = hvcall.Encoding{")) {
		t.Error("zclient.go has no Encoding")
	}
	run("vet", "./...")
	if out := run("run", "."); strings.TrimSpace(out) != "HvCallContosoPing 16 HvCallMapStatsPage HvEventLogBufferStateReady <nil>" {
		t.Errorf("program printed %q", out)
	}
	if strings.Contains(string(first["ztypes.go"]), "GetVpRegistersInput") {
		t.Error("the subset pulled in a hypercall that was not asked for")
	}
	run("generate", "./...")
	second := snapshot(t, filepath.Join(dir, "hv"))
	for name, data := range first {
		if !bytes.Equal(second[name], data) {
			t.Errorf("%s changed on the second go generate", name)
		}
	}
	if len(second) != len(first) {
		t.Errorf("second go generate left %d files, first %d", len(second), len(first))
	}
	if got := modGoLine(t, filepath.Join(dir, "go.mod")); got != floor {
		t.Errorf("the module declared go %s, the lowest hvgen allows; the bootstrap raised it to %s", floor, got)
	}
	if gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod")); !bytes.Contains(gomod, []byte("\ntool github.com/hvgen/hvgen/cmd/hvgen\n")) {
		t.Errorf("go.mod has no tool line:\n%s", gomod)
	}
}

// proxyList is the go command's GOPROXY as a "|" list of proxies (direct
// and off dropped: there is no network beyond the proxy).
func proxyList(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatal(err)
	}
	var proxies []string
	for _, p := range strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool { return r == ',' || r == '|' }) {
		if p != "direct" && p != "off" {
			proxies = append(proxies, p)
		}
	}
	if len(proxies) == 0 {
		t.Fatal("GOPROXY names no proxy; the bootstrap needs one for hvgen's dependencies")
	}
	return strings.Join(proxies, "|")
}

const contosoYAML = `area: contoso
types:
  - name: HV_INPUT_CONTOSO_PING
    kind: struct
    versions: [wdk-2013]
    doc: Input of a private build's ping call.
    ref: contoso/ping.txt
    fields:
      - {name: Cookie, type: UINT64, offset: 0}
      - {name: Target, type: HV_PARTITION_ID, offset: 8}
hypercalls:
  - name: HvCallContosoPing
    code: 0x7F00
    kind: simple
    fast: true
    versions: [wdk-2013]
    doc: A private hypercall.
    ref: contoso/ping.txt
    input: HV_INPUT_CONTOSO_PING
`

// downstreamMain uses the generated types and tables and issues a call
// through the generated Client against the simulated hypervisor.
const downstreamMain = `package main

import (
	"fmt"

	"example.com/vmm/hv"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"
)

func main() {
	var in hv.ContosoPingInput
	in.Target = 1
	d, _ := hv.LookupHypercall(hv.CallContosoPing)
	c := hv.NewClient(wdk2013sim.New(sim.Config{}).Root().Backend())
	err := c.MapStatsPage(&hv.MapStatsPageInput{StatsType: hv.StatsObjectHypervisor})
	fmt.Println(d.Name, d.InputSize, hv.CallMapStatsPage, hv.EventLogBufferStateReady, err)
}
`

func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = data
	}
	return out
}
