package wdk2013sim_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeExample: the program docs/hypercalls.md shows (the README links
// to it) is Example_vmm's body, so the program the guide shows is the one
// that runs (under -race with the rest).
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../../docs/hypercalls.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_vmm_test.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start, end := strings.Index(s, "func Example_vmm() {\n"), strings.Index(s, "\t// Output:")
	if start < 0 || end < start {
		t.Fatal("Example_vmm not found")
	}
	var body strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s[start+len("func Example_vmm() {\n"):end], "\n"), "\n") {
		body.WriteString(strings.TrimPrefix(l, "\t") + "\n")
	}
	if !strings.Contains(string(readme), "```go\n"+body.String()+"```\n") {
		t.Errorf("docs/hypercalls.md does not show Example_vmm's body as a go block:\n%s", body.String())
	}
}
