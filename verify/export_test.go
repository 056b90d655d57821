package verify

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// abi is the part of `hvgen export` these checks read.
type abi struct {
	Types []abiType `json:"types"`
}

type abiType struct {
	Name   string     `json:"name"`
	GoName string     `json:"go_name"`
	Kind   string     `json:"kind"`
	Size   int64      `json:"size"`
	Align  int64      `json:"align"`
	Packed bool       `json:"packed"`
	Fields []abiField `json:"fields"`
}

type abiField struct {
	Name      string     `json:"name"`
	GoName    string     `json:"go_name"`
	Type      string     `json:"type"`
	Offset    int64      `json:"offset"`
	Size      int64      `json:"size"`
	Count     int64      `json:"count"`
	Flexible  bool       `json:"flexible"`
	Padding   bool       `json:"padding"`
	Packed    bool       `json:"packed"`
	BitOffset *int       `json:"bit_offset"`
	Fields    []abiField `json:"fields"`
}

// versions are the committed generated packages.
var versions = []struct{ version, pkg string }{{"wdk-2013", "wdk2013"}, {"tlfs", "tlfs"}, {"linux-7.0", "linux70"}}

var hvgenBin string

// TestMain builds hvgen once; every check runs it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hvgen-verify")
	if err != nil {
		panic(err)
	}
	hvgenBin = filepath.Join(dir, "hvgen")
	out, err := exec.Command("go", "build", "-o", hvgenBin, "../cmd/hvgen").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func hvgen(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(hvgenBin, args...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("hvgen %v: %v\n%s", args, err, stderr)
	}
	return out
}

// exportABI is hvgen's export of a version on an architecture (x64, arm64).
func exportABI(t *testing.T, version, arch string) *abi {
	t.Helper()
	var a abi
	if err := json.Unmarshal(hvgen(t, "export", "-spec", "../spec", "-version", version, "-arch", arch), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Types) == 0 {
		t.Fatalf("%s: export has no types", version)
	}
	return &a
}

func TestVersionCommand(t *testing.T) {
	out := string(hvgen(t, "version", "-spec", "../spec"))
	for _, want := range []string{"hvgen ", "registry version wdk-2013", "registry version tlfs"} {
		if !strings.Contains(out, want) {
			t.Errorf("hvgen version output lacks %q:\n%s", want, out)
		}
	}
	// Outside a checkout (no ./spec), the registry built into the binary is used.
	cmd := exec.Command(hvgenBin, "version")
	cmd.Dir = t.TempDir()
	builtin, err := cmd.Output()
	if err != nil || !strings.Contains(string(builtin), "registry version tlfs") {
		t.Errorf("hvgen version outside a checkout: %v\n%s", err, builtin)
	}
}
