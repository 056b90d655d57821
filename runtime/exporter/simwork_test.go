package exporter

import (
	"fmt"
	"log/slog"
	"math"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/hvgen/hvgen/runtime/sim"
)

// errorTotal is the sum of the read errors of every object and reason.
func errorTotal(mfs map[string]*dto.MetricFamily) float64 {
	n := 0.0
	for _, m := range mfs[errorsRead].GetMetric() {
		n += m.GetCounter().GetValue()
	}
	return n
}

// partitionsOf lists the partitions with series of name, and each one's VPs.
func partitionsOf(mfs map[string]*dto.MetricFamily, name string) map[string]int {
	out := map[string]int{}
	for _, m := range mfs[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "partition" {
				out[l.GetValue()]++
			}
		}
	}
	return out
}

// When the churn deletes a partition (through HvFinalizePartition,
// HvWithdrawMemory and HvDeletePartition), its pages come back: the root's
// pool holds what the live partitions and mapped statistics pages do not,
// the withdrawn pool pages are the root's RAM again, its guest memory is
// mapped into the next partition, and the partition's series are gone from
// the scrape that follows.
func TestSimChurnDeleteReturnsPages(t *testing.T) {
	tab := testTable(t)
	clk := &clock{now: time.Unix(0, 0)}
	const rootPool = 1 << 16 // NewSim's root pool
	s, err := NewSim(tab, SimConfig{Seed: 5, Partitions: 2, VPs: 2, Churn: true, ChurnEvery: time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(s, tab, slog.New(slog.DiscardHandler))
	prev := partitionsOf(gather(t, c), runTime)
	deletions := 0
	for step := 0; step < 40 && deletions < 3; step++ {
		spare := len(s.spare)
		pools := map[string]int{}
		for _, c := range s.children {
			pools[fmt.Sprint(c.id)] = c.pool
		}
		clk.Add(time.Second)
		mfs := gather(t, c)
		now := partitionsOf(mfs, runTime)
		if n := errorTotal(mfs); n != 0 {
			t.Fatalf("step %d: %v read errors", step, n)
		}
		var gone []string
		for p := range prev {
			if now[p] == 0 {
				gone = append(gone, p)
			}
		}
		created := 0
		for p := range now {
			if prev[p] == 0 {
				created++
			}
		}
		if len(gone) > 0 {
			deletions++
			for _, name := range []string{"hyperv_partition_virtual_processors", "hyperv_partition_deposited_bytes"} {
				if _, ok := value(mfs, name, "partition", gone[0]); ok {
					t.Errorf("step %d: partition %s deleted, %s still served", step, gone[0], name)
				}
			}
			if created == 0 {
				// All of the deleted pool is spare RAM again.
				if want := spare + pools[gone[0]]; len(s.spare) != want {
					t.Errorf("step %d: %d spare pages after deleting partition %s (%d VPs), want %d", step, len(s.spare), gone[0], prev[gone[0]], want)
				}
			}
		}
		// Conservation, at every step: the root pool gave one page per live
		// partition and per mapped page; the root's RAM is the spare pages.
		s.mu.Lock()
		mapped, live := len(s.mapped), len(s.children)
		s.mu.Unlock()
		avail, _ := s.H.Root().PoolBalance()
		if want := rootPool - live - mapped*sim.StatsPagePoolPages; avail != want {
			t.Errorf("step %d: root pool %d, want %d (%d partitions, %d pages mapped)", step, avail, want, live, mapped)
		}
		guest := len(s.guestRAM)
		for _, c := range s.children {
			guest += len(c.ram)
		}
		if ram := len(s.H.Root().RAM()); ram != len(s.spare)+guest {
			t.Errorf("step %d: root RAM %d pages, spare %d, guest memory %d", step, ram, len(s.spare), guest)
		}
		prev = now
	}
	if deletions == 0 {
		t.Fatal("the churn deleted no partition in 40 steps")
	}
}

// The Sim's partitions work: their hypercalls count on each partition's
// lowest VP and their CPUID intercepts on every VP, at seeded rates, the same
// for the same seed.
func TestSimWork(t *testing.T) {
	run := func() map[string]float64 {
		s, clk, tab := newTestSim(t, 2, 3)
		c := NewCollector(s, tab, slog.New(slog.DiscardHandler))
		gather(t, c)
		clk.Add(10 * time.Second)
		mfs := gather(t, c)
		out := map[string]float64{}
		for _, name := range []string{"hyperv_vp_hypercalls_total", "hyperv_vp_cpuid_instructions_total"} {
			for _, p := range []string{"2", "3"} {
				for _, vp := range []string{"0", "1", "2"} {
					v, ok := value(mfs, name, "partition", p, "vp", vp)
					if !ok {
						t.Fatalf("no %s{partition=%s,vp=%s}", name, p, vp)
					}
					out[name+p+vp] = v
				}
			}
		}
		return out
	}
	a, b := run(), run()
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %v and %v for the same seed", k, v, b[k])
		}
	}
	for _, p := range []string{"2", "3"} {
		calls, intercepts := a["hyperv_vp_hypercalls_total"+p+"0"], a["hyperv_vp_cpuid_instructions_total"+p+"0"]
		// 10 s of work at 1 to 200 units a second: one call each, plus the
		// calls that made the partition (none count on its VPs: the root
		// issued them).
		if calls < 10 || calls > 2000 || intercepts != calls {
			t.Errorf("partition %s VP 0: %v hypercalls, %v intercepts", p, calls, intercepts)
		}
		for _, vp := range []string{"1", "2"} {
			if a["hyperv_vp_hypercalls_total"+p+vp] != 0 || a["hyperv_vp_cpuid_instructions_total"+p+vp] != intercepts {
				t.Errorf("partition %s VP %s: %v hypercalls, %v intercepts (VP 0: %v)", p, vp,
					a["hyperv_vp_hypercalls_total"+p+vp], a["hyperv_vp_cpuid_instructions_total"+p+vp], intercepts)
			}
		}
	}
}

// The wdk-2013 table reads the sim's grouped pages: every object type's
// counters, with the run time and the hypercalls moving and the levels
// the sim's.
func TestCollectorSimGrouped(t *testing.T) {
	tab := groupedTable(t)
	clk := &clock{now: time.Unix(1000, 0)}
	s, err := NewSim(tab, SimConfig{Seed: 1, LPs: 2, Partitions: 2, VPs: 3, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(s, tab, slog.New(slog.DiscardHandler))
	first := gather(t, c)
	clk.Add(time.Second)
	second := gather(t, c)
	if n := errorTotal(second); n != 0 {
		t.Fatalf("%v read errors", n)
	}
	a, _ := value(first, runTime, "partition", "2", "vp", "1")
	b, _ := value(second, runTime, "partition", "2", "vp", "1")
	if d := b - a; d <= 0 || d > 1 {
		t.Errorf("VP run time %v -> %v over one second", a, b)
	}
	if n, _ := value(second, "hyperv_vp_hypercalls_total", "partition", "2", "vp", "0"); n < 1 {
		t.Errorf("%v hypercalls on VP 0 after a second of work", n)
	}
	for _, x := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"hyperv_hypervisor_partitions", nil, 3},
		{"hyperv_hypervisor_virtual_processors", nil, 7}, // the root's VP and 2 x 3
		{"hyperv_hypervisor_logical_processors", nil, 2},
		{"hyperv_partition_virtual_processors", []string{"partition", "3"}, 3},
		{"hyperv_partition_deposited_bytes", []string{"partition", "3"}, float64(s.children[1].pool * PageSize)},
	} {
		if v, ok := value(second, x.name, x.labels...); !ok || v != x.want {
			t.Errorf("%s%v = %v %v, want %v", x.name, x.labels, v, ok, x.want)
		}
	}
	var lp float64
	for _, m := range second["hyperv_lp_run_time_seconds_total"].GetMetric() {
		lp += m.GetCounter().GetValue()
	}
	if lp <= 0 {
		t.Errorf("LP run time %v", lp)
	}
}

// A grouped page whose group headers change while mapped is found again;
// one that no longer parses is a corrupt page, and readable once it does.
func TestCollectorGroupedCorrupt(t *testing.T) {
	tab := groupedTable(t)
	s, err := NewSim(tab, SimConfig{Seed: 1, LPs: 1, Partitions: 1, VPs: 1, Now: (&clock{now: time.Unix(1, 0)}).Now})
	if err != nil {
		t.Fatal(err)
	}
	var page []byte // a copy of the VP page, which the test breaks
	src := &hooked{Source: s, read: func(o Object, v *Values) (error, bool) {
		if o.Type != ObjectVP {
			return nil, false
		}
		if page == nil {
			real, err := s.Page(o)
			if err != nil {
				t.Fatal(err)
			}
			page = unsafeBytes(make([]uint64, PageSize/8))
			copy(page, real)
			page[8*2] = 42 // VPA slot 2: the VP's hypervisor run time
		}
		return v.Page(page), true
	}}
	c := NewCollector(src, tab, slog.New(slog.DiscardHandler))
	read := func() (float64, float64, bool) {
		mfs := gather(t, c)
		n, _ := value(mfs, errorsRead, "object", "vp", "reason", ReasonCorrupt)
		v, ok := value(mfs, "hyperv_vp_hypervisor_run_time_seconds_total", "partition", "2", "vp", "0")
		return n, v, ok
	}
	// The VPA group (2 counters) comes first: slot 0 its header, slot 3 the
	// VPV header.
	if n, v, ok := read(); n != 0 || !ok || math.Abs(v-42e-7) > 1e-12 {
		t.Fatalf("good page: %v errors, run time %v %v", n, v, ok)
	}
	header := append([]byte(nil), page[:8]...)
	page[6] = 0xff // group 0's length: past the page
	if n, _, ok := read(); n != 1 || ok {
		t.Errorf("broken header: %v corrupt errors, series %v", n, ok)
	}
	copy(page[:8], header)
	if n, v, ok := read(); n != 1 || !ok || math.Abs(v-42e-7) > 1e-12 {
		t.Errorf("repaired page: %v errors, run time %v %v", n, v, ok)
	}
	// An end-of-list header where the VPV group was: its counters have no
	// series, the VPA group's still do.
	clear(page[8*3 : 8*4])
	mfs := gather(t, c)
	calls, ok := value(mfs, "hyperv_vp_hypercalls_total", "partition", "2", "vp", "0")
	run, _ := value(mfs, "hyperv_vp_hypervisor_run_time_seconds_total", "partition", "2", "vp", "0")
	if ok || math.Abs(run-42e-7) > 1e-12 {
		t.Errorf("without the VPV group: hypercalls %v %v, run time %v", calls, ok, run)
	}
}

// The simulated host is plausible: the VPs, scheduled on the LPs, never
// ran more than the LPs did, which never ran more than the time passed; the
// LPs' hypervisor time holds the VPs'; some VPs waited for a busy LP; each
// partition's guest memory is the pages mapped into it, all of 4 KiB.
func TestSimPlausible(t *testing.T) {
	tab := testTable(t)
	clk := &clock{now: time.Unix(1000, 0)}
	s, err := NewSim(tab, SimConfig{Seed: 3, LPs: 8, Partitions: 4, VPs: 16, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(s, tab, slog.New(slog.DiscardHandler))
	gather(t, c)
	const elapsed = 30
	clk.Add(elapsed * time.Second)
	mfs := gather(t, c)
	sum := func(name string) float64 {
		n := 0.0
		for _, m := range mfs[name].GetMetric() {
			n += metricValue(m)
		}
		return n
	}
	vpRun, vpHyp := sum(runTime), sum("hyperv_vp_hypervisor_run_time_seconds_total")
	lpRun, lpHyp := sum("hyperv_lp_run_time_seconds_total"), sum("hyperv_lp_hypervisor_run_time_seconds_total")
	wait := sum("hyperv_vp_waiting_for_cpu_time_seconds_total")
	t.Logf("30 s on 8 LPs: VPs ran %.1f s (%.1f in the hypervisor) and waited %.1f s; LPs ran %.1f s (%.1f)", vpRun, vpHyp, wait, lpRun, lpHyp)
	if vpRun <= 0 || vpRun > lpRun || lpRun > 8*elapsed || vpHyp > lpHyp || lpHyp > lpRun || wait <= 0 {
		t.Errorf("VPs ran %v (%v in the hypervisor), waited %v; LPs ran %v (%v) in 8 x %d s", vpRun, vpHyp, wait, lpRun, lpHyp, elapsed)
	}
	for _, m := range mfs["hyperv_lp_run_time_seconds_total"].GetMetric() {
		if v := metricValue(m); v > elapsed+1000.0/1e7 {
			t.Errorf("LP %v ran %v s in %d s", m.GetLabel(), v, elapsed)
		}
	}
	if n := len(mfs[runTime].GetMetric()); n != 64 {
		t.Errorf("%d VPs", n)
	}
	for _, ch := range s.children {
		id := fmt.Sprint(ch.id)
		gpa, _ := value(mfs, "hyperv_partition_gpa_bytes", "partition", id)
		small, _ := value(mfs, "hyperv_partition_gpa_mapped_bytes", "partition", id, "page_size", "4KiB")
		large, _ := value(mfs, "hyperv_partition_gpa_mapped_bytes", "partition", id, "page_size", "2MiB")
		if want := float64(len(ch.ram) * PageSize); gpa != want || small != want || large != 0 {
			t.Errorf("partition %s: guest memory %v, in 4 KiB pages %v, in 2 MiB pages %v; want %v mapped", id, gpa, small, large, want)
		}
	}
}
