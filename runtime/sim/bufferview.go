package sim

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
	for _, g := range p.h.groups {
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
