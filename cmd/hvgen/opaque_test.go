package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

// TestOpaqueType: a kind: opaque type (HV_SECRET_THING in the mini registry)
// is exported by name with no Go name or layout, generates no declaration,
// and any use of it, or a member or size given to it, is an error at its
// file:line.
func TestOpaqueType(t *testing.T) {
	code, out, errs := runCLI("export", "-spec", miniDir, "-version", "v1")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	var doc struct {
		Types []struct {
			Name, Kind  string
			GoName      string `json:"go_name"`
			Size, Align int64
			Fields      []any
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ty := range doc.Types {
		if ty.Name == "HV_SECRET_THING" {
			found = true
			if ty.Kind != "opaque" || ty.GoName != "" || ty.Size != 0 || ty.Align != 0 || ty.Fields != nil {
				t.Errorf("exported as %+v", ty)
			}
		}
	}
	if !found {
		t.Error("HV_SECRET_THING missing from the export")
	}
	files, err := generate(loadSpec(t, miniDir), "v1", "v1", spec.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if strings.Contains(strings.ToLower(string(data)), "secret") {
			t.Errorf("%s declares the opaque type", name)
		}
	}

	for _, tc := range []struct {
		name, old, new, at, msg string
	}{
		{"as a field", "      - {name: Padding, type: UINT32, offset: 4, padding: true}\n      - {name: Identity, type: HV_IDENTITY, offset: 8, size: 16}",
			"      - {name: Secret, type: HV_SECRET_THING, offset: 4}\n      - {name: Identity, type: HV_IDENTITY, offset: 8, size: 16}",
			"name: Secret, type: HV_SECRET_THING", "type HV_SECRET_THING is opaque"},
		{"as an alias base", "{name: HV_NANO100_TIME, kind: alias, base: UINT64,", "{name: HV_NANO100_TIME, kind: alias, base: HV_SECRET_THING,",
			"name: HV_NANO100_TIME", "type HV_SECRET_THING is opaque"},
		{"as a hypercall input", "    input: HV_INPUT_DO_THING\n", "    input: HV_SECRET_THING\n", "name: HvCallDoThing", "input HV_SECRET_THING is a opaque, not a struct or union"},
		{"with fields", "kind: opaque, versions", "kind: opaque, fields: [{name: A, type: UINT8}], versions", "name: HV_SECRET_THING", `key "fields" does not apply to a opaque`},
		{"with a size", "kind: opaque, versions", "kind: opaque, size: 8, versions", "name: HV_SECRET_THING", `key "size" does not apply to a opaque`},
	} {
		t.Run(tc.name, func(t *testing.T) { checkMutation(t, tc.old, tc.new, tc.at, tc.msg) })
	}
}
