package sim

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Limits the 2013 reference gives (HvInitializeEventLogBufferGroup).
const (
	maxGroupBuffers = 512
	maxBufferPages  = 512
	// groupPoolPages is what initializing a group takes from the caller's
	// pool for its bookkeeping. The reference says only that pages are taken;
	// the sim takes one.
	groupPoolPages = 1
	// mapPoolPages is what mapping a buffer takes (the reference lists
	// insufficient memory for the map call); the sim takes one.
	mapPoolPages = 1
)

var bufferHeaderSize = int(unsafe.Sizeof(hv.EventLogBufferHeader{}))

// group is an initialized event-log buffer group.
type group struct {
	typ        hv.EventLogType
	maxBuffers int
	pages      int
	threshold  int
	timeBasis  hv.EventLogEntryTimeBasis
	sources    uint64
	buffers    map[hv.EventLogBufferIndex]*buffer
	inUse      map[int]*buffer   // per logical processor; key 0 for the global class
	pending    map[int][]*buffer // completed, not yet reported
	lost       map[int]uint32    // events lost since the last completion
	local      bool
}

// buffer is one event-log buffer; mem starts with HV_EVENTLOG_BUFFER_HEADER.
type buffer struct {
	index  hv.EventLogBufferIndex
	mem    []byte
	mapped bool
	gpas   []uint64
}

func (b *buffer) header() *hv.EventLogBufferHeader {
	return (*hv.EventLogBufferHeader)(unsafe.Pointer(unsafe.SliceData(b.mem)))
}

// state and setState access BufferState atomically: readers poll it while the
// hypervisor runs.
func (b *buffer) state() hv.EventLogBufferState {
	return hv.EventLogBufferState(atomic.LoadUint32((*uint32)(unsafe.Pointer(&b.header().BufferState))))
}

func (b *buffer) setState(s hv.EventLogBufferState) {
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&b.header().BufferState)), uint32(s))
}

func (h *Hypervisor) group(t hv.EventLogType) *group {
	if int(t) < len(h.groups) {
		return h.groups[t]
	}
	return nil
}

// validType: HV_EVENTLOG_TYPE has GlobalSystemEvents and LocalDiagnostics.
func validType(t hv.EventLogType) bool {
	return t == hv.EventLogTypeGlobalSystemEvents || t == hv.EventLogTypeLocalDiagnostics
}

func (p *Partition) isRoot() bool { return p.Parent == 0 }

// initialized runs the checks most event-log calls start with, in the order
// their pages list them: the caller is the root, the type is valid, its group
// is initialized. It returns the group, or nil and the status to fail with.
func (h *Hypervisor) initialized(r *request, t hv.EventLogType) (*group, hv.Status) {
	switch {
	case !r.p.isRoot():
		return nil, hv.StatusAccessDenied
	case !validType(t):
		return nil, hv.StatusInvalidParameter
	case h.group(t) == nil:
		return nil, hv.StatusOperationDenied
	}
	return h.group(t), hv.StatusSuccess
}

func (h *Hypervisor) initializeGroup(r *request) hv.Status {
	in := input[hv.InitializeEventLogBufferGroupInput](r)
	switch {
	case !r.p.isRoot():
		return hv.StatusAccessDenied
	case !validType(in.Type),
		in.BufferPages < 1 || in.BufferPages > maxBufferPages,
		in.MaximumBufferCount < 1 || in.MaximumBufferCount > maxGroupBuffers,
		// The sim's reading of an "inappropriate" threshold: it must be
		// reachable, 1 to the maximum buffer count.
		in.Threshold < 1 || in.Threshold > in.MaximumBufferCount,
		in.TimeBasis != hv.EventLogEntryTimeReference && in.TimeBasis != hv.EventLogEntryTimeTSC:
		return hv.StatusInvalidParameter
	case h.group(in.Type) != nil:
		return hv.StatusObjectInUse
	case r.p.pool < groupPoolPages:
		return hv.StatusInsufficientMemory
	}
	r.p.pool -= groupPoolPages
	h.groups[in.Type] = &group{typ: in.Type, maxBuffers: int(in.MaximumBufferCount), pages: int(in.BufferPages),
		threshold: int(in.Threshold), timeBasis: in.TimeBasis, buffers: map[hv.EventLogBufferIndex]*buffer{},
		inUse: map[int]*buffer{}, pending: map[int][]*buffer{}, lost: map[int]uint32{},
		local: in.Type == hv.EventLogTypeLocalDiagnostics}
	return hv.StatusSuccess
}

func (h *Hypervisor) finalizeGroup(r *request) hv.Status {
	in := input[hv.FinalizeEventLogBufferGroupInput](r)
	switch {
	case !r.p.isRoot():
		return hv.StatusAccessDenied
	case !validType(in.Type):
		return hv.StatusInvalidParameter
	}
	g := h.group(in.Type)
	if g == nil || len(g.buffers) > 0 || g.sources != 0 {
		return hv.StatusOperationDenied
	}
	h.groups[in.Type] = nil
	r.p.pool += groupPoolPages
	return hv.StatusSuccess
}

func (h *Hypervisor) createBuffer(r *request) hv.Status {
	in := input[hv.CreateEventLogBufferInput](r)
	if !r.p.isRoot() {
		return hv.StatusAccessDenied
	}
	if !validType(in.Type) || in.ProximityInfo.Flags&hv.ProximityDomainFlagsReservedMask != 0 {
		return hv.StatusInvalidParameter
	}
	g := h.group(in.Type)
	if g == nil {
		return hv.StatusOperationDenied
	}
	if int(in.BufferIndex) >= g.maxBuffers || g.buffers[in.BufferIndex] != nil {
		return hv.StatusInvalidParameter
	}
	if r.p.pool < g.pages {
		return hv.StatusInsufficientMemory
	}
	r.p.pool -= g.pages
	b := &buffer{index: in.BufferIndex, mem: make([]byte, g.pages*hvPageSize)}
	hd := b.header()
	hd.BufferSize = uint32(len(b.mem))
	hd.BufferIndex = in.BufferIndex
	hd.Type = in.Type
	hd.NextBufferIndex = hv.EventLogBufferIndexNone
	b.setState(hv.EventLogBufferStateStandby)
	g.buffers[in.BufferIndex] = b
	return hv.StatusSuccess
}

const hvPageSize = 4096

func (h *Hypervisor) deleteBuffer(r *request) hv.Status {
	in := input[hv.DeleteEventLogBufferInput](r)
	g, st := h.initialized(r, in.Type)
	if g == nil {
		return st
	}
	b := g.buffers[in.BufferIndex]
	switch {
	case b == nil:
		return hv.StatusInvalidParameter
	case b.mapped:
		return hv.StatusOperationDenied
	}
	delete(g.buffers, in.BufferIndex)
	r.p.pool += g.pages
	return hv.StatusSuccess
}

func (h *Hypervisor) mapBuffer(r *request) hv.Status {
	in := input[hv.MapEventLogBufferInput](r)
	g, st := h.initialized(r, in.Type)
	if g == nil {
		return st
	}
	b := g.buffers[in.BufferIndex]
	switch {
	case b == nil:
		return hv.StatusInvalidParameter
	case b.mapped:
		return hv.StatusOperationDenied
	case r.p.pool < mapPoolPages:
		return hv.StatusInsufficientMemory
	}
	r.p.pool -= mapPoolPages
	b.mapped = true
	b.gpas = b.gpas[:0]
	for i := range g.pages {
		gpa := h.nextGPA
		h.nextGPA++
		b.gpas = append(b.gpas, gpa)
		r.p.gpa[gpa] = b.mem[i*hvPageSize : (i+1)*hvPageSize : (i+1)*hvPageSize]
		binary.LittleEndian.PutUint64(r.out[8*i:], gpa)
	}
	b.setState(hv.EventLogBufferStateFree) // mapped buffers go on the free list
	return hv.StatusSuccess
}

func (h *Hypervisor) unmapBuffer(r *request) hv.Status {
	in := input[hv.UnmapEventLogBufferInput](r)
	if !r.p.isRoot() {
		return hv.StatusAccessDenied
	}
	if !validType(in.Type) {
		return hv.StatusInvalidParameter
	}
	g := h.group(in.Type)
	var b *buffer
	if g != nil {
		b = g.buffers[in.BufferIndex]
	}
	// The page lists no status for a missing group or buffer; its second
	// ACCESS_DENIED condition (not free and not ready) covers them here.
	if b == nil || !b.mapped || (b.state() != hv.EventLogBufferStateFree && b.state() != hv.EventLogBufferStateReady) {
		return hv.StatusAccessDenied
	}
	b.mapped = false
	for _, gpa := range b.gpas {
		delete(r.p.gpa, gpa)
	}
	r.p.pool += mapPoolPages
	b.setState(hv.EventLogBufferStateStandby)
	return hv.StatusSuccess
}

func (h *Hypervisor) setGroupSources(r *request) hv.Status {
	in := input[hv.SetEventLogGroupSourcesInput](r)
	g, st := h.initialized(r, in.Type)
	if g == nil {
		return st
	}
	g.sources = in.EnableFlags
	return hv.StatusSuccess
}

func (h *Hypervisor) releaseBuffer(r *request) hv.Status {
	in := input[hv.ReleaseEventLogBufferInput](r)
	g, st := h.initialized(r, in.Type)
	if g == nil {
		return st
	}
	b := g.buffers[in.BufferIndex]
	if b == nil || b.state() != hv.EventLogBufferStateReady {
		return hv.StatusOperationDenied
	}
	b.header().NextBufferIndex = hv.EventLogBufferIndexNone
	b.setState(hv.EventLogBufferStateFree)
	return hv.StatusSuccess
}

func (h *Hypervisor) flushBuffer(r *request) hv.Status {
	in := input[hv.FlushEventLogBufferInput](r)
	g, st := h.initialized(r, in.Type)
	if g == nil {
		return st
	}
	if g.buffers[in.BufferIndex] == nil {
		return hv.StatusInvalidParameter
	}
	// Complete every active buffer of the type and report all pending ones.
	for lp, b := range g.inUse {
		h.complete(g, lp, b)
	}
	for lp := range g.pending {
		h.report(g, lp)
	}
	return hv.StatusSuccess
}

// complete moves the active buffer of lp to the pending list.
func (h *Hypervisor) complete(g *group, lp int, b *buffer) {
	delete(g.inUse, lp)
	b.setState(hv.EventLogBufferStateComplete)
	g.pending[lp] = append(g.pending[lp], b)
	if len(g.pending[lp]) >= g.threshold {
		h.report(g, lp)
	}
}

// report makes the pending buffers of lp ready, links them through
// NextBufferIndex in completion order and posts a buffers-ready message.
func (h *Hypervisor) report(g *group, lp int) {
	list := g.pending[lp]
	if len(list) == 0 {
		return
	}
	delete(g.pending, lp)
	for i, b := range list {
		next := hv.EventLogBufferIndexNone
		if i+1 < len(list) {
			next = list[i+1].index
		}
		b.header().NextBufferIndex = next
		b.setState(hv.EventLogBufferStateReady)
	}
	h.messages = append(h.messages, hv.EventLogMessagePayload{EventLogType: g.typ, BufferIndex: list[0].index})
	h.msgReady.Broadcast()
}

// Log records one event of a type from a logical processor, as the
// hypervisor would when the source is enabled. It returns false when the
// event is not recorded: logging of the type is off (no group or no source
// enabled), the entry is larger than a buffer, or no buffer is free (then it
// is counted in the next buffer's EventsLost).
func (h *Hypervisor) Log(t hv.EventLogType, lp int, entry hv.EntryType, context uint32, params ...uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := h.group(t)
	if g == nil || g.sources == 0 {
		return false
	}
	if !g.local {
		lp = 0 // one active buffer for the global class
	}
	size := 16 + 8*len(params)
	if size > g.pages*hvPageSize-bufferHeaderSize || size > 0xffff {
		return false
	}
	b := g.inUse[lp]
	if b != nil && int(b.header().NextBufferOffset)+size > len(b.mem) {
		h.complete(g, lp, b)
		b = nil
	}
	if b == nil {
		if b = g.takeFree(); b == nil {
			g.lost[lp]++
			return false
		}
		hd := b.header()
		hd.EventsLost, g.lost[lp] = g.lost[lp], 0
		hd.TimeStamp = h.now.Load()
		hd.LogicalProcessor = uint8(lp)
		hd.NextBufferIndex = hv.EventLogBufferIndexNone
		atomic.StoreUint32(&hd.NextBufferOffset, uint32(bufferHeaderSize))
		b.setState(hv.EventLogBufferStateInUse)
		g.inUse[lp] = b
	}
	hd := b.header()
	off := int(hd.NextBufferOffset)
	e := (*hv.EventLogEntryHeader)(unsafe.Pointer(&b.mem[off]))
	e.Context, e.Size, e.Type = context, uint16(size), uint16(entry)
	e.TimeStamp = h.timestamp(g)
	for i, v := range params {
		binary.LittleEndian.PutUint64(b.mem[off+16+8*i:], v)
	}
	// Publish the entry only after it is written: readers trust everything
	// below NextBufferOffset.
	atomic.StoreUint32(&hd.NextBufferOffset, uint32(off+size))
	return true
}

// timestamp is the entry time in the group's time basis.
func (h *Hypervisor) timestamp(g *group) uint64 {
	now := h.now.Load()
	if g.timeBasis == hv.EventLogEntryTimeTSC {
		return now * (h.cfg.TimeBasisTSCHz / 10_000_000)
	}
	return now
}

// takeFree returns a free buffer with the lowest index, or nil.
func (g *group) takeFree() *buffer {
	var best *buffer
	for _, b := range g.buffers {
		if b.mapped && b.state() == hv.EventLogBufferStateFree && (best == nil || b.index < best.index) {
			best = b
		}
	}
	return best
}

// Buffer returns a copy of an event-log buffer's memory, for tests and dumps.
func (h *Hypervisor) Buffer(t hv.EventLogType, index hv.EventLogBufferIndex) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if g := h.group(t); g != nil && g.buffers[index] != nil {
		return append([]byte(nil), g.buffers[index].mem...)
	}
	return nil
}

// PendingLost returns the events lost that no buffer header reports yet
// (they go into the EventsLost of the next buffer to become in use).
func (h *Hypervisor) PendingLost(t hv.EventLogType) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var n uint64
	if g := h.group(t); g != nil {
		for _, v := range g.lost {
			n += uint64(v)
		}
	}
	return n
}
