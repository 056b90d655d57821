package sim_test

import (
	"encoding/binary"
	"testing"

	"github.com/hvgen/hvgen/generated/tlfs"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/sim"
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
		version := "wdk-2013"
		if useTLFS {
			version = "tlfs"
		}
		h, err := sim.NewVersion(version, sim.Config{LogicalProcessors: 1, RootPoolPages: 32, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		w := &world{h: h, rootPart: h.Root()}
		a := h.CreateChild(h.Root(), allPrivileges, 16, 2)
		h.CreateChild(h.Root(), 0, 4, 1)
		if !useTLFS {
			w.root = hv.NewClient(h.Root().Backend())
			w.a = a
			w.mapRAM(t, a.ID, 0x10, 2, 7)
			must(t, w.root.CreatePort(msgPort(a.ID, h.Root().ID, 1, 2, hv.AnyVP)))
		}
		in, out := hvcall.NewPagePair()
		copy(in[:], input)
		h.Root().Backend().Hypercall(control, in, out, nil, hvcall.Sizes{})
		a.Backend().Hypercall(control, in, out, nil, hvcall.Sizes{})
		var regs hvcall.FastBlock
		copy(regs[:], input)
		h.Root().Backend().Hypercall(control|1<<16, nil, nil, &regs, hvcall.Sizes{})
	})
}
