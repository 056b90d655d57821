package diff

import (
	"testing"

	"github.com/hvgen/hvgen/spec/layout"
)

// spellingSides loads testdata/spelling: version doc written from documents,
// hdr from headers, with aliases pairing hdr's names with doc's.
func spellingSides(t *testing.T, aliased bool) (*Side, *Side) {
	t.Helper()
	r, err := layout.LoadDir("testdata/spelling")
	if err != nil {
		t.Fatal(err)
	}
	newSide := NewSide
	if aliased {
		newSide = NewAliasedSide
	}
	a, err := newSide("doc", r.Version("doc"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := newSide("hdr", r.Version("hdr"))
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestSpelling: between a document-style and a header-style version, a
// member, bit range or value that differs in spelling only (partition_id for
// PartitionId, HV_OBJECT_VP for HvObjectVp, target.low_part for
// Target.LowPart, UINT64 for the typedef HV_PARTITION_ID) is no change at
// all; a real difference in offset, bit position, value or code is
// incompatible, named in the documents' spelling.
func TestSpelling(t *testing.T) {
	a, b := spellingSides(t, true)
	got := map[string]Class{}
	for _, c := range Compare(a, b) {
		got[c.Item+" "+c.Kind+" "+c.Path] = c.Class
	}
	want := map[string]Class{
		"HV_MOVED field.offset Count":                    Incompatible,
		"HV_OBJECT_TYPE value.changed HvObjectPartition": Incompatible,
		"HV_CONTROL bits.position LockedOut":             Incompatible,
		"HvCallMoved hypercall.code ":                    Incompatible,
		// packed in the header, the same bytes: only the alignment differs
		"HV_INPUT_THING type.align ": Compatible,
		// the header's enum lists the values Linux uses
		"HV_OBJECT_TYPE value.undescribed HvObjectHypervisor": Undescribed,
		// the header pairs no input block with the call
		"HvCallUnpaired hypercall.input.undescribed ": Undescribed,
		// a struct the header wraps in a union: the same bytes, members
		// matched (BOOLEAN is the header's UINT8); the whole-value member is new
		"HV_INPUT_DELETE_THING type.align ":           Compatible,
		"HV_INPUT_DELETE_THING type.kind ":            Compatible,
		"HV_INPUT_DELETE_THING field.added as_uint64": Compatible,
		// a typedef the header does not declare
		"HV_PARTITION_ID type.undescribed ": Undescribed,
	}
	for k, c := range want {
		if g, ok := got[k]; !ok || g != c {
			t.Errorf("%s: %v (reported %v), want %v", k, g, ok, c)
		}
	}
	for k, c := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected change %s (%v)", k, c)
		}
	}
	// Without the aliases nothing is paired: every item is added or undescribed.
	a, b = spellingSides(t, false)
	for _, c := range Compare(a, b) {
		if c.Class == Incompatible {
			t.Errorf("without aliases: %+v", c)
		}
	}
}

// TestRespell: a name is matched by its folded form only when exactly one
// unmatched name on each side folds to it; an exact match is kept.
func TestRespell(t *testing.T) {
	o := map[string]int{"PartitionId": 1, "VpIndex": 2, "Flags": 3, "AB": 4, "A_b": 5}
	n := map[string]int{"partition_id": 1, "VP_INDEX": 2, "Flags": 3, "a_b": 4, "flags": 6}
	got := respell(o, n, func(v int, _ string) int { return v })
	want := map[string]int{"PartitionId": 1, "VpIndex": 2, "Flags": 3, "a_b": 4, "flags": 6}
	if len(got) != len(want) {
		t.Fatalf("respell = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("respell = %v, want %v", got, want)
		}
	}
}
