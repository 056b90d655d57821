package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/export"
)

func TestExportMini(t *testing.T) {
	out := filepath.Join(t.TempDir(), "abi.json")
	if code, _, errs := runCLI("export", "-spec", miniDir, "-version", "v2", "-o", out); code != 0 {
		t.Fatalf("export exited %d: %s", code, errs)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version    string
		Hypercalls []struct {
			Name      string
			Code      uint64
			Kind      string
			Fast      bool
			InputSize *int64 `json:"input_size"`
			Statuses  []struct {
				Name  string
				Value *uint64
			}
		}
		Types []struct {
			Name   string
			Kind   string
			Size   int64
			Align  int64
			Fields []struct {
				Name      string
				Offset    int64
				Size      int64
				BitOffset *int `json:"bit_offset"`
				BitWidth  *int `json:"bit_width"`
			}
		}
		Statuses []struct {
			Name  string
			Value *uint64
		}
		Constants []struct {
			Name  string
			Value *export.Word
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "v2" {
		t.Errorf("version %q", doc.Version)
	}
	calls := map[string]int{}
	for i, h := range doc.Hypercalls {
		calls[h.Name] = i
	}
	if _, ok := calls["HvCallLater"]; ok {
		t.Error("v1-only hypercall in the v2 view")
	}
	undo := doc.Hypercalls[calls["HvCallUndoThing"]]
	if undo.Code != 0x42 || undo.Kind != "simple" || undo.InputSize == nil || *undo.InputSize != 20 {
		t.Errorf("HvCallUndoThing = %+v", undo)
	}
	do := doc.Hypercalls[calls["HvCallDoThing"]]
	if !do.Fast || len(do.Statuses) != 1 || do.Statuses[0].Value == nil || *do.Statuses[0].Value != 6 {
		t.Errorf("HvCallDoThing = %+v", do)
	}
	for _, ty := range doc.Types {
		switch ty.Name {
		case "HV_HEADER":
			if ty.Size != 40 || ty.Align != 8 || ty.Fields[1].Offset != 4 || ty.Fields[4].Offset != 20 {
				t.Errorf("HV_HEADER = %+v", ty)
			}
		case "HV_CONTROL":
			rep := ty.Fields[3]
			if rep.Name != "RepCount" || rep.BitOffset == nil || *rep.BitOffset != 32 || *rep.BitWidth != 12 {
				t.Errorf("HV_CONTROL RepCount = %+v", rep)
			}
		}
	}
	for _, s := range doc.Statuses {
		if s.Name == "HV_STATUS_NEW_THING" && s.Value != nil {
			t.Errorf("a status without a value exported as %d", *s.Value)
		}
	}
}
