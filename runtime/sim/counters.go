package sim

import (
	"sort"
)

// PartitionCounters are what the sim counted for a partition: the hooks the
// statistics pages read (a partition's pages count its VPs, its GPA pages
// and its pool; a VP's, see VPCounters).
type PartitionCounters struct {
	Hypercalls    uint64 // hypercalls the partition issued
	VPs           int
	MappedPages   int // GPA pages a parent mapped into it
	PoolAvailable int
	PoolInUse     int
}

// Counters returns the partition's counters.
func (p *Partition) Counters() PartitionCounters {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return PartitionCounters{Hypercalls: p.calls, VPs: len(p.vp), MappedPages: len(p.gmap), PoolAvailable: p.pool, PoolInUse: p.held - p.pool}
}

// Partitions returns the partitions that exist, by ID (the root first).
func (h *Hypervisor) Partitions() []*Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Partition, 0, len(h.partitions))
	for _, p := range h.partitions {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
