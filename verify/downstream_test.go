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
	"slices"
	"strings"
	"testing"
)

// docBlock is one fenced block of a Markdown file: its language and text.
type docBlock struct{ lang, text string }

// docSection returns the fenced blocks of one "## " section of a Markdown
// file of the checkout at root (file is a path from root).
func docSection(t *testing.T, root, file, title string) []docBlock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("%s has no section %q", file, title)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var blocks []docBlock
	for {
		_, rest, ok := strings.Cut(sec, "```")
		if !ok {
			return blocks
		}
		lang, rest, _ := strings.Cut(rest, "\n")
		text, rest, ok := strings.Cut(rest, "```")
		if !ok {
			t.Fatalf("%s section %q: unterminated code block", file, title)
		}
		blocks = append(blocks, docBlock{lang, text})
		sec = rest
	}
}

// guide is the guide that holds the downstream recipes.
const guide = "docs/generated-go.md"

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

// downstream is a fresh module, example.com/vmm, in dir, with the go line
// hvgen's floor, a private hypercall in an overlay directory (hvspec/) and a
// program that uses the package hv/ will hold once generated.
type downstream struct {
	t     *testing.T
	dir   string
	env   []string
	floor string // the module's go line: the lowest hvgen allows
}

// newDownstream makes the module in dir. env is the go command's
// environment: GOPROXY ends in "off" there. hvgen is not published, so the
// module proxy has nothing for github.com/hvgen/hvgen/...; the proxy CI uses
// answers 403, which stops the go command, where the public proxy answers
// 404. Ending the list in "off" turns every such lookup into "not found", so
// a replace directive or a workspace supplies the module; every other module
// still comes from the proxy.
func newDownstream(t *testing.T, root, dir string, workspace bool) *downstream {
	t.Helper()
	env := []string{"GOPROXY=" + proxyList(t) + "|off"}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GOWORK=") && !strings.HasPrefix(e, "GOPROXY=") {
			env = append(env, e)
		}
	}
	if !workspace {
		env = append(env, "GOWORK=off")
	}
	floor, _ := buildListFloor(t, root)
	d := &downstream{t: t, dir: dir, env: env, floor: floor}
	d.run("mod", "init", "example.com/vmm")
	d.run("mod", "edit", "-go="+floor)
	d.write("hvspec/contoso.yaml", contosoYAML)
	d.write("main.go", downstreamMain)
	return d
}

func (d *downstream) write(name, text string) {
	d.t.Helper()
	p := filepath.Join(d.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// run runs the go command in the module and returns its output.
func (d *downstream) run(args ...string) string {
	d.t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = d.dir, d.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// steps runs the go commands of a shell block, one a line (comments and
// blank lines skipped), and returns them.
func (d *downstream) steps(block string) []string {
	d.t.Helper()
	var steps []string
	sc := bufio.NewScanner(strings.NewReader(block))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args := strings.Fields(line)
		if args[0] != "go" {
			d.t.Fatalf("%s step %q is not a go command", guide, line)
		}
		steps = append(steps, line)
		d.run(args[1:]...)
	}
	return steps
}

// TestDownstreamBootstrap runs the "Use from another module" section of
// docs/generated-go.md in a fresh module: its commands in order, and its
// file with the go:generate line as hv/gen.go, which generates only the
// hypercalls the module uses plus its own private hypercall from an overlay directory. A
// replace directive pointing at the checkout stands in for the module proxy
// (hvgen is not published yet). The result must build and vet, the program
// must run a call through the generated Client, a second go generate must
// change nothing, and the module's go line, declared as the lowest hvgen
// allows, must not have been raised.
func TestDownstreamBootstrap(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	blocks := docSection(t, root, guide, "Use from another module")
	d := newDownstream(t, root, t.TempDir(), false)
	d.run("mod", "edit", "-replace", "github.com/hvgen/hvgen="+root)
	var steps []string
	genFiles := 0
	for _, b := range blocks {
		switch b.lang {
		case "sh":
			steps = append(steps, d.steps(b.text)...)
		case "go":
			d.write("hv/gen.go", b.text)
			genFiles++
		}
	}
	want := []string{"go get -tool github.com/hvgen/hvgen/cmd/hvgen", "go mod tidy", "go generate ./...", "go build ./..."}
	if strings.Join(steps, "; ") != strings.Join(want, "; ") || genFiles != 1 {
		t.Fatalf("%s steps %q and %d go:generate files; want %q and one", guide, steps, genFiles, want)
	}
	d.check()
}

// TestDownstreamLocalClone runs the two recipes of "Before a release: a
// local clone" in docs/generated-go.md as written, each in a fresh module
// beside the clone (../hvgen: this checkout, through a symbolic link), with
// the go:generate file of "Use from another module". Nothing stands in for
// the module proxy: the workspace or the replace line must supply hvgen.
// Each must pass the checks of TestDownstreamBootstrap.
func TestDownstreamLocalClone(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var genFile string
	for _, b := range docSection(t, root, guide, "Use from another module") {
		if b.lang == "go" {
			genFile = b.text
		}
	}
	recipes := map[string]string{}
	cloned := false
	for _, b := range docSection(t, root, guide, "Before a release: a local clone") {
		first, _, _ := strings.Cut(b.text, "\n")
		switch {
		case b.lang != "sh":
			t.Fatalf("%s: a %q block in the local-clone section", guide, b.lang)
		case first == "git clone https://github.com/hvgen/hvgen ../hvgen":
			cloned = true
		case strings.HasPrefix(first, "# go work:"):
			recipes["work"] = b.text
		case strings.HasPrefix(first, "# replace:"):
			recipes["replace"] = b.text
		default:
			t.Fatalf("%s: unexpected block in the local-clone section:\n%s", guide, b.text)
		}
	}
	if !cloned || len(recipes) != 2 || genFile == "" {
		t.Fatalf("%s: want the clone line, a go work and a replace recipe, and a go:generate file; have clone %v, recipes %d", guide, cloned, len(recipes))
	}
	// One parent for both modules, so that ../hvgen is one path and the
	// second recipe builds hvgen's packages from the first one's cache.
	parent := t.TempDir()
	if err := os.Symlink(root, filepath.Join(parent, "hvgen")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"work", "replace"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(parent, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			d := newDownstream(t, root, dir, name == "work")
			d.write("hv/gen.go", genFile)
			steps := d.steps(recipes[name])
			if !slices.Contains(steps, "go generate ./...") || !slices.Contains(steps, "go build ./...") {
				t.Fatalf("recipe %s does not generate and build: %q", name, steps)
			}
			if name == "work" {
				if _, err := os.Stat(filepath.Join(dir, "go.work")); err != nil {
					t.Errorf("the go work recipe made no go.work: %v", err)
				}
			} else if gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod")); !bytes.Contains(gomod, []byte("\nreplace github.com/hvgen/hvgen => ../hvgen\n")) {
				t.Errorf("go.mod has no replace line for the clone:\n%s", gomod)
			}
			d.check()
		})
	}
}

// check runs the checks every downstream recipe must pass, after its go
// generate: the generated files are there, vet is clean, the program runs a
// call through the generated Client, a second go generate changes nothing,
// the go line was not raised, and go.mod names hvgen's command as a tool.
func (d *downstream) check() {
	t := d.t
	t.Helper()
	dir, run, floor := d.dir, d.run, d.floor
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
