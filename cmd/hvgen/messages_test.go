package main

import (
	"os"
	"strings"
	"testing"
)

// A selection naming a hypercall the registry has in another version only
// is refused as absent from the version asked for, not from the registry.
func TestGenSelectionOtherVersion(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI("gen", "-spec", "../../spec", "-version", "tlfs", "-out", dir, "-calls", "HvCallMapStatsPage")
	if code != 2 || !strings.Contains(errs, "not in version tlfs: hypercall HvCallMapStatsPage") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI("gen", "-spec", "../../spec", "-version", "tlfs", "-out", dir, "-calls", "HvCallNoSuchCall")
	if code != 2 || !strings.Contains(errs, "not in the registry: hypercall HvCallNoSuchCall") {
		t.Errorf("unknown call: exit %d, stderr %q", code, errs)
	}
}

// -against with a path that does not exist says so before git's complaint
// about an unknown revision.
func TestDiffAgainstMissing(t *testing.T) {
	missing := t.TempDir() + "/no-such-spec"
	code, _, errs := runCLI("diff", "-spec", "../../spec", "-against", missing, "-version", "tlfs")
	if code != 1 || !strings.Contains(errs, "-against "+missing+": no such directory, and not a revision of the git repository holding ../../spec") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// simulate -version only chooses what -list-calls lists; without it it is
// refused (and nothing is written) rather than silently ignored.
func TestSimulateVersionNeedsListCalls(t *testing.T) {
	out := t.TempDir() + "/ev.dump"
	code, _, errs := runCLI("simulate", "-version", "tlfs", "-o", out)
	if code != 2 || !strings.Contains(errs, "-version needs -list-calls") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("simulate wrote a recording")
	}
}

// A time window that no entry can fall in is a usage error, not an empty
// dump with exit status 0.
func TestDumpEmptyWindow(t *testing.T) {
	ev := t.TempDir() + "/ev.dump"
	simulateTo(t, ev, "-for", "5ms")
	for _, args := range [][]string{{"-since", "2ms", "-until", "1ms"}, {"-since", "1ms", "-until", "1ms"}, {"-since", "-1ms"}} {
		code, out, errs := runCLI(append(append([]string{"dump"}, args...), ev)...)
		if code != 2 || out != "" || !strings.Contains(errs, "-until") {
			t.Errorf("%q: exit %d, %d bytes out, stderr %q", args, code, len(out), errs)
		}
	}
	if code, out, _ := runCLI("dump", "-since", "1ms", "-until", "2ms", ev); code != 0 || out == "" {
		t.Errorf("a real window: exit %d, %d bytes", code, len(out))
	}
}

// "hvgen help CMD" shows that command's help, as "hvgen CMD -h" does.
func TestHelpCommand(t *testing.T) {
	_, _, want := runCLI("gen", "-h")
	code, _, got := runCLI("help", "gen")
	if code != 0 || got != want {
		t.Errorf("hvgen help gen: exit %d:\n%s", code, got)
	}
	if code, _, _ := runCLI("help", "nope"); code != 2 {
		t.Errorf("hvgen help nope: exit %d", code)
	}
}

// hvgen import writes one file (-o) or a directory (-out), and refuses both
// rather than ignoring -o.
func TestImportOutOrDir(t *testing.T) {
	dir := t.TempDir()
	h := dir + "/my.h"
	if err := os.WriteFile(h, []byte("#define HVCALL_FOO 0x10\nstruct t { unsigned long long a; };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("import", "-version", "v", "-root", dir, "-o", dir+"/one.yaml", "-out", dir+"/d", "my.h")
	if code != 2 || !strings.Contains(errs, "not both") {
		t.Errorf("-o and -out: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI("import", "-version", "v", "-root", dir, "-o", dir+"/one.yaml", "my.h"); code != 0 {
		t.Fatalf("-o: exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(dir + "/one.yaml")
	if err != nil || !strings.Contains(string(data), "HVCALL_FOO") {
		t.Errorf("-o wrote %q (%v)", data, err)
	}
	assertNoTemp(t, dir)
}
