package export

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

func TestWordJSON(t *testing.T) {
	for _, v := range []uint64{0, 0x6c, 1<<53 + 1, 0xFFFFFFFFFFFFFFFF} {
		data, err := json.Marshal(Word(v))
		if err != nil {
			t.Fatal(err)
		}
		var back Word
		if err := json.Unmarshal(data, &back); err != nil || uint64(back) != v || !strings.HasPrefix(string(data), `"0x`) {
			t.Errorf("%#x: %s -> %#x, %v", v, data, uint64(back), err)
		}
	}
	for _, bad := range []string{`12`, `"12"`, `"0xZ"`, `"0x1ffffffffffffffff"`} {
		var w Word
		if err := json.Unmarshal([]byte(bad), &w); err == nil {
			t.Errorf("%s accepted as a word", bad)
		}
	}
}

func TestExactNumbers(t *testing.T) {
	if err := exact(spec.Pos{File: "x.yaml", Line: 3}, "HV_STATUS_WIDE", 1<<53-1); err != nil {
		t.Error(err)
	}
	err := exact(spec.Pos{File: "x.yaml", Line: 3}, "HV_STATUS_WIDE", 1<<53)
	if err == nil || !strings.HasPrefix(err.Error(), "x.yaml:3: HV_STATUS_WIDE") {
		t.Errorf("a number past 2^53: %v", err)
	}
}
