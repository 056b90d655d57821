package verify

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGoGenerateIsClean: "go generate ./..." at the root runs the directives
// of generated/generate.go and runtime/sim/generate.go and nothing else (no
// directive hides in another file, a test fixture string included). Those
// directives regenerate the committed packages and diff, and the simulated
// hypervisor's per-version packages, which cmd/hvgen's TestGeneratedUpToDate
// and TestDiffExampleUpToDate and runtime/sim's TestFacadesFresh compare byte
// for byte, so the run leaves the tree unchanged. "go generate -n" lists the
// commands without running them.
func TestGoGenerateIsClean(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, file := range []string{"generated/generate.go", "runtime/sim/generate.go"} {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		n := len(want)
		for _, m := range regexp.MustCompile(`(?m)^//go:generate (.*)$`).FindAllSubmatch(src, -1) {
			want = append(want, string(m[1]))
		}
		if len(want) == n {
			t.Fatalf("%s has no go:generate line", file)
		}
	}
	cmd := exec.Command("go", "generate", "-n", "./...")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go generate -n ./...: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("go generate ./... would run\n%s\nwant only those of generated/generate.go and runtime/sim/generate.go\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
