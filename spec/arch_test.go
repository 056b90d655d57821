package spec

import (
	"strings"
	"testing"
	"testing/fstest"
)

// archRegistry is a registry with a type declared per architecture; extra is
// appended to its types.
func archRegistry(extra string) fstest.MapFS {
	return fstest.MapFS{"a.yaml": {Data: []byte(`area: a
versions:
  - {name: v1, doc: One., ref: r}
types:
  - {name: HV_CONTEXT, kind: alias, base: UINT32, arch: [x64], versions: [v1], doc: x64 form., ref: r}
  - {name: HV_CONTEXT, kind: alias, base: UINT64, arch: [arm64], versions: [v1], doc: ARM64 form., ref: r}
  - name: HV_INPUT
    kind: struct
    versions: [v1]
    doc: Uses the context.
    ref: r
    fields:
      - {name: Context, type: HV_CONTEXT}
` + extra)}}
}

func TestArchVariants(t *testing.T) {
	r, err := Load(archRegistry(""), "")
	if err != nil {
		t.Fatal(err)
	}
	v := r.View("v1")
	if !v.ArchSpecific() {
		t.Error("ArchSpecific is false")
	}
	for arch, base := range map[string]string{"x64": "UINT32", "arm64": "UINT64"} {
		ctx := v.ForArch(arch).Type("HV_CONTEXT")
		if ctx == nil || ctx.Base != base {
			t.Errorf("%s: HV_CONTEXT = %+v, want base %s", arch, ctx, base)
		}
		if v.ForArch(arch).Type("HV_INPUT") == nil {
			t.Errorf("%s: the shared type is missing", arch)
		}
	}
}

func TestArchVariantsRejected(t *testing.T) {
	for _, c := range []struct{ name, extra, want string }{
		{"shared and per-arch", "  - {name: HV_CONTEXT, kind: alias, base: UINT8, versions: [v1], doc: Again., ref: r}\n",
			"duplicate name HV_CONTEXT"},
		{"two variants on one arch", "  - {name: HV_CONTEXT, kind: alias, base: UINT8, arch: [arm64], versions: [v1], doc: Again., ref: r}\n",
			"duplicate name HV_CONTEXT"},
		{"unknown arch", "  - {name: HV_OTHER, kind: alias, base: UINT8, arch: [x86], versions: [v1], doc: Other., ref: r}\n",
			`unknown arch "x86"`},
		{"empty arch", "  - {name: HV_OTHER, kind: alias, base: UINT8, arch: [], versions: [v1], doc: Other., ref: r}\n",
			"arch is empty"},
	} {
		_, err := Load(archRegistry(c.extra), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// A selection keeps every architecture's variant of a type and what each uses.
func TestArchSubset(t *testing.T) {
	fsys := archRegistry("  - {name: HV_ARM64_CONTEXT, kind: alias, base: UINT64, versions: [v1], doc: Used by one variant., ref: r}\n")
	f := fsys["a.yaml"]
	f.Data = []byte(strings.Replace(string(f.Data), "base: UINT64, arch: [arm64]", "base: HV_ARM64_CONTEXT, arch: [arm64]", 1))
	r, err := Load(fsys, "")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := r.View("v1").Subset(Selection{Types: []string{"HV_INPUT"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ty := range sub.Types {
		got = append(got, ty.Name)
	}
	if want := "HV_CONTEXT HV_CONTEXT HV_INPUT HV_ARM64_CONTEXT"; strings.Join(got, " ") != want {
		t.Errorf("subset types %q, want %q", strings.Join(got, " "), want)
	}
}

// A type declared for an architecture its version does not describe is an
// error; so is an unknown architecture on a version.
func TestVersionArch(t *testing.T) {
	for _, c := range []struct{ version, want string }{
		{"  - {name: v1, doc: One., ref: r, arch: [x64]}", "HV_CONTEXT: declared for arm64, which version v1 does not describe (its arch: x64)"},
		{"  - {name: v1, doc: One., ref: r, arch: [mips]}", `version v1: unknown arch "mips"`},
	} {
		fsys := archRegistry("")
		f := fsys["a.yaml"]
		f.Data = []byte(strings.Replace(string(f.Data), "  - {name: v1, doc: One., ref: r}", c.version, 1))
		_, err := Load(fsys, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.version, err, c.want)
		}
	}
	r, err := Load(archRegistry(""), "")
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Versions[0]; !v.Covers("x64") || !v.Covers("arm64") {
		t.Error("a version without arch must describe every architecture")
	}
}
