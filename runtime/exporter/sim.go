package exporter

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"
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
// the layout of the table's version (flat, or wdk-2013's groups). The
// counters that show the sim's state (run and wait times, hypercalls,
// intercepts, VPs, pool and mapped pages; see runtime/sim) move with what
// the Sim makes its partitions do, the others with the time passed since
// NewSim at rates the seed picks, so that scrapes show rates. The root
// partition creates and deletes the child partitions, their pools, VPs and
// guest memory, and maps the statistics pages, all through the sim's
// hypercalls; each child VP wants a seeded share of a logical processor,
// and the sim's scheduler runs the VPs on the logical processors.
type Sim struct {
	H *wdk2013sim.Hypervisor

	mu       sync.Mutex
	cfg      SimConfig
	table    *Table
	client   *hv.Client
	start    time.Time
	simNow   uint64 // simulated time passed, 100 ns units
	step     uint64 // churn steps done
	children []*child
	spare    []hv.GPAPageNumber          // root RAM pages withdrawn from deleted children, for the next pools
	guestRAM []hv.GPAPageNumber          // root RAM pages mapped into no child, for the next children's memory
	mapped   map[Object]hv.GPAPageNumber // object -> GPA page of the root where its page is mapped
	nextGPA  hv.GPAPageNumber
	failed   error // a churn step that failed, for the next listing to report
}

// child is a child partition the Sim created and the work it does.
type child struct {
	id     hv.PartitionID
	p      *wdk2013sim.Partition
	client *hv.Client // issues hypercalls as the child
	vps    int
	ram    []hv.GPAPageNumber // the root's RAM pages mapped as its guest memory
	pool   int                // pages deposited into its pool
	born   uint64             // simulated time at creation
	done   uint64             // work units done so far
	rate   uint64             // work units per simulated second
}

// The Sim's choices: the pages a child's pool gets beyond what initializing
// it, creating its VPs and mapping its memory take; the intercept every
// child installs (a CPUID leaf), which its VPs then take as work; the guest
// memory of a child, in pages (a seeded multiple of guestUnit up to
// guestUnits of them); and the root VP's load.
const (
	childSparePages = 8
	workLeaf        = 1
	guestUnit       = 256
	guestUnits      = 16
	rootLoad        = 0.1
	mapChunk        = 256 // rep elements per map call
)

// NewSim starts a simulated host whose pages hold table's counters.
func NewSim(table *Table, cfg SimConfig) (*Sim, error) {
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
	if !table.grouped {
		for k := range kinds {
			for _, m := range table.metrics[k] {
				flat = append(flat, sim.FlatCounter{Object: kinds[k].code, Index: int(m.slot), Name: m.Counter,
					Kind: [...]sim.FlatKind{simEvents: sim.FlatEvents, simTime: sim.FlatTime, simGauge: sim.FlatGauge, simZero: sim.FlatZero}[m.sim]})
			}
		}
	}
	h := wdk2013sim.New(sim.Config{LogicalProcessors: cfg.LPs, FlatStats: flat, Seed: cfg.Seed, RootPoolPages: 1 << 16})
	root := h.Root()
	root.VP(0).SetLoad(rootLoad)
	s := &Sim{H: h, cfg: cfg, table: table, client: hv.NewClient(root.Backend()), start: cfg.Now(), mapped: map[Object]hv.GPAPageNumber{}, nextGPA: 0x10_0000_0000 >> 12}
	for range cfg.Partitions {
		if err := s.createPartition(cfg.VPs); err != nil {
			return nil, fmt.Errorf("simulated host: %w", err)
		}
	}
	return s, nil
}

// createPartition creates, fills and starts a child partition with vps VPs,
// as a root partition's VMM does: HvCreatePartition, HvDepositMemory from the
// root's RAM, HvInitializePartition, HvCreateVp, HvMapGpaPages of its guest
// memory, and an intercept.
func (s *Sim) createPartition(vps int) error {
	var out hv.CreatePartitionOutput
	if err := s.client.CreatePartition(&hv.CreatePartitionInput{}, &out); err != nil {
		return fmt.Errorf("create partition: %w", err)
	}
	id := out.NewPartitionID
	r := rand.New(rand.NewPCG(s.cfg.Seed, uint64(id)))
	guest := guestUnit * (1 + r.IntN(guestUnits))
	// What initializing the child, its VPs and the page-table pages of its
	// memory take from its pool (runtime/sim's choices), and the spare.
	n := childSparePages + sim.InitializePoolPages + vps*sim.VPPoolPages + (guest+sim.RegionPages-1)/sim.RegionPages
	pages := s.spare[max(0, len(s.spare)-n):]
	s.spare = s.spare[:len(s.spare)-len(pages)]
	pages = append(pages, s.H.Root().GiveRAM(n-len(pages))...)
	if _, err := s.client.DepositMemory(&hv.DepositMemoryInput{PartitionID: id}, pages); err != nil {
		return fmt.Errorf("deposit into partition %d: %w", id, err)
	}
	if err := s.client.InitializePartition(&hv.InitializePartitionInput{PartitionID: id}); err != nil {
		return fmt.Errorf("initialize partition %d: %w", id, err)
	}
	for vp := range hv.VPIndex(vps) {
		if err := s.client.CreateVP(&hv.CreateVPInput{PartitionID: id, VPIndex: vp}); err != nil {
			return fmt.Errorf("create VP %d of partition %d: %w", vp, id, err)
		}
	}
	ram := s.guestRAM[max(0, len(s.guestRAM)-guest):]
	s.guestRAM = s.guestRAM[:len(s.guestRAM)-len(ram)]
	ram = append(ram, s.H.Root().GiveRAM(guest-len(ram))...)
	for done := 0; done < len(ram); {
		in := &hv.MapGPAPagesInput{TargetPartitionID: id, TargetGPABase: hv.GPAPageNumber(done), MapFlags: hv.MapGPAReadable | hv.MapGPAWritable | hv.MapGPAExecutable}
		k, err := s.client.MapGPAPages(in, ram[done:min(len(ram), done+mapChunk)])
		done += k
		if err != nil {
			return fmt.Errorf("map guest memory of partition %d (%d of %d pages): %w", id, done, len(ram), err)
		}
	}
	ic := &hv.InstallInterceptInput{PartitionID: id, AccessType: uint32(hv.InterceptAccessMaskExecute), InterceptType: hv.InterceptTypeX64CPUID}
	*ic.InterceptParameter.AsUint64() = workLeaf
	if err := s.client.InstallIntercept(ic); err != nil {
		return fmt.Errorf("intercept in partition %d: %w", id, err)
	}
	p := s.H.Partition(id)
	var mask hv.PartitionPrivilegeMask
	mask.SetAccessPartitionID(true) // the hypercall its work issues
	p.SetPrivileges(mask)
	for vp := range hv.VPIndex(vps) {
		p.VP(vp).SetLoad(0.05 + 0.9*r.Float64())
	}
	s.children = append(s.children, &child{id: id, p: p, client: hv.NewClient(p.Backend()), vps: vps, ram: ram, pool: n, born: s.simNow,
		rate: 1 + r.Uint64()%200})
	return nil
}

// DeletePartition deletes a child partition the way its creator does:
// HvFinalizePartition, HvWithdrawMemory until the pool is empty,
// HvDeletePartition. Its pages come back to the root's RAM, and the sim
// unmaps its statistics pages.
func (s *Sim) DeletePartition(id hv.PartitionID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deletePartition(id)
}

func (s *Sim) deletePartition(id hv.PartitionID) error {
	i := slices.IndexFunc(s.children, func(c *child) bool { return c.id == id })
	if i < 0 {
		return fmt.Errorf("partition %d is not a child the exporter created", id)
	}
	if err := s.client.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: id}); err != nil {
		return fmt.Errorf("finalize partition %d: %w", id, err)
	}
	var bal hv.GetMemoryBalanceOutput
	if err := s.client.GetMemoryBalance(&hv.GetMemoryBalanceInput{PartitionID: id}, &bal); err != nil {
		return fmt.Errorf("memory balance of partition %d: %w", id, err)
	}
	back := make([]hv.GPAPageNumber, bal.PagesAvailable)
	for got := 0; got < len(back); {
		n, err := s.client.WithdrawMemory(&hv.WithdrawMemoryInput{PartitionID: id}, back[got:])
		got += n
		if err != nil {
			return fmt.Errorf("withdraw from partition %d (%d of %d pages): %w", id, got, len(back), err)
		}
	}
	s.spare = append(s.spare, back...)
	if err := s.client.DeletePartition(&hv.DeletePartitionInput{PartitionID: id}); err != nil {
		return fmt.Errorf("delete partition %d: %w", id, err)
	}
	s.guestRAM = append(s.guestRAM, s.children[i].ram...) // finalize unmapped it
	s.children = slices.Delete(s.children, i, i+1)
	return nil
}

// advance moves simulated time up to the clock, with the children's work,
// churning partitions on the way when asked to.
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
		s.work()
		if s.cfg.Churn && s.simNow == (s.step+1)*every {
			s.step++
			s.churn()
		}
	}
}

// work has each child do the work due by now, a function of the seed and
// the simulated time since its creation: per unit, a hypercall (counted on
// its lowest VP) and a CPUID intercept on each VP.
func (s *Sim) work() {
	var out hv.GetPartitionIDOutput
	for _, c := range s.children {
		due := (s.simNow - c.born) / 10_000_000 * c.rate
		due += (s.simNow - c.born) % 10_000_000 * c.rate / 10_000_000
		for ; c.done < due; c.done++ {
			_ = c.client.GetPartitionID(&out) // the child has the privilege
			for vp := range hv.VPIndex(c.vps) {
				c.p.VP(vp).Intercept(hv.InterceptTypeX64CPUID, workLeaf, hv.InterceptAccessMaskExecute)
			}
		}
	}
}

// churn may delete a child and may create one, as a seeded draw says.
func (s *Sim) churn() {
	r := rand.NewPCG(s.cfg.Seed, s.step).Uint64()
	if r&1 != 0 && len(s.children) > 1 {
		if err := s.deletePartition(s.children[int(r>>8)%len(s.children)].id); err != nil {
			s.failed = errors.Join(s.failed, err)
		}
	}
	if r&2 != 0 && len(s.children) < 2*max(s.cfg.Partitions, 1) {
		if err := s.createPartition(1 + int(r>>16)%s.cfg.VPs); err != nil {
			s.failed = errors.Join(s.failed, err)
		}
	}
}

// Objects implements Source; it first moves simulated time to the clock.
// The root partition and its VP are left out: the sim lets a partition map
// its children's pages, not its own.
func (s *Sim) Objects(buf []Object) ([]Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	err := s.failed
	s.failed = nil
	root := s.H.Root().ID()
	for _, o := range s.H.Stats().Objects(nil) {
		if o.Partition == root {
			continue
		}
		buf = append(buf, Object{Type: uint32(o.Type), Partition: uint64(o.Partition), Index: o.Index})
	}
	return buf, err
}

// Read implements Source: it maps the object's page on first use, then
// reads it in place.
func (s *Sim) Read(o Object, v *Values) error {
	page, err := s.Page(o)
	if err != nil {
		return err
	}
	return v.Page(page)
}

// Reasons implements Reasoner.
func (s *Sim) Reasons() []string { return PageReasons }

// Page returns the object's statistics page as the root sees it mapped,
// mapping it with HvMapStatsPage on first use.
func (s *Sim) Page(o Object) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gpa, ok := s.mapped[o]
	if !ok {
		gpa = s.nextGPA
		in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectType(o.Type), TargetGPAPage: gpa}
		setIdentity(&in.ObjectIdentity, o)
		if err := s.client.MapStatsPage(in); err != nil {
			return nil, &ReadError{Reason: ReasonMap, Err: fmt.Errorf("%s: %w", o, err)}
		}
		s.nextGPA++
		s.mapped[o] = gpa
	}
	mem := s.H.Root().Memory(gpa)
	if mem == nil {
		delete(s.mapped, o)
		return nil, &ReadError{Reason: ReasonUnmapped, Err: fmt.Errorf("%s: nothing mapped at GPA page %#x any more", o, gpa)}
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
