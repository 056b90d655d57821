package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/export"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// TestImportRoundTrip writes each version's C header (gen -lang c), imports
// it back (hvgen import, every architecture the version describes) and
// checks that the result has the registry's types, members, offsets, sizes,
// alignments, enum and bit values, constants, statuses and call codes. The
// header carries no docs, no reserved/padding marks and no enum/flags
// distinction, so those are not compared; everything it does carry is.
// Opaque types have no C declaration, so they are not expected back.
func TestImportRoundTrip(t *testing.T) {
	r := loadSpec(t, "../../spec")
	for _, ver := range r.Registry.Versions {
		t.Run(ver.Name, func(t *testing.T) {
			dir := t.TempDir()
			hdr, err := generateC(r, ver.Name, "hv", spec.Selection{})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "hv.h"), hdr, 0o644); err != nil {
				t.Fatal(err)
			}
			var arches []string
			for _, a := range spec.Arches {
				if ver.Covers(a) {
					arches = append(arches, a)
				}
			}
			out := filepath.Join(dir, "out")
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			code, _, errs := runCLI("import", "-version", ver.Name, "-root", dir, "-arch", strings.Join(arches, ","),
				"-o", filepath.Join(out, "imported.yaml"), "hv.h")
			if code != 0 {
				t.Fatalf("import exited %d:\n%s", code, errs)
			}
			if strings.Contains(errs, "skipped:") {
				t.Errorf("import skipped parts of hvgen's own header:\n%s", errs)
			}
			vdecl := fmt.Sprintf("area: versions\nversions:\n  - {name: %s, doc: imported, ref: hv.h, arch: [%s]}\n", ver.Name, strings.Join(arches, ", "))
			if err := os.WriteFile(filepath.Join(out, "versions.yaml"), []byte(vdecl), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := layout.LoadDir(out)
			if err != nil {
				t.Fatalf("the imported registry does not load and lay out: %v", err)
			}
			for _, a := range arches {
				want, err := export.Build(r, ver.Name, a)
				if err != nil {
					t.Fatal(err)
				}
				have, err := export.Build(got, ver.Name, a)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range roundTripDrift(want, have) {
					t.Errorf("%s: %s", a, d)
				}
			}
		})
	}
}

// roundTripDrift lists every fact the header carries that the import lost
// or changed.
func roundTripDrift(want, have *export.Document) []string {
	var out []string
	// Ioctl requests: the header's _IO* macros read back with the same
	// direction, type, number, argument and request number.
	ioctls := map[string]export.Ioctl{}
	for _, x := range have.Ioctls {
		ioctls[x.Name] = x
	}
	for _, w := range want.Ioctls {
		h, ok := ioctls[w.Name]
		if !ok {
			out = append(out, "ioctl "+w.Name+": missing")
			continue
		}
		delete(ioctls, w.Name)
		if w.Dir != h.Dir || w.Type != h.Type || w.Nr != h.Nr || w.Arg != h.Arg || w.Request != h.Request {
			out = append(out, fmt.Sprintf("ioctl %s: %+v, imported %+v", w.Name, w, h))
		}
	}
	for n := range ioctls {
		out = append(out, "ioctl "+n+": imported but not in the registry")
	}
	types := map[string]export.Type{}
	for _, ty := range have.Types {
		types[ty.Name] = ty
	}
	for _, w := range want.Types {
		h, ok := types[w.Name]
		if w.Kind == string(spec.KindOpaque) {
			// Named only, by design without a C declaration (cgen leaves it
			// out): nothing to read back, and the header must not declare it.
			if ok {
				out = append(out, fmt.Sprintf("type %s: opaque in the registry, imported as a %s", w.Name, h.Kind))
				delete(types, w.Name)
			}
			continue
		}
		if !ok {
			out = append(out, "type "+w.Name+": missing")
			continue
		}
		delete(types, w.Name)
		kind := func(k string) string {
			if k == "flags" {
				return "enum"
			}
			return k
		}
		if kind(w.Kind) != kind(h.Kind) || w.Base != h.Base || w.Size != h.Size || w.Align != h.Align || w.Packed != h.Packed {
			out = append(out, fmt.Sprintf("type %s: %s base %q size %d align %d packed %v, imported %s base %q size %d align %d packed %v",
				w.Name, w.Kind, w.Base, w.Size, w.Align, w.Packed, h.Kind, h.Base, h.Size, h.Align, h.Packed))
		}
		out = append(out, fieldDrift(w.Name, w.Fields, h.Fields)...)
		if len(w.Values) != len(h.Values) {
			out = append(out, fmt.Sprintf("type %s: %d values, imported %d", w.Name, len(w.Values), len(h.Values)))
		} else {
			for i, v := range w.Values {
				if hv := h.Values[i]; v.Name != hv.Name || v.Value != hv.Value || v.Alias != hv.Alias {
					out = append(out, fmt.Sprintf("type %s value %d: %s=%#x alias %v, imported %s=%#x alias %v", w.Name, i, v.Name, v.Value, v.Alias, hv.Name, hv.Value, hv.Alias))
				}
			}
		}
	}
	for n := range types {
		out = append(out, "type "+n+": imported but not in the registry")
	}
	values := func(kind string, want, have map[string]*uint64) {
		for n, v := range want {
			if v == nil {
				continue // no value: the header cannot carry it
			}
			hv, ok := have[n]
			switch {
			case !ok:
				out = append(out, kind+" "+n+": missing")
			case hv == nil || *hv != *v:
				out = append(out, fmt.Sprintf("%s %s: %#x, imported %v", kind, n, *v, hv))
			}
			delete(have, n)
		}
		for n := range have {
			out = append(out, kind+" "+n+": imported but not in the registry")
		}
	}
	wc, hc := map[string]*uint64{}, map[string]*uint64{}
	for _, c := range want.Constants {
		wc[c.Name] = (*uint64)(c.Value)
	}
	for _, c := range have.Constants {
		hc[c.Name] = (*uint64)(c.Value)
	}
	values("constant", wc, hc)
	ws, hs := map[string]*uint64{}, map[string]*uint64{}
	for _, s := range want.Statuses {
		ws[s.Name] = s.Value
	}
	for _, s := range have.Statuses {
		hs[s.Name] = s.Value
	}
	values("status", ws, hs)
	wh, hh := map[string]*uint64{}, map[string]*uint64{}
	for _, h := range want.Hypercalls {
		c := h.Code
		wh[h.Name] = &c
	}
	for _, h := range have.Hypercalls {
		c := h.Code
		hh[h.Name] = &c
	}
	values("call code", wh, hh)
	// Parameter blocks: the header does not link them to calls; the import
	// links HvCallX to HV_INPUT_X / HV_OUTPUT_X by name. Every link it makes
	// must be the registry's (a few registry links break the naming rule,
	// HvCallNotifyLongSpinWait's HV_INPUT_NOTIFY_LONG_SPINWAIT: those the
	// import leaves unlinked).
	links := map[string][2]string{}
	for _, h := range have.Hypercalls {
		links[h.Name] = [2]string{h.Input, h.Output}
	}
	for _, h := range want.Hypercalls {
		l := links[h.Name]
		if l[0] != "" && l[0] != h.Input || l[1] != "" && l[1] != h.Output {
			out = append(out, fmt.Sprintf("call %s: input/output %s %s, imported %s", h.Name, h.Input, h.Output, l))
		}
	}
	slices.Sort(out)
	return out
}

func fieldDrift(path string, want, have []export.Field) []string {
	var out []string
	// Padding members: the registry names the ones its references list, the
	// import names the gaps C leaves; both must cover the same bytes.
	strip := func(fs []export.Field) []export.Field {
		var k []export.Field
		for _, f := range fs {
			if !f.Padding {
				k = append(k, f)
			}
		}
		return k
	}
	want, have = strip(want), strip(have)
	if len(want) != len(have) {
		var wn, hn []string
		for _, f := range want {
			wn = append(wn, f.Name)
		}
		for _, f := range have {
			hn = append(hn, f.Name)
		}
		return []string{fmt.Sprintf("%s: members %v, imported %v", path, wn, hn)}
	}
	for i, w := range want {
		h := have[i]
		p := path + "." + w.Name
		if w.Name == "" {
			p = path + ".(anonymous)"
		}
		bits := func(f export.Field) string {
			if f.BitOffset == nil {
				return "-"
			}
			return fmt.Sprintf("%d:%d", *f.BitOffset, *f.BitWidth)
		}
		typ := func(f export.Field) string {
			if f.BitOffset != nil {
				return "" // a bit range's enum type is the registry's, not C's
			}
			return f.Type
		}
		if w.Name != h.Name || typ(w) != typ(h) || w.Offset != h.Offset || w.Size != h.Size || w.Count != h.Count ||
			w.Flexible != h.Flexible || bits(w) != bits(h) {
			out = append(out, fmt.Sprintf("%s: %s %s off %d size %d count %d flex %v bits %s, imported %s %s off %d size %d count %d flex %v bits %s",
				p, w.Name, w.Type, w.Offset, w.Size, w.Count, w.Flexible, bits(w), h.Name, h.Type, h.Offset, h.Size, h.Count, h.Flexible, bits(h)))
			continue
		}
		out = append(out, fieldDrift(p, w.Fields, h.Fields)...)
	}
	return out
}

// TestImportUsage: bad invocations are usage errors (exit 2) naming the
// problem; a broken header is exit 1 with its file:line.
func TestImportUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.h"), []byte("struct x { int a b; };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "x.h"}, 2, "-version is required"},
		{[]string{"import", "-version", "v"}, 2, "name at least one header"},
		{[]string{"import", "-version", "v", "-arch", "mips", "x.h"}, 2, `-arch "mips": want x64 or arm64`},
		{[]string{"import", "-version", "v", "-prelude", filepath.Join(dir, "none.h"), "x.h"}, 2, "not a built-in prelude"},
		{[]string{"import", "-version", "v", "-root", dir, "bad.h"}, 1, "bad.h:1:"},
		{[]string{"import", "-version", "v", "-root", dir, "missing.h"}, 1, "missing.h: no such header"},
		{[]string{"import", "-version", "v", "-root", dir, "-out", filepath.Join(dir, "out"), "a/x.h", "b/x.h"}, 2, "-out: a/x.h and b/x.h would both be written to x.yaml"},
	} {
		code, _, errs := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

// TestCallConventions: the conventions the import takes over come from the
// documented call the registry's aliases pair with the call code.
func TestCallConventions(t *testing.T) {
	r := loadSpec(t, "../../spec")
	convs, err := callConventions(r, "linux-7.0", []string{"tlfs", "wdk-2013"})
	if err != nil {
		t.Fatal(err)
	}
	c := convs["HVCALL_GET_VP_REGISTERS"]
	if c == nil || c.DocCall != "HvCallGetVpRegisters" || c.DocVersion != "tlfs" || !c.Rep || !c.InputRep || !c.OutputRep || !c.Input {
		t.Errorf("HVCALL_GET_VP_REGISTERS: %+v", c)
	}
	if c := convs["HVCALL_SEND_IPI"]; c == nil || !slices.Contains(c.Inputs, "hv_send_ipi") {
		t.Errorf("HVCALL_SEND_IPI: %+v (want hv_send_ipi paired with its input)", c)
	}
	if c := convs["HVCALL_CLEAR_VIRTUAL_INTERRUPT"]; c == nil || c.DocVersion != "wdk-2013" {
		t.Errorf("HVCALL_CLEAR_VIRTUAL_INTERRUPT: %+v (only wdk-2013 documents it)", c)
	}
	if convs["HVCALL_SCRUB_PARTITION"] != nil {
		t.Error("HVCALL_SCRUB_PARTITION has no alias, so no convention")
	}
	if _, err := callConventions(r, "linux-7.0", []string{"nope"}); err == nil {
		t.Error("an unknown document version is accepted")
	}
}

// TestImportAbsolutePath: a header given by its absolute path is read (its
// directory is the root the refs cite it from), one outside -root is a
// usage error, and a C syntax error names the user's file and line.
func TestImportAbsolutePath(t *testing.T) {
	hdr, err := filepath.Abs("internal/cimport/testdata/uapi.h")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("import", "-prelude", "linux", "-version", "t", hdr)
	if code != 0 || !strings.Contains(out, "ref: 'uapi.h:32'") || !strings.Contains(out, "name: TESTDEV_OPEN") {
		t.Errorf("absolute path: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI("import", "-version", "t", "-root", t.TempDir(), hdr); code != 2 || !strings.Contains(errs, "is not under the root") {
		t.Errorf("outside -root: exit %d, %s", code, errs)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.h")
	if err := os.WriteFile(bad, []byte("struct a {\n\tint x;\n\tint y z;\n};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("import", "-version", "t", bad); code != 1 || !strings.Contains(errs, bad+":3:") {
		t.Errorf("syntax error: exit %d, %s (want it at %s:3)", code, errs, bad)
	}
}

// TestImportOnly: -only writes the named items of headers from another
// repository (-repo in every ref), reports the types they use that the
// registry must declare, checks them against the C front end's layout, and
// names a selected item the headers lack; arch:NAME defines a macro for one
// architecture.
func TestImportOnly(t *testing.T) {
	root := "internal/cimport/testdata/select"
	out := filepath.Join(t.TempDir(), "sel.yaml")
	code, _, errs := runCLI("import", "-prelude", "linux", "-version", "t", "-root", root, "-repo", "example/hv-headers",
		"-commit", "abc1234", "-D", "arm64:__TEST_ARM64__", "-only", "hv_test_port_message,hv_test_port_info", "-only", "hv_test_halt_message",
		"-area", "sel", "-o", out, "base.h", "msgs.h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	y := string(data)
	for _, w := range []string{"doc: Imported by hvgen import from example/hv-headers base.h, msgs.h.", "name: hv_test_port_message",
		"name: hv_test_port_info", "name: hv_test_halt_message", "ref: example/hv-headers msgs.h:", "type: hv_test_header"} {
		if !strings.Contains(y, w) {
			t.Errorf("output lacks %q:\n%s", w, y)
		}
	}
	for _, n := range []string{"name: hv_test_header", "name: hv_test_seg", "name: hv_test_unwanted", "HV_TEST_PORT_MAX"} {
		if strings.Contains(y, n) {
			t.Errorf("output has the unselected %q", n)
		}
	}
	for _, w := range []string{"uses: hv_test_header (not selected; the registry must declare it), by hv_test_halt_message, hv_test_port_message",
		"uses: hv_test_seg (not selected; the registry must declare it), by hv_test_port_message",
		"imported 3 types, 0 constants, 0 statuses, 0 call codes, 0 ioctls; skipped 0 (-only: 3 of the"} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
	if strings.Contains(errs, "HV_TEST_BAD_MACRO") {
		t.Errorf("stderr reports a problem of an unselected item:\n%s", errs)
	}
	code, _, errs = runCLI("import", "-prelude", "linux", "-version", "t", "-root", root, "-D", "arm64:__TEST_ARM64__",
		"-only", "hv_test_halt_message,hv_test_missing", "-o", out, "base.h", "msgs.h")
	if code != 1 || !strings.Contains(errs, "hv_test_missing (the headers do not define it)") {
		t.Errorf("unknown -only name: exit %d, %s", code, errs)
	}
}
