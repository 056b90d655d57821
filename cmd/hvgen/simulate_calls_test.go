package main

import (
	"strings"
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/generated/tlfs"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
)

// TestSimulateCalls: -list-calls prints names only, every one a call of the
// version; -all adds every other call of the version with a reason, so the
// two together cover the version's table exactly once.
func TestSimulateCalls(t *testing.T) {
	for _, tc := range []struct {
		version string
		table   []abi.Hypercall
		min     int
	}{
		{"wdk-2013", hv.Hypercalls[:], 45},
		{"tlfs", tlfs.Hypercalls[:], 20},
		{"linux-7.0", linux70.Hypercalls[:], 20},
	} {
		code, out, errs := runCLI("simulate", "-list-calls", "-version", tc.version)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.version, code, errs)
		}
		names := map[string]bool{}
		for _, d := range tc.table {
			names[d.Name] = true
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		for _, l := range lines {
			if !names[l] {
				t.Errorf("%s: line %q is not a call name of the version", tc.version, l)
			}
		}
		if len(lines) < tc.min {
			t.Errorf("%s: %d modelled calls, want at least %d", tc.version, len(lines), tc.min)
		}
		code, out, _ = runCLI("simulate", "-list-calls", "-all", "-version", tc.version)
		all := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if code != 0 || len(all) != len(tc.table) {
			t.Fatalf("%s -all: exit %d, %d lines for %d calls", tc.version, code, len(all), len(tc.table))
		}
		seen := map[string]bool{}
		for i, l := range all {
			name, reason, found := strings.Cut(l, ": not modelled: ")
			if i < len(lines) && (found || l != lines[i]) || i >= len(lines) && (!found || reason == "") {
				t.Errorf("%s -all: line %d %q", tc.version, i, l)
			}
			if seen[name] || !names[name] {
				t.Errorf("%s -all: %q twice or unknown", tc.version, name)
			}
			seen[name] = true
		}
	}
	if code, _, _ := runCLI("simulate", "-list-calls", "-version", "v9"); code == 0 {
		t.Error("unknown version accepted")
	}
	if code, _, _ := runCLI("simulate", "-all"); code == 0 {
		t.Error("-all without -list-calls accepted")
	}
}
