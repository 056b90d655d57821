package main

import (
	"strings"
	"testing"
)

// TestDiffAliasesDefault: between a documents version and a headers version
// the aliases apply unless -aliases=false, so the header's HVCALL_MOVED is
// compared with the documents' HvCallMoved (another code) and spelling-only
// differences are not reported.
func TestDiffAliasesDefault(t *testing.T) {
	const dir = "internal/diff/testdata/spelling"
	code, out, errs := runCLI("diff", "-spec", dir, "-from", "doc", "-to", "hdr", "-only", "incompatible")
	if code != exitChanges || !strings.Contains(out, "HvCallMoved") || !strings.Contains(out, "0x11 -> 0x12") || strings.Contains(out, "PartitionId") {
		t.Errorf("default: exit %d, stdout:\n%s\nstderr: %s", code, out, errs)
	}
	code, out, errs = runCLI("diff", "-spec", dir, "-from", "doc", "-to", "hdr", "-aliases=false")
	if code != 0 || strings.Contains(out, "incompatible  ") || !strings.Contains(out, "HVCALL_MOVED") {
		t.Errorf("-aliases=false: exit %d, stdout:\n%s\nstderr: %s", code, out, errs)
	}
}
