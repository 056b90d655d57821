package diff

import (
	"fmt"
	"slices"
	"testing"
)

// TestIoctlClassification: a changed request number (the argument grew),
// direction or fd kind, and a removed request, are incompatible; a new
// request is compatible; a hypercall a driver newly passes from another fd
// is compatible, and one whose asynchronous handling changed is not.
func TestIoctlClassification(t *testing.T) {
	changes := Compare(side(t, "testdata/ioctl/old"), side(t, "testdata/ioctl/new"))
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%s %s %s %s->%s", c.Class, c.Kind, c.Item, c.Old, c.New))
	}
	for _, w := range []string{
		"incompatible ioctl.request DEV_OPEN 0x4008c300->0x4010c300",
		"incompatible ioctl.request DEV_READ 0x8008c301->0xc010c301",
		"incompatible ioctl.dir DEV_READ read->readwrite",
		"incompatible ioctl.fd DEV_RESET partition->partition,vp",
		"incompatible ioctl.removed DEV_GONE 0x0000c303->",
		"compatible ioctl.added DEV_NEW ->0x0000c304",
		"compatible hypercall.passthrough CALL_A partition,vp->partition,vp,system",
		"incompatible hypercall.async CALL_B true->false",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("missing %q in\n%v", w, got)
		}
	}
}
