package engine_test

import (
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// mapRAM maps n fresh root RAM pages into a partition at base.
func (w *world) mapRAM(t *testing.T, id hv.PartitionID, base uint64, n int, flags hv.MapGPAFlags) []hv.GPAPageNumber {
	t.Helper()
	ram := w.rootPart.GiveRAM(n)
	_, err := w.root.MapGPAPages(&hv.MapGPAPagesInput{TargetPartitionID: id, TargetGPABase: hv.GPAPageNumber(base), MapFlags: flags}, ram)
	must(t, err)
	return ram
}

func mapPages(c *hv.Client, id hv.PartitionID, base uint64, flags hv.MapGPAFlags, src ...hv.GPAPageNumber) error {
	_, err := c.MapGPAPages(&hv.MapGPAPagesInput{TargetPartitionID: id, TargetGPABase: hv.GPAPageNumber(base), MapFlags: flags}, src)
	return err
}

func sparse(c *hv.Client, id hv.PartitionID, flags hv.MapGPAFlags, pairs ...uint64) error {
	var list []hv.GPAMapping
	for i := 0; i < len(pairs); i += 2 {
		list = append(list, hv.GPAMapping{TargetGPAPageNumber: hv.GPAPageNumber(pairs[i]), SourceGPAPageNumber: hv.GPAPageNumber(pairs[i+1])})
	}
	_, err := c.MapSparseGPAPages(&hv.MapSparseGPAPagesInput{TargetPartitionID: id, MapFlags: flags}, list)
	return err
}

// mapCases are the status cases both map calls share; m maps one page
// (target, source) for the client.
func mapCases(call string, m func(c *hv.Client, id hv.PartitionID, flags hv.MapGPAFlags, tgt, src uint64) error) []callCase {
	ram := func(w *world) uint64 { return uint64(w.rootPart.GiveRAM(1)[0]) }
	return []callCase{
		{hv.StatusSuccess, call, nil, func(t *testing.T, w *world) error { return m(w.root, w.a.ID(), 7, 0x10, ram(w)) }},
		{hv.StatusSuccess, call + " root rights", nil, func(t *testing.T, w *world) error { g := ram(w); return m(w.root, w.rootPart.ID(), 1, g, g) }},
		{hv.StatusAccessDenied, call + " into a sibling", nil, func(t *testing.T, w *world) error { return m(w.ac, w.b.ID(), 7, 0x10, 0x10) }},
		{hv.StatusAccessDenied, call + " root not identity", nil, func(t *testing.T, w *world) error { g := ram(w); return m(w.root, w.rootPart.ID(), 7, g+1, g) }},
		{hv.StatusInvalidPartitionID, call + " into nothing", nil, func(t *testing.T, w *world) error { return m(w.root, 99, 7, 0x10, ram(w)) }},
		{hv.StatusInvalidParameter, call + " reserved flag", nil, func(t *testing.T, w *world) error { return m(w.root, w.a.ID(), 8, 0x10, ram(w)) }},
		{hv.StatusInvalidParameter, call + " write without read", nil, func(t *testing.T, w *world) error { return m(w.root, w.a.ID(), 2, 0x10, ram(w)) }},
		{hv.StatusInvalidParameter, call + " target outside", nil, func(t *testing.T, w *world) error { return m(w.root, w.a.ID(), 7, 1<<28, ram(w)) }},
		{hv.StatusOperationDenied, call + " source not mapped", nil, func(t *testing.T, w *world) error { return m(w.root, w.a.ID(), 7, 0x10, 0x5) }},
		{hv.StatusInvalidPartitionState, call + " into inactive", deactivate2, func(t *testing.T, w *world) error { return m(w.root, w.a.ID(), 7, 0x10, ram(w)) }},
		{hv.StatusInsufficientMemory, call + " no page-table page", nil, func(t *testing.T, w *world) error {
			p := w.h.CreateChild(w.rootPart, 0, 0, 0)
			return m(w.root, p.ID(), 7, 0x10, ram(w))
		}},
		{hv.StatusObjectInUse, call + " over a SynIC page", func(t *testing.T, w *world) {
			must(t, setRegs(w.root, w.a.ID(), 0, hv.X64RegisterSipp, uint64(0x20<<12|1)))
		}, func(t *testing.T, w *world) error { return m(w.root, w.a.ID(), 7, 0x20, ram(w)) }},
	}
}

func TestGPACalls(t *testing.T) {
	var cases []callCase
	cases = append(cases, mapCases("map", func(c *hv.Client, id hv.PartitionID, f hv.MapGPAFlags, tgt, src uint64) error {
		return mapPages(c, id, tgt, f, hv.GPAPageNumber(src))
	})...)
	cases = append(cases, mapCases("sparse", func(c *hv.Client, id hv.PartitionID, f hv.MapGPAFlags, tgt, src uint64) error {
		return sparse(c, id, f, tgt, src)
	})...)
	unmap := func(c *hv.Client, id hv.PartitionID, base uint64, n int) error {
		_, err := c.UnmapGPAPages(&hv.UnmapGPAPagesInput{TargetPartitionID: id, TargetGPABase: hv.GPAPageNumber(base)}, n)
		return err
	}
	read := func(c *hv.Client, in hv.ReadGPAInput) error {
		var out hv.ReadGPAOutput
		return c.ReadGPA(&in, &out)
	}
	write := func(c *hv.Client, in hv.WriteGPAInput) error {
		var out hv.WriteGPAOutput
		return c.WriteGPA(&in, &out)
	}
	tr := func(c *hv.Client, in hv.TranslateVirtualAddressInput) error {
		var out hv.TranslateVirtualAddressOutput
		return c.TranslateVirtualAddress(&in, &out)
	}
	cases = append(cases, []callCase{
		{hv.StatusSuccess, "unmap", nil, func(t *testing.T, w *world) error {
			w.mapRAM(t, w.a.ID(), 0x10, 3, 7)
			return unmap(w.root, w.a.ID(), 0x10, 5)
		}},
		{hv.StatusAccessDenied, "unmap a sibling", nil, func(t *testing.T, w *world) error { return unmap(w.ac, w.b.ID(), 0, 1) }},
		{hv.StatusAccessDenied, "unmap the root's own", nil, func(t *testing.T, w *world) error { return unmap(w.root, w.rootPart.ID(), 0, 1) }},
		{hv.StatusInvalidPartitionID, "unmap nothing", nil, func(t *testing.T, w *world) error { return unmap(w.root, 99, 0, 1) }},
		{hv.StatusInvalidParameter, "unmap outside", nil, func(t *testing.T, w *world) error { return unmap(w.root, w.a.ID(), 1<<28-1, 2) }},
		{hv.StatusInvalidPartitionState, "unmap inactive", deactivate2, func(t *testing.T, w *world) error { return unmap(w.root, w.a.ID(), 0, 1) }},
		{hv.StatusObjectInUse, "unmap a SynIC page", nil, func(t *testing.T, w *world) error {
			must(t, setRegs(w.root, w.a.ID(), 0, hv.X64RegisterSifp, uint64(0x30<<12|1)))
			return unmap(w.root, w.a.ID(), 0x30, 1)
		}},

		{hv.StatusSuccess, "write and read", nil, func(t *testing.T, w *world) error {
			w.mapRAM(t, w.a.ID(), 0x40, 1, 7)
			var wo hv.WriteGPAOutput
			must(t, w.root.WriteGPA(&hv.WriteGPAInput{PartitionID: w.a.ID(), ByteCount: 12, BaseGPA: 0x40ff0, DataLow: 0x1122334455667788, DataHigh: 0xaabbccdd}, &wo))
			var ro hv.ReadGPAOutput
			must(t, w.root.ReadGPA(&hv.ReadGPAInput{PartitionID: w.a.ID(), VPIndex: 1, ByteCount: 16, BaseGPA: 0x40ff0}, &ro))
			if *wo.AccessResult.ResultCode() != hv.AccessGPASuccess || ro.DataLow != 0x1122334455667788 || ro.DataHigh != 0xaabbccdd {
				t.Errorf("write %v, read %#x %#x", *wo.AccessResult.ResultCode(), ro.DataLow, ro.DataHigh)
			}
			must(t, w.root.ReadGPA(&hv.ReadGPAInput{PartitionID: w.a.ID(), ByteCount: 8, BaseGPA: 0x99000}, &ro))
			if *ro.AccessResult.ResultCode() != hv.AccessGPAUnmapped {
				t.Errorf("unmapped read: %v", *ro.AccessResult.ResultCode())
			}
			return nil
		}},
		{hv.StatusAccessDenied, "read a sibling", nil, func(t *testing.T, w *world) error {
			return read(w.ac, hv.ReadGPAInput{PartitionID: w.b.ID(), ByteCount: 1})
		}},
		{hv.StatusInvalidPartitionID, "read nothing", nil, func(t *testing.T, w *world) error {
			return read(w.root, hv.ReadGPAInput{PartitionID: 99, ByteCount: 1})
		}},
		{hv.StatusInvalidVPIndex, "read on no VP", nil, func(t *testing.T, w *world) error {
			return read(w.root, hv.ReadGPAInput{PartitionID: w.a.ID(), VPIndex: 5, ByteCount: 1})
		}},
		{hv.StatusInvalidParameter, "read across a page", nil, func(t *testing.T, w *world) error {
			return read(w.root, hv.ReadGPAInput{PartitionID: w.a.ID(), ByteCount: 16, BaseGPA: 0xff8})
		}},
		{hv.StatusInvalidParameter, "read 17 bytes", nil, func(t *testing.T, w *world) error {
			return read(w.root, hv.ReadGPAInput{PartitionID: w.a.ID(), ByteCount: 17})
		}},
		{hv.StatusInvalidPartitionState, "read inactive", deactivate2, func(t *testing.T, w *world) error {
			return read(w.root, hv.ReadGPAInput{PartitionID: w.a.ID(), ByteCount: 1})
		}},
		{hv.StatusAccessDenied, "write a sibling", nil, func(t *testing.T, w *world) error {
			return write(w.ac, hv.WriteGPAInput{PartitionID: w.b.ID(), ByteCount: 1})
		}},
		{hv.StatusInvalidPartitionID, "write nothing", nil, func(t *testing.T, w *world) error {
			return write(w.root, hv.WriteGPAInput{PartitionID: 99, ByteCount: 1})
		}},
		{hv.StatusInvalidVPIndex, "write on no VP", nil, func(t *testing.T, w *world) error {
			return write(w.root, hv.WriteGPAInput{PartitionID: w.a.ID(), VPIndex: 5, ByteCount: 1})
		}},
		{hv.StatusInvalidParameter, "write reserved control flags", nil, func(t *testing.T, w *world) error {
			return write(w.root, hv.WriteGPAInput{PartitionID: w.a.ID(), ByteCount: 1, ControlFlags: 1 << 8})
		}},
		{hv.StatusInvalidPartitionState, "write inactive", deactivate2, func(t *testing.T, w *world) error {
			return write(w.root, hv.WriteGPAInput{PartitionID: w.a.ID(), ByteCount: 1})
		}},

		{hv.StatusSuccess, "translate", nil, func(t *testing.T, w *world) error { return translateCheck(t, w) }},
		{hv.StatusAccessDenied, "translate in a sibling", nil, func(t *testing.T, w *world) error {
			return tr(w.ac, hv.TranslateVirtualAddressInput{PartitionID: w.b.ID(), ControlFlags: 1})
		}},
		{hv.StatusInvalidPartitionID, "translate in nothing", nil, func(t *testing.T, w *world) error {
			return tr(w.root, hv.TranslateVirtualAddressInput{PartitionID: 99, ControlFlags: 1})
		}},
		{hv.StatusInvalidVPIndex, "translate on no VP", nil, func(t *testing.T, w *world) error {
			return tr(w.root, hv.TranslateVirtualAddressInput{PartitionID: w.a.ID(), VPIndex: 4, ControlFlags: 1})
		}},
		{hv.StatusInvalidParameter, "translate validating nothing", nil, func(t *testing.T, w *world) error {
			return tr(w.root, hv.TranslateVirtualAddressInput{PartitionID: w.a.ID(), ControlFlags: 0})
		}},
		{hv.StatusInvalidPartitionState, "translate inactive", deactivate2, func(t *testing.T, w *world) error {
			return tr(w.root, hv.TranslateVirtualAddressInput{PartitionID: w.a.ID(), ControlFlags: 1})
		}},
	}...)
	runCases(t, cases)
}

// translateCheck builds four-level page tables in partition a's memory that
// map GVA page 0x12345 to GPA page 0x50 read-only, turns paging on and
// translates it.
func translateCheck(t *testing.T, w *world) error {
	w.mapRAM(t, w.a.ID(), 0x100, 4, 7) // page tables at 0x100 to 0x103
	w.mapRAM(t, w.a.ID(), 0x50, 1, 1)  // the data page, read-only
	gva := uint64(0x12345)
	put := func(table uint64, index uint64, entry uint64) {
		var o hv.WriteGPAOutput
		must(t, w.root.WriteGPA(&hv.WriteGPAInput{PartitionID: w.a.ID(), ByteCount: 8, BaseGPA: hv.GPA(table<<12 + 8*index), DataLow: entry}, &o))
	}
	va := gva << 12
	put(0x100, va>>39&511, 0x101<<12|3)
	put(0x101, va>>30&511, 0x102<<12|3)
	put(0x102, va>>21&511, 0x103<<12|3)
	put(0x103, va>>12&511, 0x50<<12|1) // present, read-only
	must(t, setRegs(w.root, w.a.ID(), 0, hv.X64RegisterCr3, uint64(0x100<<12), hv.X64RegisterCr0, uint64(1<<31|1)))
	translate := func(flags hv.TranslateGVAControlFlags) (hv.TranslateVirtualAddressOutput, error) {
		var out hv.TranslateVirtualAddressOutput
		err := w.root.TranslateVirtualAddress(&hv.TranslateVirtualAddressInput{PartitionID: w.a.ID(), ControlFlags: uint32(flags), GVAPage: hv.GVAPageNumber(gva)}, &out)
		return out, err
	}
	out, err := translate(hv.TranslateGVAValidateRead)
	must(t, err)
	if out.TranslationResult.ResultCode() != hv.TranslateGVASuccess || out.GPAPage != 0x50 {
		t.Errorf("read: %v -> %#x", out.TranslationResult.ResultCode(), out.GPAPage)
	}
	if out, _ := translate(hv.TranslateGVAValidateWrite); out.TranslationResult.ResultCode() != hv.TranslateGVAPrivilegeViolation {
		t.Errorf("write through a read-only PTE: %v", out.TranslationResult.ResultCode())
	}
	gva = 1 << 27 // another PML4 entry, not present
	if out, _ := translate(hv.TranslateGVAValidateRead); out.TranslationResult.ResultCode() != hv.TranslateGVAPageNotPresent {
		t.Errorf("unmapped GVA: %v", out.TranslationResult.ResultCode())
	}
	return err
}

func TestInterceptAndInterruptCalls(t *testing.T) {
	install := func(c *hv.Client, id hv.PartitionID, access uint32, typ hv.InterceptType, param uint64) error {
		in := hv.InstallInterceptInput{PartitionID: id, AccessType: access, InterceptType: typ}
		*in.InterceptParameter.AsUint64() = param
		return c.InstallIntercept(&in)
	}
	assert := func(c *hv.Client, id hv.PartitionID, typ hv.InterruptType, dest uint64, vec hv.InterruptVector) error {
		in := hv.AssertVirtualInterruptInput{DestinationPartition: id, DestinationAddress: dest, RequestedVector: vec}
		in.InterruptControl.SetInterruptType(typ)
		return c.AssertVirtualInterrupt(&in)
	}
	clr := func(c *hv.Client, id hv.PartitionID) error {
		return c.ClearVirtualInterrupt(&hv.ClearVirtualInterruptInput{DestinationPartition: id})
	}
	runCases(t, []callCase{
		{hv.StatusSuccess, "install", nil, func(t *testing.T, w *world) error {
			must(t, install(w.root, w.a.ID(), 3, hv.InterceptTypeX64IOPort, 0x60))
			if !w.a.VP(1).Intercept(hv.InterceptTypeX64IOPort, 0x60, 2) || w.a.VP(1).Intercept(hv.InterceptTypeX64IOPort, 0x61, 2) {
				t.Error("intercept not taken as installed")
			}
			if c, _ := w.a.VP(1).Counters(); c.Intercepts != 1 {
				t.Errorf("VP 1 counted %d intercepts", c.Intercepts)
			}
			return install(w.root, w.a.ID(), 0, hv.InterceptTypeX64IOPort, 0x60)
		}},
		{hv.StatusAccessDenied, "install in a sibling", nil, func(t *testing.T, w *world) error {
			return install(w.ac, w.b.ID(), 1, hv.InterceptTypeX64IOPort, 1)
		}},
		{hv.StatusInvalidPartitionID, "install in nothing", nil, func(t *testing.T, w *world) error { return install(w.root, 99, 1, 0, 1) }},
		{hv.StatusInvalidParameter, "execute on an I/O port", nil, func(t *testing.T, w *world) error {
			return install(w.root, w.a.ID(), 4, hv.InterceptTypeX64IOPort, 1)
		}},
		{hv.StatusInvalidParameter, "exception vector 32", nil, func(t *testing.T, w *world) error {
			return install(w.root, w.a.ID(), 4, hv.InterceptTypeX64Exception, 32)
		}},
		{hv.StatusInvalidParameter, "unknown type", nil, func(t *testing.T, w *world) error { return install(w.root, w.a.ID(), 1, 9, 0) }},
		{hv.StatusInvalidPartitionState, "install in inactive", deactivate2, func(t *testing.T, w *world) error {
			return install(w.root, w.a.ID(), 1, hv.InterceptTypeX64IOPort, 1)
		}},
		{hv.StatusInsufficientMemory, "CPUID intercept, pool empty", nil, func(t *testing.T, w *world) error {
			p := w.h.CreateChild(w.rootPart, 0, 0, 1)
			must(t, install(w.root, p.ID(), 1, hv.InterceptTypeX64IOPort, 1)) // takes no page
			return install(w.root, p.ID(), 4, hv.InterceptTypeX64CPUID, 1)
		}},

		{hv.StatusSuccess, "assert fixed", nil, func(t *testing.T, w *world) error {
			must(t, assert(w.root, w.a.ID(), hv.X64InterruptTypeFixed, 1, 0x30))
			if got := w.a.VP(1).Interrupts(); len(got) != 1 || got[0].Vector != 0x30 {
				t.Errorf("VP 1 interrupts %v", got)
			}
			return nil
		}},
		{hv.StatusAccessDenied, "assert into a sibling", nil, func(t *testing.T, w *world) error {
			return assert(w.ac, w.b.ID(), hv.X64InterruptTypeFixed, 0, 0x30)
		}},
		{hv.StatusInvalidPartitionID, "assert into nothing", nil, func(t *testing.T, w *world) error { return assert(w.root, 99, 0, 0, 0x30) }},
		{hv.StatusInvalidVPIndex, "assert to no VP", nil, func(t *testing.T, w *world) error {
			return assert(w.root, w.a.ID(), hv.X64InterruptTypeFixed, 7, 0x30)
		}},
		{hv.StatusInvalidParameter, "vector 256", nil, func(t *testing.T, w *world) error {
			return assert(w.root, w.a.ID(), hv.X64InterruptTypeFixed, 0, 256)
		}},
		{hv.StatusInvalidParameter, "NMI with a vector", nil, func(t *testing.T, w *world) error {
			return assert(w.root, w.a.ID(), hv.X64InterruptTypeNMI, 0, 2)
		}},
		{hv.StatusAcknowledged, "ExtInt not cleared", nil, func(t *testing.T, w *world) error {
			must(t, assert(w.root, w.a.ID(), hv.X64InterruptTypeExtInt, 0, 0x20))
			if !w.a.AcknowledgeExtInt() {
				t.Fatal("no ExtInt to acknowledge")
			}
			return assert(w.root, w.a.ID(), hv.X64InterruptTypeExtInt, 0, 0x21)
		}},
		{hv.StatusInvalidPartitionState, "assert into inactive", deactivate2, func(t *testing.T, w *world) error {
			return assert(w.root, w.a.ID(), hv.X64InterruptTypeFixed, 0, 0x30)
		}},

		{hv.StatusSuccess, "clear", nil, func(t *testing.T, w *world) error {
			must(t, assert(w.root, w.a.ID(), hv.X64InterruptTypeExtInt, 0, 0x20))
			w.a.AcknowledgeExtInt()
			must(t, clr(w.root, w.a.ID()))
			return assert(w.root, w.a.ID(), hv.X64InterruptTypeExtInt, 0, 0x21)
		}},
		{hv.StatusAccessDenied, "clear a sibling", nil, func(t *testing.T, w *world) error { return clr(w.ac, w.b.ID()) }},
		{hv.StatusInvalidPartitionID, "clear nothing", nil, func(t *testing.T, w *world) error { return clr(w.root, 99) }},
		{hv.StatusNotAcknowledged, "clear unacknowledged", nil, func(t *testing.T, w *world) error { return clr(w.root, w.a.ID()) }},
		{hv.StatusInvalidPartitionState, "clear inactive", func(t *testing.T, w *world) {
			must(t, assert(w.root, w.a.ID(), hv.X64InterruptTypeExtInt, 0, 0x20))
			w.a.AcknowledgeExtInt()
			w.a.SetActive(false)
		}, func(t *testing.T, w *world) error { return clr(w.root, w.a.ID()) }},
	})
}
