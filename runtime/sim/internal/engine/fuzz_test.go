package engine_test

import (
	"encoding/binary"
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/generated/tlfs"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
	"github.com/hvgen/hvgen/runtime/sim/tlfssim"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"
)

// FuzzHypercall sends arbitrary input values and parameter pages to a sim of
// either version with partitions, VPs, mappings and ports in place: every
// answer must be a status, never a panic, whatever the bytes.
func FuzzHypercall(f *testing.F) {
	for _, d := range hv.Hypercalls {
		var x hv.X64HypercallInput
		x.SetCallCode(hv.CallCode(d.Code))
		if d.Rep {
			x.SetCountOfElements(3)
		}
		in := make([]byte, 64)
		binary.LittleEndian.PutUint64(in, 2)
		f.Add(false, uint64(x), in)
	}
	for _, d := range tlfs.Hypercalls {
		var x tlfs.HypercallInput
		x.SetCallCode(tlfs.CallCode(d.Code))
		if d.Rep {
			x.SetRepCount(4095)
		}
		f.Add(true, uint64(x), []byte{3, 0, 0, 0, 0, 0, 0, 0, 1})
	}
	f.Fuzz(func(t *testing.T, useTLFS bool, control uint64, input []byte) {
		cfg := sim.Config{LogicalProcessors: 1, RootPoolPages: 32, Limit: 4}
		var root, a hvcall.Backend
		if useTLFS {
			h := tlfssim.New(cfg)
			root, a = h.Root().Backend(), h.CreateChild(h.Root(), ^tlfs.PartitionPrivilegeMask(0), 16, 2).Backend()
			h.CreateChild(h.Root(), 0, 4, 1)
		} else {
			h := wdk2013sim.New(cfg)
			w := &world{h: h, rootPart: h.Root()}
			p := h.CreateChild(h.Root(), allPrivileges, 16, 2)
			h.CreateChild(h.Root(), 0, 4, 1)
			w.root = hv.NewClient(h.Root().Backend())
			w.a = p
			w.mapRAM(t, p.ID(), 0x10, 2, 7)
			must(t, w.root.CreatePort(msgPort(p.ID(), h.Root().ID(), 1, 2, hv.AnyVP)))
			root, a = h.Root().Backend(), p.Backend()
		}
		hypercalls(root, a, control, input)
	})
}

// hypercalls issues a call as the root and as a child, through memory and
// through registers.
func hypercalls(root, a hvcall.Backend, control uint64, input []byte) {
	in, out := hvcall.NewPagePair()
	copy(in[:], input)
	root.Hypercall(control, in, out, nil, hvcall.Sizes{})
	a.Hypercall(control, in, out, nil, hvcall.Sizes{})
	var regs hvcall.FastBlock
	copy(regs[:], input)
	root.Hypercall(control|1<<16, nil, nil, &regs, hvcall.Sizes{})
}

// FuzzLinuxHypercall is FuzzHypercall on linux-7.0's codes and layouts, with
// a child partition created through the calls (its creation flags set).
func FuzzLinuxHypercall(f *testing.F) {
	for _, d := range linux70.Hypercalls {
		var x linux70.HypercallInput
		x.SetCallCode(linux70.CallCode(d.Code))
		if d.Rep {
			x.SetRepCount(3)
		}
		in := make([]byte, 64)
		binary.LittleEndian.PutUint64(in, 2)
		f.Add(uint64(x), in)
	}
	f.Fuzz(func(t *testing.T, control uint64, input []byte) {
		h := linux70sim.New(sim.Config{LogicalProcessors: 1, RootPoolPages: 32, Limit: 4})
		c := linux70.NewClient(h.Root().Backend())
		var out linux70.CreatePartitionOutput
		must(t, c.CreatePartition(&linux70.CreatePartitionInput{Flags: linux70.PartitionCreationFlagLapicEnabled}, &out))
		p := h.Partition(out.PartitionID)
		_, err := c.DepositMemory(&linux70.DepositMemory{PartitionID: p.ID()}, h.Root().GiveRAM(4))
		must(t, err)
		must(t, c.InitializePartition(&linux70.InitializePartitionInput{PartitionID: p.ID()}))
		hypercalls(h.Root().Backend(), p.Backend(), control, input)
	})
}
