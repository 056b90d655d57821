package engine

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// Limits the 2013 reference gives (HvInitializeEventLogBufferGroup).
const (
	maxGroupBuffers = 512
	maxBufferPages  = 512
	// groupPoolPages is what initializing a group takes from the caller's
	// pool for its bookkeeping. The reference says only that pages are taken;
	// the sim takes one.
	groupPoolPages = sim.GroupPoolPages
	// mapPoolPages is what mapping a buffer takes (the reference lists
	// insufficient memory for the map call); the sim takes one.
	mapPoolPages = sim.BufferMapPoolPages
)

// EventLog is the event log: its buffer groups, their buffers and the
// buffers-ready messages posted to the root. It has a lock of its own, so
// that the hypervisor logs events while calls run; a call's handler takes
// it after the hypervisor's lock.
type EventLog struct {
	h        *Hypervisor
	mu       sync.Mutex
	groups   [2]*group // by HV_EVENTLOG_TYPE
	messages []hv.EventLogMessagePayload
	ready    *sync.Cond // on mu: a message was posted
}

func (e *EventLog) init() { e.ready = sync.NewCond(&e.mu) }

// EventLog returns the hypervisor's event log.
func (h *Hypervisor) EventLog() *EventLog { return &h.events }

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

func (e *EventLog) group(t hv.EventLogType) *group {
	if int(t) < len(e.groups) {
		return e.groups[t]
	}
	return nil
}

// validType: HV_EVENTLOG_TYPE has GlobalSystemEvents and LocalDiagnostics.
func validType(t hv.EventLogType) bool {
	return t == hv.EventLogTypeGlobalSystemEvents || t == hv.EventLogTypeLocalDiagnostics
}

// initialized runs the checks most event-log calls start with, in the order
// their pages list them: the caller is the root, the type is valid, its group
// is initialized. It returns the group, or nil and the status to fail with.
func (e *EventLog) initialized(r *request, t hv.EventLogType) (*group, hv.Status) {
	switch {
	case !r.p.isRoot():
		return nil, hv.StatusAccessDenied
	case !validType(t):
		return nil, hv.StatusInvalidParameter
	case e.group(t) == nil:
		return nil, hv.StatusOperationDenied
	}
	return e.group(t), hv.StatusSuccess
}

func (e *EventLog) initializeGroup(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
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
	case e.group(in.Type) != nil:
		return hv.StatusObjectInUse
	case r.p.pool < groupPoolPages:
		return hv.StatusInsufficientMemory
	}
	r.p.pool -= groupPoolPages
	e.groups[in.Type] = &group{typ: in.Type, maxBuffers: int(in.MaximumBufferCount), pages: int(in.BufferPages),
		threshold: int(in.Threshold), timeBasis: in.TimeBasis, buffers: map[hv.EventLogBufferIndex]*buffer{},
		inUse: map[int]*buffer{}, pending: map[int][]*buffer{}, lost: map[int]uint32{},
		local: in.Type == hv.EventLogTypeLocalDiagnostics}
	return hv.StatusSuccess
}

func (e *EventLog) finalizeGroup(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.FinalizeEventLogBufferGroupInput](r)
	switch {
	case !r.p.isRoot():
		return hv.StatusAccessDenied
	case !validType(in.Type):
		return hv.StatusInvalidParameter
	}
	g := e.group(in.Type)
	if g == nil || len(g.buffers) > 0 || g.sources != 0 {
		return hv.StatusOperationDenied
	}
	e.groups[in.Type] = nil
	r.p.pool += groupPoolPages
	return hv.StatusSuccess
}

func (e *EventLog) createBuffer(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.CreateEventLogBufferInput](r)
	if !r.p.isRoot() {
		return hv.StatusAccessDenied
	}
	if !validType(in.Type) || in.ProximityInfo.Flags&hv.ProximityDomainFlagsReservedMask != 0 {
		return hv.StatusInvalidParameter
	}
	g := e.group(in.Type)
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

func (e *EventLog) deleteBuffer(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.DeleteEventLogBufferInput](r)
	g, st := e.initialized(r, in.Type)
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

func (e *EventLog) mapBuffer(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.MapEventLogBufferInput](r)
	g, st := e.initialized(r, in.Type)
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
		gpa := e.h.guest.fresh()
		b.gpas = append(b.gpas, gpa)
		r.p.gpa[gpa] = b.mem[i*hvPageSize : (i+1)*hvPageSize : (i+1)*hvPageSize]
		binary.LittleEndian.PutUint64(r.out[8*i:], gpa)
	}
	b.setState(hv.EventLogBufferStateFree) // mapped buffers go on the free list
	return hv.StatusSuccess
}

func (e *EventLog) unmapBuffer(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.UnmapEventLogBufferInput](r)
	if !r.p.isRoot() {
		return hv.StatusAccessDenied
	}
	if !validType(in.Type) {
		return hv.StatusInvalidParameter
	}
	g := e.group(in.Type)
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

func (e *EventLog) setGroupSources(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.SetEventLogGroupSourcesInput](r)
	g, st := e.initialized(r, in.Type)
	if g == nil {
		return st
	}
	g.sources = in.EnableFlags
	return hv.StatusSuccess
}

func (e *EventLog) releaseBuffer(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.ReleaseEventLogBufferInput](r)
	g, st := e.initialized(r, in.Type)
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

func (e *EventLog) flushBuffer(r *request) hv.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := input[hv.FlushEventLogBufferInput](r)
	g, st := e.initialized(r, in.Type)
	if g == nil {
		return st
	}
	if g.buffers[in.BufferIndex] == nil {
		return hv.StatusInvalidParameter
	}
	// Complete every active buffer of the type and report all pending ones.
	for lp, b := range g.inUse {
		e.complete(g, lp, b)
	}
	for lp := range g.pending {
		e.report(g, lp)
	}
	return hv.StatusSuccess
}

// complete moves the active buffer of lp to the pending list.
func (e *EventLog) complete(g *group, lp int, b *buffer) {
	delete(g.inUse, lp)
	b.setState(hv.EventLogBufferStateComplete)
	g.pending[lp] = append(g.pending[lp], b)
	if len(g.pending[lp]) >= g.threshold {
		e.report(g, lp)
	}
}

// report makes the pending buffers of lp ready, links them through
// NextBufferIndex in completion order and posts a buffers-ready message.
func (e *EventLog) report(g *group, lp int) {
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
	e.messages = append(e.messages, hv.EventLogMessagePayload{EventLogType: g.typ, BufferIndex: list[0].index})
	e.ready.Broadcast()
}

// Log records one event of a type from a logical processor, as the
// hypervisor would when the source is enabled. It returns false when the
// event is not recorded: logging of the type is off (no group or no source
// enabled), the entry is larger than a buffer, or no buffer is free (then it
// is counted in the next buffer's EventsLost).
func (e *EventLog) Log(typ uint32, lp int, entry uint16, context uint32, params ...uint64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.group(hv.EventLogType(typ))
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
		e.complete(g, lp, b)
		b = nil
	}
	if b == nil {
		if b = g.takeFree(); b == nil {
			g.lost[lp]++
			return false
		}
		hd := b.header()
		hd.EventsLost, g.lost[lp] = g.lost[lp], 0
		hd.TimeStamp = e.h.now.Load()
		hd.LogicalProcessor = uint8(lp)
		hd.NextBufferIndex = hv.EventLogBufferIndexNone
		atomic.StoreUint32(&hd.NextBufferOffset, uint32(bufferHeaderSize))
		b.setState(hv.EventLogBufferStateInUse)
		g.inUse[lp] = b
	}
	hd := b.header()
	off := int(hd.NextBufferOffset)
	eh := (*hv.EventLogEntryHeader)(unsafe.Pointer(&b.mem[off]))
	eh.Context, eh.Size, eh.Type = context, uint16(size), entry
	eh.TimeStamp = e.timestamp(g)
	for i, v := range params {
		binary.LittleEndian.PutUint64(b.mem[off+16+8*i:], v)
	}
	// Publish the entry only after it is written: readers trust everything
	// below NextBufferOffset.
	atomic.StoreUint32(&hd.NextBufferOffset, uint32(off+size))
	return true
}

// timestamp is the entry time in the group's time basis.
func (e *EventLog) timestamp(g *group) uint64 {
	now := e.h.now.Load()
	if g.timeBasis == hv.EventLogEntryTimeTSC {
		return now * (e.h.cfg.TimeBasisTSCHz / 10_000_000)
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
func (e *EventLog) Buffer(typ, index uint32) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	if g := e.group(hv.EventLogType(typ)); g != nil && g.buffers[hv.EventLogBufferIndex(index)] != nil {
		return append([]byte(nil), g.buffers[hv.EventLogBufferIndex(index)].mem...)
	}
	return nil
}

// PendingLost returns the events lost that no buffer header reports yet
// (they go into the EventsLost of the next buffer to become in use).
func (e *EventLog) PendingLost(typ uint32) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var n uint64
	if g := e.group(hv.EventLogType(typ)); g != nil {
		for _, v := range g.lost {
			n += uint64(v)
		}
	}
	return n
}

// NextMessage waits for the next buffers-ready message posted to the root
// partition, or returns false when none is pending and wait is false. It
// returns the message's HV_EVENTLOG_TYPE and first buffer index.
func (e *EventLog) NextMessage(wait bool) (typ, index uint32, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.messages) == 0 {
		if !wait {
			return 0, 0, false
		}
		e.ready.Wait()
	}
	m := e.messages[0]
	e.messages = e.messages[1:]
	return uint32(m.EventLogType), uint32(m.BufferIndex), true
}

// MemoryRange returns what the partition sees at pages consecutive GPA
// pages from gpaPage when one overlay backs them all: a multi-page
// event-log buffer, whose pages the map call hands out as consecutive GPA
// pages over one contiguous buffer, or a single overlay page. It is a live
// view, not a copy: the hypervisor goes on writing entries, publishing each
// through the header's NextBufferOffset (load it atomically, as
// eventlog.Buffer.Tail does). It returns nil when the range is not one
// overlay.
func (p *Partition) MemoryRange(gpaPage uint64, pages int) []byte {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	if pages < 1 {
		return nil
	}
	e := &p.h.events
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, g := range e.groups {
		if g == nil || !p.isRoot() {
			continue
		}
		for _, b := range g.buffers {
			if !b.mapped || len(b.gpas) == 0 || gpaPage < b.gpas[0] || gpaPage-b.gpas[0]+uint64(pages) > uint64(len(b.gpas)) {
				continue
			}
			first := int(gpaPage - b.gpas[0])
			for i := first; i < first+pages; i++ {
				if b.gpas[i] != b.gpas[0]+uint64(i) {
					return nil // not consecutive: the sim's map call never does this
				}
			}
			return b.mem[first*hvPageSize : (first+pages)*hvPageSize : (first+pages)*hvPageSize]
		}
	}
	if pages == 1 {
		return p.gpa[gpaPage]
	}
	return nil
}
