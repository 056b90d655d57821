package exporter_test

import (
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/exporter"
)

// Read a debugfs tree (here a fixture; on a root partition
// exporter.OpenDebugfs(exporter.DefaultDebugfsRoot)) and gather its metrics
// as Prometheus would scrape them.
func Example() {
	table, err := exporter.NewTable(linux70.StatsGroups[:], "x64")
	if err != nil {
		log.Fatal(err)
	}
	tree := "testdata/debugfs/root"
	collector := exporter.NewCollector(exporter.NewDebugfs(os.DirFS(tree), tree), table, slog.New(slog.DiscardHandler))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector)
	families, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range families {
		switch mf.GetName() {
		case "hyperv_vp_run_time_seconds_total", "hyperv_partition_gpa_mapped_bytes", "hyperv_vp_unknown":
			for _, m := range mf.GetMetric() {
				var labels []string
				for _, l := range m.GetLabel() {
					labels = append(labels, l.GetName()+"="+l.GetValue())
				}
				v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
				fmt.Printf("%s{%s} %v\n", mf.GetName(), strings.Join(labels, ","), v)
			}
		}
	}
	// Output:
	// hyperv_partition_gpa_mapped_bytes{page_size=2MiB,partition=1} 6.291456e+06
	// hyperv_partition_gpa_mapped_bytes{page_size=4KiB,partition=1} 0
	// hyperv_partition_gpa_mapped_bytes{page_size=4KiB,partition=7} 2.68435456e+08
	// hyperv_vp_run_time_seconds_total{partition=1,vp=0} 6
	// hyperv_vp_run_time_seconds_total{partition=1,vp=1} 2
	// hyperv_vp_run_time_seconds_total{partition=7,vp=0} 3.5
	// hyperv_vp_unknown{counter=VpFutureCounter,partition=1,vp=0} 17
	// hyperv_vp_unknown{counter=VpFutureCounter,partition=7,vp=0} 3
	// hyperv_vp_unknown{counter=VpOtherFutureCounter,partition=7,vp=0} 4
}

// A simulated host writes its statistics as the kernel's debugfs tree,
// which the Debugfs source then reads.
func ExampleSim_WriteDebugfs() {
	table, err := exporter.NewTable(linux70.StatsGroups[:], "x64")
	if err != nil {
		log.Fatal(err)
	}
	now := time.Unix(0, 0)
	host, err := exporter.NewSim(table, exporter.SimConfig{Seed: 1, Partitions: 2, VPs: 3, Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	now = now.Add(10 * time.Second)
	dir, err := os.MkdirTemp("", "mshv")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := host.WriteDebugfs(dir); err != nil {
		log.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "partition", "2", "stats"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.SplitAfter(string(data), "\n")[0])

	src, err := exporter.OpenDebugfs(dir)
	if err != nil {
		log.Fatal(err)
	}
	objects, err := src.Objects(nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(objects), "objects:", objects[0], "...", objects[len(objects)-1])
	// Output:
	// PtVirtualProcessors                  : 3
	// 15 objects: hypervisor ... partition 3 vp 2
}
