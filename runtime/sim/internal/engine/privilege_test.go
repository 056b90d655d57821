package engine_test

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/spec"
)

// TestRegistryPrivileges: for every modelled wdk-2013 call whose registry
// access lists HV_PARTITION_PRIVILEGE_MASK privileges, a caller holding every
// privilege but one of them is denied, naming itself where the call names a
// partition first. The bits come from the registry's privilege mask type.
func TestRegistryPrivileges(t *testing.T) {
	reg, err := spec.Load(os.DirFS("../../../../spec"), "spec")
	if err != nil {
		t.Fatal(err)
	}
	view := reg.View("wdk-2013")
	bits := map[string]int{}
	for _, b := range view.Type("HV_PARTITION_PRIVILEGE_MASK").Bits {
		bits[b.Name] = b.Bit
	}
	modelled, _ := wdk2013sim.Calls()
	is := map[string]bool{}
	for _, n := range modelled {
		is[n] = true
	}
	checked := 0
	for _, c := range view.Hypercalls {
		if !is[c.Name] || c.Access == nil {
			continue
		}
		d, _ := hv.LookupHypercall(hv.CallCode(c.Code))
		for _, priv := range c.Access.Privileges {
			bit, ok := bits[priv]
			if !ok {
				t.Errorf("%s: privilege %s is not a bit of HV_PARTITION_PRIVILEGE_MASK", c.Name, priv)
				continue
			}
			h := wdk2013sim.New(sim.Config{})
			p := h.CreateChild(h.Root(), ^hv.PartitionPrivilegeMask(0)&^(1<<bit), 8, 1)
			caller := hvcall.NewCaller(p.Backend(), &hv.Encoding)
			in := make([]byte, d.InputSize)
			if len(in) >= 8 {
				binary.LittleEndian.PutUint64(in, uint64(p.ID()))
			}
			if d.Rep {
				_, err = caller.CallRep(d, in, make([]byte, d.InputElemSize), make([]byte, d.OutputSize), make([]byte, d.OutputElemSize), 1)
			} else {
				err = caller.Call(d, in, make([]byte, d.OutputSize))
			}
			if !errors.Is(err, hv.StatusAccessDenied) {
				t.Errorf("%s without %s (bit %d): %v", c.Name, priv, bit, err)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Errorf("only %d privilege checks", checked)
	}
	t.Logf("%d call privileges checked", checked)
}
