package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// archSpec is a registry with a type declared per architecture and a shared
// struct holding it; extra is appended to its types.
const archSpec = `area: a
versions:
  - {name: v1, doc: One., ref: r}
types:
  - {name: HV_CONTEXT, kind: struct, arch: [x64], versions: [v1], doc: x64 form., ref: r, fields: [{name: Rip, type: UINT64}]}
  - {name: HV_CONTEXT, kind: struct, arch: [arm64], versions: [v1], doc: ARM64 form., ref: r, fields: [{name: Pc, type: UINT64}, {name: Sp, type: UINT64}]}
  - name: HV_INPUT_START
    kind: struct
    versions: [v1]
    doc: Shared; its size differs per architecture.
    ref: r
    fields:
      - {name: Index, type: UINT32, offset: 0}
      - {name: Padding, type: UINT32, offset: 4, padding: true}
      - {name: Context, type: HV_CONTEXT, offset: 8}
`

// The Go package of a registry with per-architecture types builds and
// passes vet on both architectures, each asserting its own layout.
func TestGenPerArchitecture(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(archSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, errs := runCLI("check", "-spec", dir); code != 0 || !strings.Contains(stdout, "v1: 3 types (2 on x64, 2 on arm64),") {
		t.Errorf("check: exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	out := filepath.Join(dir, "out")
	if code, _, errs := runCLI("gen", "-spec", dir, "-version", "v1", "-pkg", "hv", "-out", out); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errs)
	}
	for _, f := range []string{"ztypes.go", "ztypes_amd64.go", "ztypes_arm64.go", "zlayout_amd64.go", "zlayout_arm64.go"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not generated: %v", f, err)
		}
	}
	arm := readTestFile(t, filepath.Join(out, "zlayout_arm64.go"))
	if !strings.Contains(string(arm), "unsafe.Sizeof(StartInput{})-24") {
		t.Errorf("zlayout_arm64.go does not assert the 24-byte ARM64 size of StartInput:\n%s", arm)
	}
	// Build it as a module of its own, on both architectures.
	if err := os.WriteFile(filepath.Join(out, "go.mod"), []byte("module example.com/hv\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		cmd := exec.Command("go", "vet", ".")
		cmd.Dir = out
		cmd.Env = append(os.Environ(), "GOARCH="+arch, "GOOS=linux", "GOFLAGS=-mod=mod", "GOWORK=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go vet on %s: %v\n%s", arch, err, b)
		}
	}
}

// A shared type whose Go text would depend on the architecture is refused
// with a message saying to declare it per architecture.
func TestGenPerArchitectureRefusesArchDependentGo(t *testing.T) {
	dir := t.TempDir()
	spec := archSpec + `  - name: HV_SHARED_UNION
    kind: struct
    versions: [v1]
    doc: An anonymous union is stored as bytes of its size, which differs here.
    ref: r
    fields:
      - union:
          - {name: Raw, type: UINT64}
          - {name: Context, type: HV_CONTEXT}
`
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("gen", "-spec", dir, "-version", "v1", "-pkg", "hv", "-out", filepath.Join(dir, "out"))
	if code != 1 || !strings.Contains(errs, "a.yaml:16:5: HV_SHARED_UNION: its Go declaration differs on arm64 (its layout does); declare it per architecture") {
		t.Errorf("exit %d, stderr %q; want exit 1 and a message to declare the type per architecture", code, errs)
	}
}

// A shared type that uses a type declared for one architecture only is an
// error on the other, at the member that uses it.
func TestCheckTypeMissingOnAnArchitecture(t *testing.T) {
	dir := t.TempDir()
	spec := strings.Replace(archSpec, "  - {name: HV_CONTEXT, kind: struct, arch: [arm64]", "  - {name: HV_CONTEXT_ARM, kind: struct, arch: [arm64]", 1)
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("check", "-spec", dir)
	if code != 1 || !strings.Contains(errs, "a.yaml:15:9: type HV_CONTEXT is not declared for arm64") {
		t.Errorf("exit %d, stderr %q; want the missing ARM64 variant reported", code, errs)
	}
}
