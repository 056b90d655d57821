package layout

import (
	"os"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

func TestMini(t *testing.T) {
	r, err := spec.Load(os.DirFS("../testdata/mini"), "mini")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version, typ string
		size, align  int64
		offsets      map[string]int64
	}{
		{"v1", "HV_HEADER", 40, 8, map[string]int64{"Size": 0, "Color": 4, "TimeStamp": 8, "LoggerId": 18, "Flags": 20, "Control": 24, "Reserved": 32}},
		{"v1", "HV_IDENTITY", 16, 8, map[string]int64{"Partition.Flags": 8, "AsUINT64": 0}},
		{"v1", "HV_INPUT_UNDO_THING", 16 + 8, 8, map[string]int64{"Identity": 8}},
		{"v2", "HV_INPUT_UNDO_THING", 20, 1, map[string]int64{"Identity": 4}},
		{"v1", "HV_OUTPUT_LIST_THINGS", 8, 8, map[string]int64{"Things": 8}},
		{"v1", "HV_CONTROL", 8, 8, nil},
		{"v1", "HV_VALUE", 16, 16, map[string]int64{"Reg64": 0, "Flags": 0}},
	} {
		for _, a := range Arches {
			res, errs := compute(r.View(tc.version), a, true)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			l := res.Types[tc.typ]
			if l == nil || l.Size != tc.size || l.Align != tc.align {
				t.Errorf("%s %s %s: got %v, want size %d align %d", a.Name, tc.version, tc.typ, l, tc.size, tc.align)
				continue
			}
			for path, off := range tc.offsets {
				if f := find(l, path); f == nil || f.Offset != off {
					t.Errorf("%s %s %s.%s: got %+v, want offset %d", a.Name, tc.version, tc.typ, path, f, off)
				}
			}
		}
	}
}
