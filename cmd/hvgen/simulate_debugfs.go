package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/exporter"
)

// simulateDebugfs is "hvgen simulate -debugfs dir": the statistics of a
// simulated host (4 logical processors, 2 child partitions of 4 VPs, as
// "hvgen exporter -backend sim" starts with) after d of simulated time,
// written as the kernel's mshv debugfs tree with linux-7.0's counters of
// this machine's architecture.
func simulateDebugfs(fs *flag.FlagSet, dir string, d time.Duration, seed uint64, stdout io.Writer) error {
	var other []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "debugfs" && f.Name != "for" && f.Name != "seed" {
			other = append(other, "-"+f.Name)
		}
	})
	switch {
	case len(other) > 0:
		return usageError{fmt.Sprintf("%s: not a flag of -debugfs (which takes -for and -seed)", strings.Join(other, ", "))}
	case d <= 0:
		return usageError{"-for must be positive"}
	}
	table, err := exporter.NewTable(linux70.StatsGroups[:], archOf(runtime.GOARCH))
	if err != nil {
		return err
	}
	start := time.Unix(0, 0)
	now := start
	s, err := exporter.NewSim(table, exporter.SimConfig{Seed: seed, LPs: 4, Partitions: 2, VPs: 4, Now: func() time.Time { return now }})
	if err != nil {
		return err
	}
	now = start.Add(d)
	if err := s.WriteDebugfs(dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: the mshv debugfs tree of a simulated host (%s, %s simulated)\n", dir, table.Arch, d)
	return nil
}
