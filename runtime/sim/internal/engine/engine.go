// Package engine is the simulated hypervisor behind the per-version packages
// of runtime/sim (wdk2013sim, tlfssim, linux70sim). It works on plain values:
// partition ids are uint64, VP indexes uint32, GPA page numbers uint64, and a
// Version (version.go) says which call codes, encodings, register names and
// property codes it answers to. The facades give those values their
// version's types.
//
// The Hypervisor composes one type per concern, each with the handlers of
// its calls and the state that is its own:
//
//	lifecycle    partition.go  create, initialize, finalize, delete; properties
//	memoryPools  pool.go       deposit, withdraw, balance; a partition's RAM
//	guestMemory  gpa.go        GPA mapping, access and translation; system pages
//	processors   vp.go         VPs and their registers; the calls about processors
//	interrupts   interrupt.go  intercepts and virtual interrupts
//	messaging    port.go       ports, connections, messages and events
//	statistics   stats.go      statistics pages and what they show
//	eventLog     eventlog.go   event-log groups, buffers and messages
//	scheduler    sched.go      VPs on logical processors, run and wait times
//
// Locking: Hypervisor.mu guards the partitions and everything they own; a
// handler runs with it held. The event log has a lock of its own (the
// hypervisor logs events while calls run), always taken after
// Hypervisor.mu when both are needed. Statistics pages are written with
// atomic stores, so that a reader of a mapped page needs no lock.
//
// The handlers read the 2013 parameter layouts (generated/wdk2013); a
// version whose layouts differ rewrites its input into them in an adapt step
// (tlfs.go, linux70.go) after checking its own reserved fields, and passes
// what they cannot carry in request.ext.
package engine

import (
	"sort"
	"sync"
	"sync/atomic"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// Hypervisor is the simulated hypervisor.
type Hypervisor struct {
	mu        sync.Mutex
	cfg       sim.Config
	ver       *Version
	now       atomic.Uint64 // reference time, 100 ns units
	repBudget int

	partitions map[hv.PartitionID]*Partition
	nextID     hv.PartitionID
	counts     [nLimits]int // objects counted against Config.Limit

	life   lifecycle
	pools  memoryPools
	guest  guestMemory
	procs  processors
	irq    interrupts
	msg    messaging
	stats  Statistics
	events EventLog
	sched  scheduler
}

// The objects counted against Config.Limit.
const (
	limitPartitions = iota
	limitActive
	limitVPs
	nLimits
)

// New starts a simulated hypervisor answering as a version, with a root
// partition.
func New(v *Version, cfg sim.Config) *Hypervisor {
	if cfg.LogicalProcessors <= 0 {
		cfg.LogicalProcessors = 4
	}
	if cfg.RootPoolPages <= 0 {
		cfg.RootPoolPages = 4096
	}
	if cfg.TimeBasisTSCHz == 0 {
		cfg.TimeBasisTSCHz = 1_000_000_000
	}
	if cfg.Limit <= 0 {
		cfg.Limit = 1024
	}
	h := &Hypervisor{cfg: cfg, ver: v, partitions: map[hv.PartitionID]*Partition{}, nextID: 1}
	h.life.h, h.pools.h, h.guest.h, h.procs.h, h.irq.h, h.msg.h, h.stats.h, h.events.h, h.sched.h =
		h, h, h, h, h, h, h, h, h
	h.guest.init()
	h.events.init()
	h.stats.init()
	h.counts[limitActive] = 1 // the root
	h.newPartition(0, ^uint64(0), cfg.RootPoolPages, 1)
	return h
}

// Version is the name of the ABI version the hypervisor answers with.
func (h *Hypervisor) Version() string { return h.ver.name }

// TSCFrequency is the TSC frequency the event log's TSC time basis counts at.
func (h *Hypervisor) TSCFrequency() uint64 { return h.cfg.TimeBasisTSCHz }

// LogicalProcessors is the number of logical processors.
func (h *Hypervisor) LogicalProcessors() int { return h.cfg.LogicalProcessors }

// Root returns the root partition.
func (h *Hypervisor) Root() *Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.partitions[1]
}

// Partition returns a partition by id, or nil.
func (h *Hypervisor) Partition(id uint64) *Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.partitions[hv.PartitionID(id)]
}

// Partitions returns the partitions that exist, by id (the root first).
func (h *Hypervisor) Partitions() []*Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Partition, 0, len(h.partitions))
	for _, p := range h.partitions {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// CreateChild creates an active child partition of parent with the given
// privileges (HV_PARTITION_PRIVILEGE_MASK bits), memory pool and number of
// virtual processors, without going through the calls.
func (h *Hypervisor) CreateChild(parent *Partition, privileges uint64, poolPages, vps int) *Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.newPartition(parent.id, privileges, poolPages, vps)
}

// Advance moves the reference time forward (in 100 ns units), and the
// counters that count time or events with it.
func (h *Hypervisor) Advance(d uint64) {
	h.now.Add(d)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sched.tick(d)
	h.stats.tick()
}

// SetRepBudget makes rep calls return success after at most this many reps
// each time (0: no limit), as the hypervisor may to bound its time in a call;
// the caller then continues from the first rep not done.
func (h *Hypervisor) SetRepBudget(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.repBudget = n
}

// repEnd is where a rep call stops this time: the rep count, or earlier
// under SetRepBudget.
func (h *Hypervisor) repEnd(r *request) int {
	if h.repBudget > 0 {
		return min(r.count, r.start+h.repBudget)
	}
	return r.count
}

// target looks up a partition the caller names and must be the parent of:
// INVALID_PARTITION_ID when there is none, ACCESS_DENIED when the caller is
// not its parent (and, with self, not the partition itself).
func (h *Hypervisor) target(r *request, id hv.PartitionID, self bool) (*Partition, hv.Status) {
	t := h.partitions[id]
	switch {
	case t == nil:
		return nil, hv.StatusInvalidPartitionID
	case t.parent != r.p.id && !(self && t == r.p):
		return nil, hv.StatusAccessDenied
	}
	return t, hv.StatusSuccess
}

// vpTarget runs the checks the register calls share: the partition exists,
// the caller is it or its parent, the VP exists.
func (h *Hypervisor) vpTarget(r *request, id hv.PartitionID, idx hv.VPIndex, self bool) (*Partition, *vp, hv.Status) {
	t, st := h.target(r, id, self)
	switch {
	case t == nil:
		return nil, nil, st
	case t.vp[idx] == nil:
		return nil, nil, hv.StatusInvalidVPIndex
	}
	return t, t.vp[idx], hv.StatusSuccess
}

const hvPageSize = 4096
