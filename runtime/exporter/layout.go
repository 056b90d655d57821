package exporter

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/stats"
)

// groupLayout is where a grouped (wdk-2013) page holds an object's
// counters: found with runtime/stats.Parse when the object is first read, and
// trusted while the group headers stay as they were, which a walk checks
// without allocating.
type groupLayout struct {
	page    *byte // the mapped page it was found on
	headers []groupHeader
	slots   []int32 // page slot of each of the object type's metrics
	// missing are the metrics whose group the page lacks (or holds in an
	// older, shorter minor version): their slot is 0, and their value NaN.
	missing []int
}

// groupHeader is a group header's slot and the header's value.
type groupHeader struct {
	slot int32
	word uint64
}

var errGroups = errors.New("the group headers changed")

// holds reports whether page still has the layout l was found on.
func (l *groupLayout) holds(page []byte) bool {
	if l.slots == nil || len(page) != PageSize || unsafe.SliceData(page) != l.page ||
		uintptr(unsafe.Pointer(l.page))%8 != 0 {
		return false
	}
	words := (*[PageSize / 8]uint64)(unsafe.Pointer(l.page))
	for _, h := range l.headers {
		if atomic.LoadUint64(&words[h.slot]) != h.word {
			return false
		}
	}
	return true
}

// locate finds the groups of page, an object of type k, and the slot of
// each metric of t.
func (l *groupLayout) locate(page []byte, t *Table, k kind) error {
	l.slots, l.headers, l.page, l.missing = nil, l.headers[:0], nil, l.missing[:0]
	if len(page) != PageSize {
		return errNotPage
	}
	p, err := stats.Parse(page, hv.StatsObjectType(kinds[k].code), t.groups[k])
	if err != nil {
		return fmt.Errorf("%w: %w", errGroups, err)
	}
	words := (*[PageSize / 8]uint64)(unsafe.Pointer(unsafe.SliceData(page)))
	for _, g := range p.Groups {
		l.headers = append(l.headers, groupHeader{int32(g.Offset / 8), atomic.LoadUint64(&words[g.Offset/8])})
	}
	slots := make([]int32, len(t.metrics[k]))
	for i := range slots {
		for _, g := range p.Groups {
			if g.Type == t.metrics[k][i].group && int(t.slots[k][i]) <= g.NumCounters {
				slots[i] = int32(g.Offset/8) + t.slots[k][i]
			}
		}
		if slots[i] == 0 {
			l.missing = append(l.missing, i)
		}
	}
	l.slots, l.page = slots, unsafe.SliceData(page)
	return nil
}
