package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const miniDir = "../../spec/testdata/mini"

func miniText(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(miniDir, "mini.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// runCLI runs hvgen in-process and returns its exit status and output.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckMini(t *testing.T) {
	code, out, errs := runCLI("check", "-spec", miniDir)
	if code != 0 {
		t.Fatalf("check exited %d:\n%s", code, errs)
	}
	if !strings.Contains(out, "v1: 16 types, 4 hypercalls, 2 statuses, 3 constants") {
		t.Errorf("unexpected summary:\n%s", out)
	}
}

// lineOf returns the 1-based line of the first occurrence of marker.
func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatalf("marker %q not in mutated text", marker)
	}
	return strings.Count(text[:i], "\n") + 1
}

// TestCheckRejects mutates the mini registry in each way the validator must
// reject and checks the exit status, the file:line and the message.
func TestCheckRejects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, new string // replace old (must occur once) with new
		at       string // marker in the mutated text on the reported line
		msg      string
	}{
		{"unknown key", "    doc: A test enum.\n", "    doc: A test enum.\n    colour: red\n", "colour: red", `unknown key "colour"`},
		{"missing key", "{name: HV_STATUS, kind: alias, base: UINT16, versions: [v1, v2], doc: Status., ref: test}",
			"{name: HV_STATUS, kind: alias, base: UINT16, versions: [v1, v2], ref: test}", "name: HV_STATUS,", `missing required key "doc"`},
		{"duplicate name", "name: HV_OBJECT_KIND\n", "name: HV_COLOR\n", "name: HV_COLOR\n    kind: enum\n    base: UINT32\n    versions: [v1, v2]\n    doc: Object", "duplicate name HV_COLOR"},
		{"duplicate call code", "code: 0x0043", "code: 0x0040", "name: HvCallListThings", "duplicate call code 0x0040 (HvCallListThings)"},
		{"duplicate enum value", "{name: HvColorBlue, value: 2, doc: Blue.}", "{name: HvColorBlue, value: 0, doc: Blue.}", "name: HvColorBlue", "duplicate value 0x0 (HvColorBlue)"},
		{"undefined type", "{name: Flags, type: HV_ACCESS_FLAGS, offset: 20}", "{name: Flags, type: HV_ACESS_FLAGS, offset: 20}", "name: Flags, type: HV_ACESS", "undefined type HV_ACESS_FLAGS"},
		{"recursive type", "{name: Kind, type: HV_OBJECT_KIND, offset: 0}\n      - {name: Padding, type: UINT32, offset: 4, padding: true}\n      - {name: Identity, type: HV_IDENTITY, offset: 8, size: 16}",
			"{name: Kind, type: HV_OBJECT_KIND, offset: 0}\n      - {name: Padding, type: UINT32, offset: 4, padding: true}\n      - {name: Identity, type: HV_IDENTITY, offset: 8, size: 16}\n      - {name: Self, type: HV_INPUT_DO_THING}",
			"name: HV_INPUT_DO_THING", "recursive type: HV_INPUT_DO_THING -> HV_INPUT_DO_THING"},
		{"stated offset", "{name: Flags, type: HV_ACCESS_FLAGS, offset: 20}", "{name: Flags, type: HV_ACCESS_FLAGS, offset: 24}", "name: Flags, type: HV_ACCESS_FLAGS", "stated offset 0x18 disagrees with the natural-alignment layout, which places it at 0x14"},
		{"stated size", "    size: 40\n", "    size: 48\n", "name: HV_HEADER", "stated size 48, computed 40"},
		{"overlap", "{name: Color, type: HV_COLOR, offset: 4}", "{name: Color, type: HV_COLOR, offset: 2}", "name: Color, type: HV_COLOR", "HV_HEADER.Color: stated offset 0x2 overlaps Size, which ends at 0x4"},
		{"undeclared gap", "      - {name: Padding, type: UINT32, offset: 4, padding: true}\n      - {name: Identity, type: HV_IDENTITY, offset: 8, size: 16}",
			"      - {name: Identity, type: HV_IDENTITY, offset: 8, size: 16}", "name: Identity, type: HV_IDENTITY, offset: 8, size: 16", "undeclared gap of 4 bytes at offset 0x4"},
		{"bitfield outside container", "{name: Reserved2, bit: 44, width: 20, reserved: true}", "{name: Reserved2, bit: 44, width: 21, reserved: true}", "name: Reserved2", "bits Reserved2 (44..64) lie outside the 64-bit UINT64"},
		{"bitfield overlap", "{name: RepCount, bit: 32, width: 12}", "{name: RepCount, bit: 31, width: 13}", "name: RepCount", "bits RepCount overlap Reserved1 at bit 31"},
		{"input larger than a page", "{name: Count, type: UINT32, offset: 0}", "{name: Count, type: UINT32, count: 1025, offset: 0}", "name: HvCallListThings", "output is 4104 bytes, larger than a 4096-byte page"},
		{"enum value too wide", "{name: HvObjectThing, value: 1}", "{name: HvObjectThing, value: 0x100000000}", "name: HvObjectThing", "value HvObjectThing = 0x100000000 does not fit UINT32"},
		{"unknown version", "{name: HV_PAGE_SIZE, value: 4096, versions: [v1, v2]", "{name: HV_PAGE_SIZE, value: 4096, versions: [v1, v3]", "name: HV_PAGE_SIZE", `unknown version "v3"`},
		{"undefined status", "status: HV_STATUS_ACCESS_DENIED,", "status: HV_STATUS_ACCES_DENIED,", "status: HV_STATUS_ACCES_DENIED", "undefined status HV_STATUS_ACCES_DENIED"},
		{"unknown privilege", "privileges: [AccessThings]", "privileges: [AccessThing]", "name: HvCallDoThing", "privilege AccessThing is not a flag of HV_PARTITION_PRIVILEGE_MASK"},
		{"reserved privilege", "privileges: [AccessThings]", "privileges: [Reserved]", "name: HvCallDoThing", "privilege Reserved is a reserved range of HV_PARTITION_PRIVILEGE_MASK"},
		{"text cut by a comment", "    doc: A test enum.\n", "    doc: A test enum with #hash.\n", "doc: A test enum with", `the text stops at "#hash.", which YAML reads as a comment; quote the value`},
		{"bad number", "code: 0x0043", "code: forty-three", "code: forty-three", `expected a non-negative integer, found "forty-three"`},
		{"invalid YAML", "    doc: A test enum.\n", "    doc: [A test enum.\n", "", "invalid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkMutation(t, tc.old, tc.new, tc.at, tc.msg) })
	}
}

// checkMutation replaces old (which must occur once) by new in the mini
// registry and expects hvgen check to fail with msg at the line holding at
// (at "": any line of the file).
func checkMutation(t *testing.T, old, new, at, msg string) {
	t.Helper()
	text := miniText(t)
	if n := strings.Count(text, old); n != 1 {
		t.Fatalf("mutation source occurs %d times", n)
	}
	text = strings.Replace(text, old, new, 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mini.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("check", "-spec", dir)
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, errs)
	}
	want := filepath.ToSlash(filepath.Join(dir, "mini.yaml")) + ":"
	if at != "" {
		want += fmt.Sprint(lineOf(t, text, at)) + ":"
	}
	for _, line := range strings.Split(errs, "\n") {
		if strings.HasPrefix(line, want) && strings.Contains(line, msg) {
			return
		}
	}
	t.Errorf("no error %q at %s; stderr:\n%s", msg, want, errs)
}

func TestCheckReportsAllErrors(t *testing.T) {
	text := miniText(t)
	text = strings.Replace(text, "code: 0x0043", "code: 0x0040", 1)
	text = strings.Replace(text, "    doc: A test enum.\n", "    doc: A test enum.\n    colour: red\n", 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mini.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("check", "-spec", dir)
	if code != 1 || !strings.Contains(errs, `unknown key "colour"`) {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	// Syntax errors stop before the cross-file checks, so fix it and look again.
	text = strings.Replace(text, "    colour: red\n", "", 1)
	text = strings.Replace(text, "{name: Flags, type: HV_ACCESS_FLAGS, offset: 20}", "{name: Flags, type: HV_ACCESS_FLAGS, offset: 24}", 1)
	if err := os.WriteFile(filepath.Join(dir, "mini.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI("check", "-spec", dir)
	if code != 1 || !strings.Contains(errs, "duplicate call code") || !strings.Contains(errs, "stated offset 0x18") {
		t.Fatalf("want both errors in one run; exit %d, stderr:\n%s", code, errs)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"gen", "-spec", miniDir},
		{"gen", "-spec", miniDir, "-version", "v9"},
		{"check", "-nosuchflag"},
		{"export", "-spec", miniDir, "-arch", "arm65"},
		{"check", "extra"},
		{},
	} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("hvgen %v: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := runCLI("check", "-h"); code != 0 || !strings.Contains(errs, "usage: hvgen check") {
		t.Errorf("check -h: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI("check", "-spec", filepath.Join(t.TempDir(), "missing")); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing spec dir: exit %d, stderr %q", code, errs)
	}
}
