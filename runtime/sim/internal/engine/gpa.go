package engine

import (
	"encoding/binary"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// The GPA model: the root's RAM pages are system pages at the same number
// (identity mapped); a parent maps its pages into a child's GPA space with
// HvCallMapGpaPages; each page's contents live once, per system page, so a
// write through one mapping is seen through every other. Overlays (stats
// pages, SynIC pages) cover a GPA page whatever is mapped beneath.

// gpaMapping is one child GPA page: the system page behind it and its rights.
type gpaMapping struct {
	spa   uint64
	flags hv.MapGPAFlags
}

const (
	fullAccess = hv.MapGPAReadable | hv.MapGPAWritable | hv.MapGPAExecutable
	// maxGPAPage bounds every GPA space: 2^40 bytes (the sim's choice).
	maxGPAPage = 1 << 28
	// regionPages is how many GPA pages share one page-table page, which
	// the sim takes from the target's pool while any page in the region is
	// mapped.
	regionPages = sim.RegionPages
	// largePage is how many 4 KiB pages a 2 MB page covers.
	largePage = 512
	// noFrame is the system page of a GPA page mapped with no access and
	// no page behind it (linux-7.0's HV_MAP_GPA_NO_ACCESS).
	noFrame = ^uint64(0)
)

// guestMemory is GPA mapping and access: the system pages behind mapped GPA
// pages, shared by every mapping of them.
type guestMemory struct {
	h       *Hypervisor
	frames  map[uint64][]byte // system page -> its contents (allocated on first write)
	shared  map[uint64]int    // system page -> child GPA pages mapping it
	nextGPA uint64            // the next fresh page number (GiveRAM, overlays)
}

func (g *guestMemory) init() {
	g.frames, g.shared, g.nextGPA = map[uint64][]byte{}, map[uint64]int{}, 0x100000
}

// fresh returns a page number no partition has used.
func (g *guestMemory) fresh() uint64 {
	n := g.nextGPA
	g.nextGPA++
	return n
}

// Memory returns what the partition sees at a GPA page it had the
// hypervisor map (an event-log buffer page, a statistics page, a SynIC
// page), or nil.
func (p *Partition) Memory(gpaPage uint64) []byte {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.gpa[gpaPage]
}

// rights returns the access the root has to one of its RAM pages.
func (p *Partition) rights(gpa uint64) hv.MapGPAFlags {
	if a, ok := p.access[gpa]; ok {
		return a
	}
	return fullAccess
}

// source resolves a page of the caller's GPA space to a system page.
func (g *guestMemory) source(p *Partition, gpa uint64) (uint64, bool) {
	if p.isRoot() {
		return gpa, p.ram[gpa]
	}
	m, ok := p.gmap[gpa]
	return m.spa, ok
}

// validFlags: only the three access bits are defined, and the sim takes write
// or execute without read as an invalid combination.
func validFlags(f hv.MapGPAFlags) bool {
	return f&^fullAccess == 0 && (f == 0 || f&hv.MapGPAReadable != 0)
}

// mapTarget runs the header checks of the map calls in the order of their
// status tables.
func (g *guestMemory) mapTarget(r *request, id hv.PartitionID, flags hv.MapGPAFlags) (*Partition, hv.Status) {
	t, st := g.h.target(r, id, r.p.isRoot()) // the parent, or the root naming itself
	switch {
	case t == nil:
		return nil, st
	case !validFlags(flags):
		return nil, hv.StatusInvalidParameter
	case !t.active:
		return nil, hv.StatusInvalidPartitionState
	}
	return t, hv.StatusSuccess
}

// mapOne maps one page. For the root naming itself only the rights of its
// identity mapping change.
func (g *guestMemory) mapOne(r *request, t *Partition, tgt, src uint64, flags hv.MapGPAFlags) hv.Status {
	if t == r.p {
		switch {
		case tgt != src, !r.p.ram[src]:
			return hv.StatusAccessDenied
		case t.gpa[tgt] != nil:
			return hv.StatusObjectInUse
		}
		if flags == fullAccess {
			delete(t.access, tgt)
		} else {
			t.access[tgt] = flags
		}
		return hv.StatusSuccess
	}
	if tgt >= maxGPAPage || src >= maxGPAPage {
		return hv.StatusInvalidParameter
	}
	spa, ok := g.source(r.p, src)
	if r.ext.noAccess {
		spa, ok = noFrame, true // the source is not read: every access intercepts
	}
	if !ok {
		return hv.StatusOperationDenied
	}
	_, remap := t.gmap[tgt]
	switch {
	case !remap && t.regions[tgt/regionPages] == 0 && t.pool < 1:
		return hv.StatusInsufficientMemory
	case t.gpa[tgt] != nil:
		return hv.StatusObjectInUse
	}
	if remap {
		g.unmapPage(t, tgt)
	}
	if t.regions[tgt/regionPages] == 0 {
		t.pool--
	}
	t.regions[tgt/regionPages]++
	t.gmap[tgt] = gpaMapping{spa: spa, flags: flags}
	if spa != noFrame {
		g.shared[spa]++
	}
	t.gpaChanged()
	return hv.StatusSuccess
}

func (g *guestMemory) unmapPage(t *Partition, gpa uint64) {
	m, ok := t.gmap[gpa]
	if !ok {
		return
	}
	delete(t.gmap, gpa)
	t.gpaChanged()
	if m.spa != noFrame {
		if g.shared[m.spa]--; g.shared[m.spa] == 0 {
			delete(g.shared, m.spa)
		}
	}
	reg := gpa / regionPages
	if t.regions[reg]--; t.regions[reg] == 0 {
		delete(t.regions, reg)
		t.pool++
	}
}

// span is how many 4 KiB pages one rep of a map or unmap call covers: 512
// for the 2 MB pages of linux-7.0's HV_MAP_GPA_LARGE_PAGE, whose target and
// source page numbers must then be 2 MB aligned.
func span(r *request) uint64 {
	if r.ext.largePages {
		return largePage
	}
	return 1
}

func (g *guestMemory) mapGPAPages(r *request) hv.Status {
	h := g.h
	in := input[hv.MapGPAPagesInput](r)
	flags := in.MapFlags
	if r.ext.accessSet {
		flags = r.ext.access
	}
	t, st := g.mapTarget(r, in.TargetPartitionID, flags)
	if t == nil {
		return st
	}
	base, n := uint64(in.TargetGPABase), span(r)
	if base%n != 0 {
		return hv.StatusInvalidParameter
	}
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		src := binary.LittleEndian.Uint64(r.in[24+8*i:])
		if src%n != 0 {
			r.done = i
			return hv.StatusInvalidParameter
		}
		for k := range n {
			if st := g.mapOne(r, t, base+uint64(i)*n+k, src+k, flags); st != hv.StatusSuccess {
				r.done = i
				return st
			}
		}
	}
	r.done = end
	return hv.StatusSuccess
}

func (g *guestMemory) mapSparseGPAPages(r *request) hv.Status {
	h := g.h
	in := input[hv.MapSparseGPAPagesInput](r)
	t, st := g.mapTarget(r, in.TargetPartitionID, in.MapFlags)
	if t == nil {
		return st
	}
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		m := (*hv.GPAMapping)(unsafe.Pointer(&r.in[16+16*i]))
		if st := g.mapOne(r, t, uint64(m.TargetGPAPageNumber), uint64(m.SourceGPAPageNumber), in.MapFlags); st != hv.StatusSuccess {
			r.done = i
			return st
		}
	}
	r.done = end
	return hv.StatusSuccess
}

func (g *guestMemory) unmapGPAPages(r *request) hv.Status {
	h := g.h
	in := input[hv.UnmapGPAPagesInput](r)
	t, st := h.target(r, in.TargetPartitionID, false) // the root naming itself is not its own parent: denied
	base, n := uint64(in.TargetGPABase), span(r)
	switch {
	case t == nil:
		return st
	case base%n != 0:
		return hv.StatusInvalidParameter
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		for k := range n {
			gpa := base + uint64(i)*n + k
			switch {
			case gpa >= maxGPAPage:
				r.done = i
				return hv.StatusInvalidParameter
			case t.gpa[gpa] != nil:
				r.done = i
				return hv.StatusObjectInUse
			}
		}
		for k := range n {
			g.unmapPage(t, base+uint64(i)*n+k) // an unmapped page stays unmapped: success
		}
	}
	r.done = end
	return hv.StatusSuccess
}

// accessTarget runs the checks of the GPA access calls.
func (g *guestMemory) accessTarget(r *request, id hv.PartitionID, idx hv.VPIndex, n uint32, gpa hv.GPA, flags hv.AccessGPAControlFlags) (*Partition, hv.Status) {
	t, v, st := g.h.vpTarget(r, id, idx, false)
	switch {
	case v == nil:
		return nil, st
	case uint64(gpa)/hvPageSize >= maxGPAPage, n == 0, n > 16, uint64(gpa)%hvPageSize+uint64(n) > hvPageSize,
		flags&hv.AccessGPAControlFlagsReservedMask != 0, !known(flags.CacheType().String()):
		return nil, hv.StatusInvalidParameter
	case !t.active:
		return nil, hv.StatusInvalidPartitionState
	}
	return t, hv.StatusSuccess
}

// guestBytes finds the memory behind a child GPA page: an overlay, or the
// mapped system page (allocated on first use). write says the caller means
// to write; it returns the result code of the access.
func (g *guestMemory) guestBytes(t *Partition, page uint64, write bool) ([]byte, hv.AccessGPAResultCode) {
	if o := t.gpa[page]; o != nil {
		if write && !t.isSynicPage(page) {
			return nil, hv.AccessGPAIllegalOverlayAccess // stats pages are read-only
		}
		return o, hv.AccessGPASuccess
	}
	m, ok := t.gmap[page]
	switch {
	case !ok:
		return nil, hv.AccessGPAUnmapped
	case !write && m.flags&hv.MapGPAReadable == 0:
		return nil, hv.AccessGPAReadIntercept
	case write && m.flags&hv.MapGPAWritable == 0:
		return nil, hv.AccessGPAWriteIntercept
	}
	return g.frame(m.spa), hv.AccessGPASuccess
}

func (g *guestMemory) frame(spa uint64) []byte {
	f := g.frames[spa]
	if f == nil {
		f = make([]byte, hvPageSize)
		g.frames[spa] = f
	}
	return f
}

func (p *Partition) isSynicPage(page uint64) bool {
	for _, v := range p.vp {
		if v.sim != nil && v.simGPA == page || v.sief != nil && v.siefGPA == page {
			return true
		}
	}
	return false
}

func (g *guestMemory) readGPA(r *request) hv.Status {
	in := input[hv.ReadGPAInput](r)
	t, st := g.accessTarget(r, in.PartitionID, in.VPIndex, in.ByteCount, in.BaseGPA, in.ControlFlags)
	if t == nil {
		return st
	}
	out := (*hv.ReadGPAOutput)(outPtr(r))
	mem, res := g.guestBytes(t, uint64(in.BaseGPA)/hvPageSize, false)
	*out.AccessResult.ResultCode() = res
	if mem != nil {
		var data [16]byte
		off := uint64(in.BaseGPA) % hvPageSize
		copy(data[:in.ByteCount], mem[off:])
		out.DataLow, out.DataHigh = binary.LittleEndian.Uint64(data[:]), binary.LittleEndian.Uint64(data[8:])
	}
	return hv.StatusSuccess
}

func (g *guestMemory) writeGPA(r *request) hv.Status {
	in := input[hv.WriteGPAInput](r)
	t, st := g.accessTarget(r, in.PartitionID, in.VPIndex, in.ByteCount, in.BaseGPA, in.ControlFlags)
	if t == nil {
		return st
	}
	out := (*hv.WriteGPAOutput)(outPtr(r))
	mem, res := g.guestBytes(t, uint64(in.BaseGPA)/hvPageSize, true)
	*out.AccessResult.ResultCode() = res
	if mem != nil {
		var data [16]byte
		binary.LittleEndian.PutUint64(data[:], in.DataLow)
		binary.LittleEndian.PutUint64(data[8:], in.DataHigh)
		copy(mem[uint64(in.BaseGPA)%hvPageSize:], data[:in.ByteCount])
	}
	return hv.StatusSuccess
}

// translateFlags are the HV_TRANSLATE_GVA_* control bits the registry defines.
const translateFlags = hv.TranslateGVAValidateRead | hv.TranslateGVAValidateWrite | hv.TranslateGVAValidateExecute |
	hv.TranslateGVAPrivilegeExempt | hv.TranslateGVASetPageTableBits | hv.TranslateGVATLBFlushInhibit

func (g *guestMemory) translateVirtualAddress(r *request) hv.Status {
	in := input[hv.TranslateVirtualAddressInput](r)
	t, v, st := g.h.vpTarget(r, in.PartitionID, in.VPIndex, false)
	flags := hv.TranslateGVAControlFlags(in.ControlFlags)
	switch {
	case v == nil:
		return st
	case flags&(hv.TranslateGVAValidateRead|hv.TranslateGVAValidateWrite|hv.TranslateGVAValidateExecute) == 0,
		flags&^translateFlags != 0:
		return hv.StatusInvalidParameter
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	out := (*hv.TranslateVirtualAddressOutput)(outPtr(r))
	code, gpa := g.walk(t, v, uint64(in.GVAPage), flags)
	out.TranslationResult.SetResultCode(code)
	out.GPAPage = hv.GPAPageNumber(gpa)
	if code == hv.TranslateGVASuccess {
		out.TranslationResult.SetOverlayPage(t.gpa[gpa] != nil)
	}
	return hv.StatusSuccess
}

// walk translates a GVA page as the VP's state says: with CR0.PG clear the
// GVA is the GPA; with it set, through the four-level x64 page tables at CR3
// (the sim models long mode paging only). Then the GPA page's rights are
// checked against what the caller asked to validate.
func (g *guestMemory) walk(t *Partition, v *vp, gva uint64, flags hv.TranslateGVAControlFlags) (hv.TranslateGVAResultCode, uint64) {
	reg := func(n hv.RegisterName) uint64 { x := v.regs[n]; return *x.Reg64() }
	gpa := gva
	if reg(hv.X64RegisterCr0)&(1<<31) != 0 {
		table := reg(hv.X64RegisterCr3) >> 12 & (maxGPAPage - 1)
		va := gva << 12
		for level := 3; level >= 0; level-- {
			mem, res := g.guestBytes(t, table, false)
			if res != hv.AccessGPASuccess {
				return hv.TranslateGVAGPAUnmapped, table
			}
			e := binary.LittleEndian.Uint64(mem[8*(va>>(12+9*level)&511):])
			switch {
			case e&1 == 0:
				return hv.TranslateGVAPageNotPresent, 0
			case flags&hv.TranslateGVAValidateWrite != 0 && e&2 == 0,
				flags&hv.TranslateGVAValidateExecute != 0 && e&(1<<63) != 0:
				return hv.TranslateGVAPrivilegeViolation, 0
			}
			next := e >> 12 & (1<<40 - 1)
			if level > 0 && level < 3 && e&(1<<7) != 0 { // a 1 GB or 2 MB page
				span := uint64(1) << (9 * level)
				gpa = next&^(span-1) | gva&(span-1)
				break
			}
			table, gpa = next, next
		}
	}
	m, mapped := t.gmap[gpa]
	switch {
	case t.gpa[gpa] != nil:
		return hv.TranslateGVASuccess, gpa
	case !mapped:
		return hv.TranslateGVAGPAUnmapped, gpa
	case flags&hv.TranslateGVAValidateRead != 0 && m.flags&hv.MapGPAReadable == 0:
		return hv.TranslateGVAGPANoReadAccess, gpa
	case flags&hv.TranslateGVAValidateWrite != 0 && m.flags&hv.MapGPAWritable == 0:
		return hv.TranslateGVAGPANoWriteAccess, gpa
	}
	return hv.TranslateGVASuccess, gpa
}

// gpaChanged counts a change of the partition's GPA space on its page.
func (t *Partition) gpaChanged() {
	t.gpaMods++
	t.stats.put(srcPtGpaModifications, t.gpaMods)
	t.stats.put(srcPtGpaPages, uint64(len(t.gmap)))
	t.stats.put(srcPtGpaPages4K, uint64(len(t.gmap)))
}
