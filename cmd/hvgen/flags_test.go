package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUsageErrorsEveryCommand: in every command an unknown flag and a bad
// flag value exit 2 and name the flag; no command is left out.
func TestUsageErrorsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	header := filepath.Join(dir, "x.h")
	if err := os.WriteFile(header, []byte("struct x { int a; };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]struct {
		args []string
		want string // in stderr
	}{
		"check": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-spec", ""}, "-spec"}},
		"gen": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-spec", miniDir, "-version", "v1", "-lang", "rust"}, `-lang "rust"`},
			{[]string{"-spec", miniDir, "-version", "v1", "-pkg", "no-go"}, `-pkg "no-go"`}},
		"export": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-spec", miniDir, "-arch", "mips"}, `-arch "mips"`}},
		"import": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-version", "x", "-root", dir, "-arch", "mips", "x.h"}, `-arch "mips"`},
			{[]string{"-version", "x", "-root", dir, "-only", "", "x.h"}, "-only"}},
		"docs": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-spec", miniDir, "-format", "pdf", "-out", filepath.Join(dir, "site")}, `-format "pdf"`}},
		"diff": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-spec", miniDir, "-from", "v1", "-to", "v2", "-format", "xml"}, `-format "xml"`},
			{[]string{"-spec", miniDir, "-from", "v1", "-to", "v2", "-only", "bad"}, `-only "bad"`}},
		"simulate": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-buffers", "0", "-o", filepath.Join(dir, "ev")}, "-buffers"},
			{[]string{"-for", "soon"}, "-for"}},
		"dump":     {{[]string{"-bogus", "x"}, "-bogus"}, {[]string{"-format", "xml", "x"}, `-format "xml"`}, {[]string{"-since", "-1s", "x"}, "-since"}},
		"exporter": {{[]string{"-bogus"}, "-bogus"}, {[]string{"-arch", "mips"}, `-arch "mips"`}, {[]string{"-backend", "sim", "-sim-vps", "x"}, "-sim-vps"}},
		"version":  {{[]string{"-bogus"}, "-bogus"}, {[]string{"-overlay", ""}, "-overlay"}},
	}
	for _, c := range commands {
		if len(cases[c.name]) < 2 {
			t.Errorf("hvgen %s: no bad-flag and bad-value cases", c.name)
		}
		for _, tc := range cases[c.name] {
			code, _, errs := runCLI(append([]string{c.name}, tc.args...)...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("hvgen %s %q: exit %d, want 2 and %q in stderr:\n%s", c.name, tc.args, code, tc.want, errs)
			}
		}
	}
}

// TestDeprecatedSpellings: each old spelling does what its new one does and
// prints one line on stderr saying what to use.
func TestDeprecatedSpellings(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "ev.dump")
	if code, _, errs := runCLI("simulate", "-for", "20ms", "-o", ev); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, errs)
	}
	for _, tc := range []struct {
		old, new []string
		notice   string
	}{
		{[]string{"dump", "-json", ev}, []string{"dump", "-format", "json", ev},
			"hvgen dump: -json is deprecated and goes in the next release: use -format json\n"},
		{[]string{"dump", "-json=false", ev}, []string{"dump", ev},
			"hvgen dump: -json is deprecated and goes in the next release: use -format json\n"},
		{[]string{"dump", "-type", "HV_TR_HC_HYPERCALL", "-type", "0x25", ev}, []string{"dump", "-types", "HV_TR_HC_HYPERCALL,0x25", ev},
			"hvgen dump: -type is deprecated and goes in the next release: use -types\n"},
		{[]string{"simulate", "-calls", "-version", "tlfs"}, []string{"simulate", "-list-calls", "-version", "tlfs"},
			"hvgen simulate: -calls is deprecated and goes in the next release: use -list-calls\n"},
	} {
		code, out, errs := runCLI(tc.old...)
		wcode, wout, werrs := runCLI(tc.new...)
		if code != 0 || wcode != 0 || out != wout || out == "" {
			t.Errorf("%q: exit %d, %d bytes; %q: exit %d, %d bytes", tc.old, code, len(out), tc.new, wcode, len(wout))
		}
		if errs != tc.notice+werrs {
			t.Errorf("%q: stderr %q, want the notice %q and then what %q prints", tc.old, errs, tc.notice, tc.new)
		}
	}
	if code, out, _ := runCLI("dump", "-types", "HV_TR_HC_HYPERCALL", ev); code != 0 || !strings.Contains(out, "HV_TR_HC_HYPERCALL") || strings.Contains(out, "HV_TR_HC_HYPERCALL_RETURN") {
		t.Errorf("dump -types HV_TR_HC_HYPERCALL: exit %d, output does not hold only that type", code)
	}
}

// TestListFlags: a list flag takes comma-separated values and may be
// repeated; the first value given replaces the default.
func TestListFlags(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	a := newList(fs, "a", "")
	b := newList(fs, "b", "", "x64", "arm64")
	c := newList(fs, "c", "", "x64", "arm64")
	if err := fs.Parse([]string{"-a", "P, Q", "-a", "R,", "-b", "arm64"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.items, []string{"P", "Q", "R"}) || !slices.Equal(b.items, []string{"arm64"}) || !slices.Equal(c.items, []string{"x64", "arm64"}) {
		t.Errorf("a %q, b %q, c %q", a.items, b.items, c.items)
	}
	var parts partitionList
	fs.Var(&parts, "p", "")
	if err := fs.Parse([]string{"-p", "1:2, 3:4", "-p", "5:6"}); err != nil || parts.String() != "1:2,3:4,5:6" {
		t.Errorf("-mshv-partition: %v %q", err, parts.String())
	}

	// gen -calls given twice selects what the comma list selects.
	one, two := t.TempDir(), t.TempDir()
	if code, _, errs := runCLI("gen", "-spec", "../../spec", "-version", "wdk-2013", "-out", one, "-calls", "HvCallMapStatsPage,HvCallPostMessage"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI("gen", "-spec", "../../spec", "-version", "wdk-2013", "-out", two, "-calls", "HvCallMapStatsPage", "-calls", "HvCallPostMessage"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errs)
	}
	for _, name := range []string{"ztypes.go", "zcalls.go", "zclient.go"} {
		x, err := os.ReadFile(filepath.Join(one, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(two, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between -calls A,B and -calls A -calls B", name)
		}
		if name == "zcalls.go" && !bytes.Contains(x, []byte("CallPostMessage")) {
			t.Errorf("%s has no CallPostMessage", name)
		}
	}
}
