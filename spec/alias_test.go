package spec

import (
	"strings"
	"testing"
)

// TestAliases checks that an alias must name an item of its own version and
// the same kind of item in another.
func TestAliases(t *testing.T) {
	const base = `area: x
versions:
  - {name: a, doc: d, ref: r}
  - {name: b, doc: d, ref: r}
types:
  - {name: HV_STATUS, kind: alias, base: UINT16, versions: [a, b], doc: d, ref: r}
statuses:
  - {name: HV_STATUS_OK, value: 0, versions: [a], doc: ok, ref: r}
  - {name: HvStatusOk, value: 0, versions: [b], doc: ok, ref: r}
constants:
  - {name: HV_OK_CONST, value: 0, versions: [a], doc: d, ref: r}
aliases:
`
	for _, tc := range []struct{ alias, want string }{
		{"  - {name: HvStatusOk, of: HV_STATUS_OK, versions: [b], doc: d, ref: r}\n", ""},
		{"  - {name: HvStatusNope, of: HV_STATUS_OK, versions: [b], doc: d, ref: r}\n", "alias HvStatusNope: no such item in version b"},
		{"  - {name: HvStatusOk, of: HV_STATUS_NOPE, versions: [b], doc: d, ref: r}\n", "alias HvStatusOk: no status HV_STATUS_NOPE in any other version"},
		{"  - {name: HvStatusOk, of: HV_OK_CONST, versions: [b], doc: d, ref: r}\n", "no status HV_OK_CONST"},
		{"  - {name: HvStatusOk, versions: [b], doc: d, ref: r}\n", "of"},
	} {
		r := &Registry{}
		errs := parse(r, "x.yaml", []byte(base+tc.alias))
		if len(errs) == 0 {
			Check(r, &errs)
		}
		got := errs.Error()
		if tc.want == "" && len(errs) > 0 || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: errors %q, want %q", strings.TrimSpace(tc.alias), got, tc.want)
		}
	}
	r := &Registry{}
	parse(r, "x.yaml", []byte(base+"  - {name: HvStatusOk, of: HV_STATUS_OK, versions: [b], doc: d, ref: r}\n"))
	if got := r.AliasOf("b", "HvStatusOk"); got != "HV_STATUS_OK" {
		t.Errorf("AliasOf = %q", got)
	}
}

// TestWithAliases: the aliased items and the references to them take the
// other versions' names; everything else is left as it was.
func TestWithAliases(t *testing.T) {
	const src = `area: x
versions:
  - {name: a, doc: d, ref: r}
  - {name: b, doc: d, ref: r}
types:
  - {name: HV_THING, kind: alias, base: UINT32, versions: [a], doc: d, ref: r}
  - {name: hv_thing, kind: alias, base: UINT32, versions: [b], doc: d, ref: r}
  - {name: hv_box, kind: struct, versions: [b], doc: d, ref: r, fields: [{name: t, type: hv_thing, offset: 0}]}
aliases:
  - {name: hv_thing, of: HV_THING, versions: [b], doc: d, ref: r}
`
	r := &Registry{}
	if errs := parse(r, "x.yaml", []byte(src)); len(errs) > 0 {
		t.Fatal(errs)
	}
	Check(r, &ErrorList{})
	v := r.View("b").WithAliases()
	if v.Type("HV_THING") == nil || v.Type("hv_thing") != nil {
		t.Errorf("hv_thing not renamed: %v", v.Types)
	}
	if f := v.Type("hv_box").Fields[0]; f.Type != "HV_THING" || f.Name != "t" {
		t.Errorf("member of hv_box: %+v", f)
	}
	if r.View("b").Type("hv_thing") == nil {
		t.Error("WithAliases changed the registry it was given")
	}
}
