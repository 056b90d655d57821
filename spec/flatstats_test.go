package spec

import (
	"strings"
	"testing"
	"testing/fstest"
)

// flatRegistry is a registry with one flat statistics group; counters is its
// counter list and extra more top-level text.
func flatRegistry(counters, extra string) fstest.MapFS {
	return fstest.MapFS{"s.yaml": {Data: []byte(`area: stats
versions:
  - {name: v1, arch: [x64, arm64], doc: One., ref: r}
types:
  - name: OBJ
    kind: enum
    base: UINT32
    versions: [v1]
    doc: Objects.
    ref: r
    values:
      - {name: OBJ_VP, value: 2}
stats_groups:
  - name: vp_counters
    object: OBJ_VP
    class: release
    layout: flat
    versions: [v1]
    doc: VP counters.
    ref: r
    counters:
` + counters + extra)}}
}

func TestFlatStatsGroup(t *testing.T) {
	r, err := Load(flatRegistry(`      - {index: 1, name: VpRunTime, type: UINT64, kind: counter, unit: 100ns, doc: Run time.}
      - {index: 2, name: VpThing, type: UINT64, kind: gauge, unit: "1", arch: [x64], ref: "f.c:2"}
      - {index: 3, name: VpThing, type: UINT64, kind: gauge, unit: "1", arch: [arm64]}
      - {index: 4, name: VpSpare, type: UINT64, kind: gauge, unit: raw, reserved: true}
`, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	g := r.StatsGroups[0]
	if g.Layout != LayoutFlat || len(g.Counters) != 4 {
		t.Fatalf("group %+v", g)
	}
	c := g.Counters[1]
	if c.Kind != "gauge" || c.Unit != "1" || !c.OnArch("x64") || c.OnArch("arm64") || len(c.Refs) != 1 || !g.Counters[3].Reserved {
		t.Errorf("counter %+v", c)
	}
}

func TestFlatStatsGroupRejected(t *testing.T) {
	for _, c := range []struct{ name, counters, extra, want string }{
		{"no kind", "      - {index: 1, name: A, type: UINT64, unit: raw}\n", "", "needs kind and unit"},
		{"bad kind", "      - {index: 1, name: A, type: UINT64, kind: histogram, unit: raw}\n", "", "kind must be one of"},
		{"bad unit", "      - {index: 1, name: A, type: UINT64, kind: gauge, unit: ms}\n", "", "unit must be one of"},
		{"past the page", "      - {index: 512, name: A, type: UINT64, kind: gauge, unit: raw}\n", "", "past the page"},
		{"same index on one arch", "      - {index: 1, name: A, type: UINT64, kind: gauge, unit: raw}\n      - {index: 1, name: B, type: UINT64, kind: gauge, unit: raw, arch: [arm64]}\n", "",
			"duplicate counter index 1 on arm64"},
		{"same name twice", "      - {index: 1, name: A, type: UINT64, kind: gauge, unit: raw, arch: [x64]}\n      - {index: 2, name: A, type: UINT64, kind: gauge, unit: raw}\n", "",
			"duplicate counter name A on x64"},
		{"second flat group", "      - {index: 1, name: A, type: UINT64, kind: gauge, unit: raw}\n",
			"  - {name: more, object: OBJ_VP, class: release, layout: flat, versions: [v1], doc: More., ref: r, counters: []}\n", "a second flat group for OBJ_VP"},
		{"bad layout", "      - {index: 1, name: A, type: UINT64, kind: gauge, unit: raw}\n",
			"  - {name: more, object: OBJ_VP, class: release, layout: paged, versions: [v1], doc: More., ref: r, counters: []}\n", "layout must be grouped or flat"},
	} {
		_, err := Load(flatRegistry(c.counters, c.extra), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// The linux-7.0 counter tables: how many slots each object type's table
// names on each architecture (placeholders included), and a few counters the
// two builds place differently, as drivers/hv/mshv_debugfs_counters.c has them.
func TestLinuxCounters(t *testing.T) {
	r, err := Load(Embedded(), "(built-in)")
	if err != nil {
		t.Fatal(err)
	}
	v := r.View("linux-7.0")
	count := map[string][2]int{
		"hv_hypervisor_counters": {11, 11},
		"hv_lp_counters":         {51, 46},
		"hv_partition_counters":  {45, 39},
		"hv_vp_counters":         {211, 104},
	}
	slot := map[string][2]int64{
		"VpTotalRunTime":                 {1, 1},
		"VpOtherInterceptsCount":         {23, 13},
		"VpExpressSchedulingCount":       {212, 105},
		"LpCounterRefreshSequenceNumber": {34, 31},
		"PtHwpRequestValue":              {33, 27},
		"HvSubsumedPages":                {12, 12},
	}
	seen := 0
	for _, g := range v.StatsGroups {
		want, ok := count[g.Name]
		if !ok {
			t.Errorf("unexpected group %s", g.Name)
			continue
		}
		for i, a := range Arches {
			n := 0
			for _, c := range g.Counters {
				if !c.OnArch(a) {
					continue
				}
				n++
				if s, ok := slot[c.Name]; ok {
					seen++
					if c.Index != s[i] {
						t.Errorf("%s on %s at slot %d, want %d", c.Name, a, c.Index, s[i])
					}
				}
			}
			if n != want[i] {
				t.Errorf("%s on %s: %d counters, want %d", g.Name, a, n, want[i])
			}
		}
	}
	if seen != 2*len(slot) {
		t.Errorf("found %d of the %d spot checks", seen, 2*len(slot))
	}
}
