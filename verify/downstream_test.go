package verify

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDownstreamGoGenerate is what a downstream module does: a go:generate
// line runs hvgen from this module (through a replace directive pointing at
// this checkout) to generate only the hypercalls it uses plus its own private
// hypercall from an overlay directory; the result must build and vet, and a
// second go generate must change nothing.
func TestDownstreamGoGenerate(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
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
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.mod", "module example.com/vmm\n\ngo 1.24\n\nrequire github.com/hvgen/hvgen v0.0.0\n\nreplace github.com/hvgen/hvgen => "+root+"\n")
	write("go.sum", string(sum))
	write("hv/gen.go", `// Package hv is this module's slice of the hypervisor ABI.
package hv

//go:generate go run github.com/hvgen/hvgen/cmd/hvgen gen -overlay ../hvspec -version wdk-2013 -pkg hv -calls HvCallMapStatsPage,HvCallContosoPing -areas eventlog
`)
	write("hvspec/contoso.yaml", `area: contoso
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
`)
	write("main.go", `package main

import (
	"fmt"

	"example.com/vmm/hv"
)

func main() {
	var in hv.ContosoPingInput
	in.Target = 1
	d, _ := hv.LookupHypercall(hv.CallContosoPing)
	fmt.Println(d.Name, d.InputSize, hv.CallMapStatsPage, hv.EventLogBufferStateReady)
}
`)
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
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
	run("generate", "./...")
	first := snapshot(t, filepath.Join(dir, "hv"))
	if len(first) < 3 {
		t.Fatalf("go generate wrote %d files", len(first))
	}
	run("build", "./...")
	run("vet", "./...")
	if out := run("run", "."); strings.TrimSpace(out) != "HvCallContosoPing 16 HvCallMapStatsPage HvEventLogBufferStateReady" {
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
}

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
