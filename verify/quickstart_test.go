package verify

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The README's clone line; the test clones this checkout instead.
const readmeClone = "git clone https://github.com/hvgen/hvgen && cd hvgen"

// TestQuickStart runs the README's quick start on a clean clone of this
// checkout, as a newcomer would on a fresh machine:
//
//   - the set-up block ("Quick start"), with the clone line cloning this
//     checkout, after which git status must be clean (the committed generated
//     files are current);
//   - every block of "The tools" in order, with bash in the clone, the
//     exporter block on a free port: its curl must print the three metrics it
//     greps for, and its kill must stop the exporter; git status must still
//     be clean (every output is ignored);
//   - the test-command wiring: the README's test command is ./test.sh,
//     .ci/run execs it, and test.sh names every Go module of the clone and
//     runs go test -race in each. test.sh itself is not run here (it runs
//     this test).
//
// A checkout with uncommitted changes is cloned and then given those
// changes, so the test runs what is on disk.
func TestQuickStart(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	start := docSection(t, root, "README.md", "Quick start")
	if len(start) != 2 || start[0].lang != "sh" || start[1].lang != "sh" {
		t.Fatalf("README Quick start: want two sh blocks (set up, run the tests), have %d", len(start))
	}
	setup, ok := strings.CutPrefix(start[0].text, readmeClone+"\n")
	if !ok {
		t.Fatalf("README Quick start does not begin with %q:\n%s", readmeClone, start[0].text)
	}
	if strings.TrimSpace(start[1].text) != "./test.sh" {
		t.Errorf("README's test command is %q, want ./test.sh", start[1].text)
	}

	clone := filepath.Join(t.TempDir(), "hvgen")
	cloneCheckout(t, root, clone)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bash(ctx, t, clone, setup)
	gitClean(t, clone, "after the quick start's set-up")

	tools := docSection(t, clone, "README.md", "The tools")
	exporterBlocks := 0
	for _, b := range tools {
		if b.lang != "sh" {
			t.Fatalf("README The tools: a %q block", b.lang)
		}
		if !strings.Contains(b.text, "hvgen exporter") {
			_, stderr := bash(ctx, t, clone, b.text)
			// A command whose output is piped into head exits unseen:
			// its message on stderr tells. Every hvgen message starts
			// with "hvgen", a flag error with the usage.
			for _, l := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(l, "hvgen ") || strings.HasPrefix(l, "usage: ") {
					t.Errorf("README The tools: a command failed: %s\n%s", l, b.text)
				}
			}
			continue
		}
		exporterBlocks++
		out := exporterBlock(ctx, t, clone, b.text)
		for _, m := range []string{"hyperv_vp_run_time_seconds_total{", "hyperv_hypervisor_partitions ", "hyperv_exporter_objects{"} {
			if !strings.Contains(out, "\n"+m) && !strings.HasPrefix(out, m) {
				t.Errorf("the exporter block printed no %s line:\n%s", m, out)
			}
		}
	}
	if exporterBlocks != 1 {
		t.Errorf("README The tools: %d exporter blocks, want 1", exporterBlocks)
	}
	for _, f := range []string{"out/tlfs/zclient.go", "out/tlfs.h", "out/mine.yaml", "site/index.html", "events.dump", "stats.dump"} {
		if _, err := os.Stat(filepath.Join(clone, f)); err != nil {
			t.Errorf("The tools left no %s: %v", f, err)
		}
	}
	gitClean(t, clone, "after The tools")

	testWiring(t, clone)
}

// cloneCheckout clones the checkout at root into dir and, when root has
// uncommitted changes, copies them over and commits them in the clone, so
// that the clone is root's working tree with a clean status.
func cloneCheckout(t *testing.T, root, dir string) {
	t.Helper()
	git(t, "", "clone", "-q", root, dir)
	changed := git(t, root, "status", "--porcelain", "--untracked-files=all")
	if changed == "" {
		return
	}
	t.Logf("the checkout has uncommitted changes; the clone gets them:\n%s", changed)
	files := git(t, root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		src, dst := filepath.Join(root, f), filepath.Join(dir, f)
		st, err := os.Lstat(src)
		if err != nil {
			os.Remove(dst) // deleted in the checkout
			continue
		}
		if !st.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "the checkout's uncommitted changes")
}

// git runs git in dir and returns its standard output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// gitClean fails the test when the clone's git status lists anything.
func gitClean(t *testing.T, dir, when string) {
	t.Helper()
	if st := git(t, dir, "status", "--porcelain", "--untracked-files=all"); st != "" {
		t.Errorf("git status %s is not clean:\n%s", when, st)
	}
}

// bash runs a script with bash -e in dir (no pipefail: "| head" is how the
// README shortens output) and returns its standard output and error.
func bash(ctx context.Context, t *testing.T, dir, script string) (string, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v:\n%s\nstdout:\n%s\nstderr:\n%s", err, script, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// exporterBlock runs the README's exporter block in dir with a free port in
// place of the one it names, in a process group of its own, and returns what
// it printed. The block must stop the exporter itself: when it is done, no
// process of the group may be left.
func exporterBlock(ctx context.Context, t *testing.T, dir, block string) string {
	t.Helper()
	const addr = "127.0.0.1:9812"
	if !strings.Contains(block, "-listen "+addr) || !strings.Contains(block, "http://"+addr+"/metrics") {
		t.Fatalf("the exporter block does not serve and scrape %s:\n%s", addr, block)
	}
	if !regexp.MustCompile(`(?m)^kill \$!$`).MatchString(block) {
		t.Errorf("the exporter block does not stop the exporter with kill $!:\n%s", block)
	}
	script := strings.ReplaceAll(block, addr, freeAddr(t))
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOWORK=off")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	defer syscall.Kill(-pgid, syscall.SIGKILL) // whatever the block left running
	err := cmd.Wait()
	if err != nil {
		t.Fatalf("the exporter block: %v\n%s\nstdout:\n%s\nstderr:\n%s", err, script, stdout.String(), stderr.String())
	}
	// kill $! sent SIGTERM; the exporter logs "stopped" and exits.
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Errorf("the exporter still runs 10s after the block ended; stderr:\n%s", stderr.String())
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return stdout.String()
}

// freeAddr is a 127.0.0.1 address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// testWiring checks that .ci/run execs ./test.sh and that test.sh names
// every Go module of the tree at dir and tests each with -race.
func testWiring(t *testing.T, dir string) {
	t.Helper()
	ci, err := os.ReadFile(filepath.Join(dir, ".ci/run"))
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for _, l := range strings.Split(string(ci), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			last = l
		}
	}
	if last != "exec ./test.sh" {
		t.Errorf(".ci/run ends with %q, want exec ./test.sh", last)
	}
	script, err := os.ReadFile(filepath.Join(dir, "test.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^modules=\(([^)]*)\)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("test.sh has no modules=(...) line")
	}
	named := strings.Fields(string(m[1]))
	var modules []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			rel, err := filepath.Rel(dir, filepath.Dir(p))
			if err != nil {
				return err
			}
			modules = append(modules, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(modules)
	slices.Sort(named)
	if !slices.Equal(modules, named) {
		t.Errorf("test.sh names the modules %q; the tree has %q", named, modules)
	}
	for _, want := range []string{`for m in "${modules[@]}"; do`, `(cd "$m" && go test -race ./...)`} {
		if !bytes.Contains(script, []byte(want)) {
			t.Errorf("test.sh does not have %q", want)
		}
	}
}
