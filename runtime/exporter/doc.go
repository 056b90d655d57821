// Package exporter serves a Hyper-V hypervisor's statistics counters as
// Prometheus metrics.
//
// A Table, built once from an ABI version's statistics groups as a
// generated package holds them (linux70.StatsGroups, wdk2013.StatsGroups:
// each counter's slot, kind and unit, compiled in), says which metric each
// counter is served as and how its value is scaled. A Collector, a
// prometheus.Collector, lists a Source's statistics objects (the
// hypervisor, each logical processor, partition and virtual processor) at
// every scrape and reads each one's counters. The Sources:
//
//   - Debugfs reads the files the Linux mshv driver writes every statistics
//     page into, /sys/kernel/debug/mshv (OpenDebugfs), or a tree like it on
//     any fs.FS (NewDebugfs);
//   - OpenMshv maps the pages through /dev/mshv and reads them in place;
//   - Sim is a simulated host (runtime/sim) whose counters move with the
//     work its partitions do; Sim.WriteDebugfs writes its statistics as the
//     kernel's tree (Table.WriteStats writes one file).
//
// Handler serves a Collector on /metrics (OpenMetrics when the scraper asks
// for it) with the Go runtime's and the process's metrics; Serve runs it
// until a context ends.
//
// Metric names are hyperv_<object>_<counter>[_<unit>][_total]: the
// counter's name in snake case without its object prefix (Hv, Lp, Pt, Vp)
// and without a word that repeats the object; time in 100 ns units served in
// seconds, pages in bytes, counters ending in _total; counters that differ
// only in a number, state or page size (VpWaitingForCpuTimeBucket0 to 12,
// LpC1RunTime to LpC3RunTime, PtGpaPages4K to PtGpaPages512G) are one metric
// with a label (bucket, state, page_size); labels lp, partition (an id, or
// self for an L1VH host's own), vp. A counter a debugfs file has and the
// table does not is served raw as hyperv_<object>_unknown{counter}.
// Objects that cannot be read, or not all, are counted in
// hyperv_exporter_read_errors_total{object,reason}, every reason the source
// gives present at 0 from the first scrape, and logged when an object's
// state changes; the scrape goes on with everything else.
package exporter
