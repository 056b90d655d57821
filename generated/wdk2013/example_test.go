package wdk2013_test

import (
	"errors"
	"fmt"
	"testing"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// The README's example, kept compiling and true.
func Example() {
	var in hv.MapStatsPageInput
	in.StatsType = hv.StatsObjectVP
	id := in.ObjectIdentity.VP()
	id.PartitionID = 7
	id.VPIndex = 0
	d, _ := hv.LookupHypercall(hv.CallMapStatsPage)
	fmt.Println(d.Name, d.InputSize, unsafe.Sizeof(in))
	// Output: HvCallMapStatsPage 32 32
}

func TestStatusIsAnError(t *testing.T) {
	err := fmt.Errorf("HvCallMapStatsPage: %w", hv.StatusAccessDenied)
	if !errors.Is(err, hv.StatusAccessDenied) {
		t.Fatal("errors.Is does not see the wrapped status")
	}
	var st hv.Status
	if !errors.As(err, &st) || st != 6 {
		t.Fatalf("errors.As gave %v", st)
	}
	if hv.StatusSuccess.Err() != nil || hv.StatusInvalidParameter.Err() == nil {
		t.Fatal("Err does not separate success from failure")
	}
	if s := hv.Status(0x1234).Error(); s != "HV_STATUS(4660)" {
		t.Errorf("unknown status text %q", s)
	}
}

func TestBitfieldAccessors(t *testing.T) {
	var in hv.X64HypercallInput
	in.SetCallCode(hv.CallMapStatsPage)
	in.SetIsFast(true)
	in.SetCountOfElements(0xfff)
	in.SetRepStartIndex(3)
	if uint64(in) != 0x0003_0fff_0001_006c {
		t.Fatalf("input value %#x", uint64(in))
	}
	if in.CallCode() != hv.CallMapStatsPage || !in.IsFast() || in.CountOfElements() != 0xfff || in.RepStartIndex() != 3 {
		t.Fatal("getters do not return what the setters stored")
	}
	if in&hv.X64HypercallInputReservedMask != 0 {
		t.Fatal("a setter touched reserved bits")
	}
	in.SetCountOfElements(0x1001) // wider than 12 bits: only the low bits are kept
	if in.CountOfElements() != 1 || uint64(in)>>44&0xf != 0 {
		t.Fatalf("overflowing set leaked into reserved bits: %#x", uint64(in))
	}
}

func TestUnionAccessorsShareStorage(t *testing.T) {
	var h hv.EventlogBufferHeader
	h.TimeStamp = 12345
	if *h.ReferenceTime() != 12345 {
		t.Fatal("anonymous union members do not alias")
	}
	var id hv.StatsObjectIdentity
	id.Partition().PartitionID = 0x1122334455667788
	if id.VP().PartitionID != 0x1122334455667788 {
		t.Fatal("union members do not alias")
	}
	if got := hv.EventLogBufferStateReady.String(); got != "HvEventLogBufferStateReady" {
		t.Errorf("String() = %q", got)
	}
}
