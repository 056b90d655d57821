// Package sim is an in-process simulated hypervisor, a hvcall.Backend that
// answers with the encoding and call codes of one ABI version (wdk-2013 or
// tlfs) and implements its calls faithfully: the checks on the caller, its
// privileges, the memory pools, the parameters and reserved fields, in the
// order the pages list them. It models the event-log buffer state machine
// with its completed-buffer lists and buffers-ready messages, statistics
// pages whose counters move (in the documented group format, or flat as
// linux-7.0 lays them out with Config.FlatStats), the partition
// life cycle, VPs and their registers, GPA mapping and translation,
// intercepts, virtual interrupts, ports, connections, messages and events
// (Calls lists them). Every other call code gets
// HV_STATUS_INVALID_HYPERCALL_CODE.
//
// Where the reference leaves a choice open (how many pool pages a group's
// bookkeeping takes, what an "unsuitable" threshold is), the sim's choice is
// stated next to the code that makes it.
//
// A Hypervisor is safe for concurrent use: each partition's backend may be
// called from many goroutines (each with its own hvcall.Caller), while
// Log writes events.
package sim

import (
	"sync"
	"sync/atomic"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// Config sets up a simulated machine.
type Config struct {
	LogicalProcessors int    // default 4
	RootPoolPages     int    // pages in the root partition's memory pool; default 4096
	TimeBasisTSCHz    uint64 // TSC frequency used for HvEventLogEntryTimeTsc; default 1 GHz
	// Limit is the implementation limit past which calls fail with
	// HV_STATUS_NO_RESOURCES: on partitions, active partitions and VPs
	// (counted system-wide), and on the ports and the connections of one
	// partition; default 1024.
	Limit int
	// FlatStats, when set, lays every statistics page out flat (see
	// FlatCounter) with these counters instead of the 2013 groups.
	FlatStats []FlatCounter
	Seed      uint64 // picks how fast each flat-page counter moves
}

// Hypervisor is the simulated hypervisor.
type Hypervisor struct {
	mu         sync.Mutex
	cfg        Config
	partitions map[hv.PartitionID]*Partition
	nextID     hv.PartitionID
	groups     [2]*group // by HV_EVENTLOG_TYPE
	messages   []hv.EventLogMessagePayload
	msgReady   *sync.Cond
	now        atomic.Uint64 // reference time, 100 ns units
	nextGPA    uint64
	lpStats    []*statsPage
	hvStats    *statsPage
	repBudget  int
	ver        *version
	sched      sched // VPs on logical processors (sched.go)
	hvExt
}

// Partition is a simulated partition.
type Partition struct {
	h          *Hypervisor
	ID         hv.PartitionID
	Parent     hv.PartitionID // 0 for the root
	Privileges uint64         // HV_PARTITION_PRIVILEGE_MASK bits the sim checks (AccessStats)
	active     bool
	pool       int // free pages in the memory pool
	stats      *statsPage
	mapped     map[statsKey]uint64 // stats pages this partition mapped: object -> GPA page
	gpa        map[uint64][]byte   // GPA page -> memory the partition sees there (overlays)
	ram        map[uint64]bool     // GPA pages of the partition's own RAM
	partExt
}

// PrivilegeAccessStats is the AccessStats bit of HV_PARTITION_PRIVILEGE_MASK,
// bit 40 (wdk-2013/HV_PARTITION_PRIVILEGE_MASK.txt, counting the members after
// the stray AsUINT64 line the page's C block starts with), which the
// statistics calls require.
const PrivilegeAccessStats uint64 = 1 << 40

// New starts a simulated hypervisor with a root partition that answers with
// the 2013 reference's encoding and call codes (wdk-2013).
func New(cfg Config) *Hypervisor {
	h, _ := NewVersion("wdk-2013", cfg) // a known version: never fails
	return h
}

// NewVersion starts a simulated hypervisor that answers with the encoding and
// call codes of an ABI version (see Versions).
func NewVersion(versionName string, cfg Config) (*Hypervisor, error) {
	v := versions[versionName]
	if v == nil {
		_, _, err := Calls(versionName)
		return nil, err
	}
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
	h := &Hypervisor{cfg: cfg, partitions: map[hv.PartitionID]*Partition{}, nextID: 1, nextGPA: 0x100000, ver: v}
	h.initExt()
	h.msgReady = sync.NewCond(&h.mu)
	h.hvStats = h.newStatsPage(hv.StatsObjectHypervisor, 0, 0)
	for i := range cfg.LogicalProcessors {
		h.lpStats = append(h.lpStats, h.newStatsPage(hv.StatsObjectLogicalProcessor, 0, uint32(i)))
	}
	root := h.newPartition(0, ^uint64(0), cfg.RootPoolPages, 1)
	_ = root
	return h, nil
}

func (h *Hypervisor) newPartition(parent hv.PartitionID, privileges uint64, pool, vps int) *Partition {
	p := &Partition{h: h, ID: h.nextID, Parent: parent, Privileges: privileges, active: true, pool: pool,
		mapped: map[statsKey]uint64{}, gpa: map[uint64][]byte{}, ram: map[uint64]bool{},
		stats: h.newStatsPage(hv.StatsObjectPartition, h.nextID, 0)}
	h.nextID++
	h.partitions[p.ID] = p
	p.initExt(vps)
	h.syncLevels(p)
	return p
}

// Root returns the root partition.
func (h *Hypervisor) Root() *Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.partitions[1]
}

// CreateChild creates a child partition of parent with the given privileges,
// memory pool and number of virtual processors.
func (h *Hypervisor) CreateChild(parent *Partition, privileges uint64, poolPages, vps int) *Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.newPartition(parent.ID, privileges, poolPages, vps)
}

// SetActive changes whether a partition is in the active state.
func (p *Partition) SetActive(active bool) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	p.active = active
}

// PoolPages returns the free pages of the partition's memory pool.
func (p *Partition) PoolPages() int {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.pool
}

// Memory returns what the partition sees at a GPA page it had the hypervisor
// map (an event-log buffer page or a statistics page), or nil.
func (p *Partition) Memory(gpaPage uint64) []byte {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.gpa[gpaPage]
}

// Backend returns a backend that issues hypercalls as this partition.
func (p *Partition) Backend() hvcall.Backend { return backend{p} }

// Advance moves the reference time forward (in 100 ns units) and the
// counters that count time or events with it.
func (h *Hypervisor) Advance(d uint64) {
	h.now.Add(d)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tickVPs(d)
	h.tickStats()
}

// NextMessage waits for the next buffers-ready message posted to the root
// partition, or returns false when none is pending and wait is false.
func (h *Hypervisor) NextMessage(wait bool) (hv.EventLogMessagePayload, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.messages) == 0 {
		if !wait {
			return hv.EventLogMessagePayload{}, false
		}
		h.msgReady.Wait()
	}
	m := h.messages[0]
	h.messages = h.messages[1:]
	return m, true
}
