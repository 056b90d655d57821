package exporter

import (
	"fmt"
	"sync"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// SimConfig sets up a simulated host.
type SimConfig struct {
	Seed       uint64
	LPs        int // logical processors; default 4
	Partitions int // child partitions at the start
	VPs        int // VPs of each child partition; default 2
	// Churn makes child partitions come and go: every ChurnEvery of
	// simulated time, a seeded draw may delete one and may create one.
	Churn      bool
	ChurnEvery time.Duration // default 15 s
	// Now is the clock that drives simulated time; default time.Now.
	Now func() time.Time
}

// Sim is a Source on the simulated hypervisor (runtime/sim). Its pages have
// the flat layout of the table's version; the counters move with the time
// passed since NewSim, at rates the seed picks, so that scrapes show rates.
// The root partition maps the pages with the sim's (2013) HvMapStatsPage.
type Sim struct {
	H *sim.Hypervisor

	mu       sync.Mutex
	cfg      SimConfig
	client   *hv.Client
	start    time.Time
	simNow   uint64 // simulated time passed, 100 ns units
	step     uint64 // churn steps done
	children []*sim.Partition
	mapped   map[Object]uint64 // object -> GPA page of the root where its page is mapped
	nextGPA  uint64
}

// NewSim starts a simulated host whose pages hold table's counters.
func NewSim(table *Table, cfg SimConfig) *Sim {
	if cfg.LPs <= 0 {
		cfg.LPs = 4
	}
	if cfg.VPs <= 0 {
		cfg.VPs = 2
	}
	if cfg.ChurnEvery <= 0 {
		cfg.ChurnEvery = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var flat []sim.FlatCounter
	for k := range kinds {
		for i, m := range table.metrics[k] {
			flat = append(flat, sim.FlatCounter{Object: kinds[k].code, Index: int(table.slots[k][i]), Name: m.Counter,
				Kind: [...]sim.FlatKind{simEvents: sim.FlatEvents, simTime: sim.FlatTime, simGauge: sim.FlatGauge}[table.sim[k][i]]})
		}
	}
	h := sim.New(sim.Config{LogicalProcessors: cfg.LPs, FlatStats: flat, Seed: cfg.Seed, RootPoolPages: 1 << 16})
	s := &Sim{H: h, cfg: cfg, client: hv.NewClient(h.Root().Backend()), start: cfg.Now(), mapped: map[Object]uint64{}, nextGPA: 0x10_0000_0000 >> 12}
	for range cfg.Partitions {
		s.children = append(s.children, h.CreateChild(h.Root(), sim.PrivilegeAccessStats, 16, cfg.VPs))
	}
	return s
}

// advance moves simulated time up to the clock, churning partitions on the
// way when asked to.
func (s *Sim) advance() {
	target := uint64(s.cfg.Now().Sub(s.start) / 100)
	every := uint64(s.cfg.ChurnEvery / 100)
	for s.simNow < target {
		d := target - s.simNow
		if s.cfg.Churn {
			d = min(d, (s.step+1)*every-s.simNow)
		}
		s.H.Advance(d)
		s.simNow += d
		if s.cfg.Churn && s.simNow == (s.step+1)*every {
			s.step++
			s.churn()
		}
	}
}

// churn may delete a child and may create one, as a seeded draw says.
func (s *Sim) churn() {
	r := mix(s.cfg.Seed ^ s.step*0x9e3779b97f4a7c15)
	if r&1 != 0 && len(s.children) > 1 {
		i := int(r>>8) % len(s.children)
		s.H.RemoveChild(s.children[i])
		s.children = append(s.children[:i], s.children[i+1:]...)
	}
	if r&2 != 0 && len(s.children) < 2*max(s.cfg.Partitions, 1) {
		vps := 1 + int(r>>16)%s.cfg.VPs
		s.children = append(s.children, s.H.CreateChild(s.H.Root(), sim.PrivilegeAccessStats, 16, vps))
	}
}

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Objects implements Source; it first moves simulated time to the clock.
func (s *Sim) Objects(buf []Object) ([]Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	root := s.H.Root().ID
	for _, o := range s.H.StatsObjects(nil) {
		if o.Partition == root {
			continue // the sim lets a partition map its children's pages, not its own
		}
		buf = append(buf, Object{Type: uint32(o.Type), Partition: uint64(o.Partition), Index: o.Index})
	}
	return buf, nil
}

// Page implements Source.
func (s *Sim) Page(o Object) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gpa, ok := s.mapped[o]
	if !ok {
		gpa = s.nextGPA
		in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectType(o.Type), TargetGPAPage: hv.GPAPageNumber(gpa)}
		setIdentity(&in.ObjectIdentity, o)
		if err := s.client.MapStatsPage(in); err != nil {
			return nil, &PageError{Reason: ReasonMap, Err: err}
		}
		s.nextGPA++
		s.mapped[o] = gpa
	}
	mem := s.H.Root().Memory(gpa)
	if mem == nil {
		delete(s.mapped, o)
		return nil, &PageError{Reason: ReasonUnmapped, Err: fmt.Errorf("%s: nothing mapped at GPA page %#x any more", o, gpa)}
	}
	return mem, nil
}

func setIdentity(id *hv.StatsObjectIdentity, o Object) {
	switch hv.StatsObjectType(o.Type) {
	case hv.StatsObjectLogicalProcessor:
		id.LogicalProcessor().LogicalProcessorIndex = hv.LogicalProcessorIndex(o.Index)
	case hv.StatsObjectPartition:
		id.Partition().PartitionID = hv.PartitionID(o.Partition)
	case hv.StatsObjectVP:
		id.VP().PartitionID = hv.PartitionID(o.Partition)
		id.VP().VPIndex = hv.VPIndex(o.Index)
	}
}

// Release implements Source.
func (s *Sim) Release(o Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mapped[o]; !ok {
		return
	}
	delete(s.mapped, o)
	in := &hv.UnmapStatsPageInput{StatsType: hv.StatsObjectType(o.Type)}
	setIdentity(&in.ObjectIdentity, o)
	_ = s.client.UnmapStatsPage(in) // fails once the object is gone, whose pages the sim unmapped itself
}

// Close implements Source.
func (s *Sim) Close() error {
	s.mu.Lock()
	objs := make([]Object, 0, len(s.mapped))
	for o := range s.mapped {
		objs = append(objs, o)
	}
	s.mu.Unlock()
	for _, o := range objs {
		s.Release(o)
	}
	return nil
}
