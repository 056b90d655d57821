package main

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// The committed packages and the flags their go:generate lines use.
var committed = []struct{ version, pkg string }{
	{"wdk-2013", "wdk2013"},
	{"tlfs", "tlfs"},
	{"linux-7.0", "linux70"},
}

func loadSpec(t testing.TB, dir string) *layout.ABI {
	t.Helper()
	r, err := layout.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGeneratedUpToDate regenerates every committed package in memory and
// compares it byte for byte with generated/.
func TestGeneratedUpToDate(t *testing.T) {
	r := loadSpec(t, "../../spec")
	for _, c := range committed {
		files, err := generate(r, c.version, c.pkg, spec.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join("../../generated", c.pkg)
		onDisk, _ := filepath.Glob(filepath.Join(dir, "z*.go"))
		var names []string
		for _, p := range onDisk {
			names = append(names, filepath.Base(p))
		}
		var want []string
		for n := range files {
			want = append(want, n)
		}
		sort.Strings(want)
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%s: files on disk %v, generator makes %v; run go generate ./generated", dir, names, want)
		}
		for n, data := range files {
			cur, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil || !bytes.Equal(cur, data) {
				t.Errorf("%s/%s is stale; run go generate ./generated", dir, n)
			}
		}
	}
}

// TestDiffExampleUpToDate: the committed diff reports (generated/generate.go)
// are what hvgen diff writes for the registry now.
func TestDiffExampleUpToDate(t *testing.T) {
	for _, p := range [][2]string{{"wdk-2013", "tlfs"}, {"tlfs", "linux-7.0"}, {"wdk-2013", "linux-7.0"}} {
		name := "abi-diff-" + p[0] + "-" + p[1] + ".md"
		out := filepath.Join(t.TempDir(), name)
		if code, _, errs := runCLI("diff", "-spec", "../../spec", "-from", p[0], "-to", p[1], "-format", "markdown",
			"-fail-on", "none", "-o", out); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		got := readTestFile(t, out)
		want, err := os.ReadFile("../../generated/" + name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("generated/%s is stale (%v); run go generate ./generated", name, err)
		}
	}
}

var headerLine = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

func TestGenOutputIsCanonical(t *testing.T) {
	r := loadSpec(t, miniDir)
	a, err := generate(r, "v1", "v1", spec.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate(loadSpec(t, miniDir), "v1", "v1", spec.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range a {
		first, _, _ := strings.Cut(string(data), "\n")
		if !headerLine.MatchString(first) {
			t.Errorf("%s: first line %q is not the generated-code line", name, first)
		}
		if formatted, err := format.Source(data); err != nil || !bytes.Equal(formatted, data) {
			t.Errorf("%s is not gofmt-clean (err %v)", name, err)
		}
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// tempModule writes generated packages into a new module that uses this
// checkout, so that the go command can build them.
func tempModule(t *testing.T, pkgs map[string]map[string][]byte) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed to build generated code")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/gencheck\n\ngo 1.24\n\nrequire github.com/hvgen/hvgen v0.0.0\n\nreplace github.com/hvgen/hvgen => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(p string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "go.mod"), []byte(gomod))
	write(filepath.Join(dir, "go.sum"), sum)
	for pkg, files := range pkgs {
		for n, data := range files {
			write(filepath.Join(dir, pkg, n), data)
		}
	}
	return dir
}

func goCmd(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestGenMiniCompiles builds and vets the packages generated from the mini
// registry, which uses every feature of the format, for amd64 and arm64.
func TestGenMiniCompiles(t *testing.T) {
	r := loadSpec(t, miniDir)
	pkgs := map[string]map[string][]byte{}
	for _, v := range []string{"v1", "v2"} {
		files, err := generate(r, v, v, spec.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		pkgs[v] = files
	}
	dir := tempModule(t, pkgs)
	if out, err := goCmd(t, dir, "vet", "./..."); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOARCH=arm64 go build: %v\n%s", err, out)
	}
}

// TestLayoutAssertionsFailTheBuild edits a generated struct so that its layout
// no longer matches the registry and checks that the package stops compiling.
func TestLayoutAssertionsFailTheBuild(t *testing.T) {
	r := loadSpec(t, miniDir)
	files, err := generate(r, "v1", "v1", spec.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, pattern, repl, want string }{
		{"field too small", `(?m)^(\tSize\s+)uint32(\s+// Size, offset 0x0)$`, "${1}uint16${2}", "overflows uintptr"},
		{"field too large", `(?m)^(\tSize\s+)uint32(\s+// Size, offset 0x0)$`, "${1}uint64${2}", "out of bounds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			re := regexp.MustCompile(tc.pattern)
			src := files["ztypes.go"]
			if !re.Match(src) {
				t.Fatalf("pattern %s not found in ztypes.go", tc.pattern)
			}
			bad := map[string][]byte{}
			for n, d := range files {
				bad[n] = d
			}
			bad["ztypes.go"] = re.ReplaceAll(src, []byte(tc.repl))
			dir := tempModule(t, map[string]map[string][]byte{"v1": bad})
			out, err := goCmd(t, dir, "build", "./...")
			if err == nil {
				t.Fatal("build succeeded with a wrong layout")
			}
			if !strings.Contains(out, tc.want) || !strings.Contains(out, "zlayout.go") {
				t.Errorf("build failed, but not in zlayout.go with %q:\n%s", tc.want, out)
			}
		})
	}
}
