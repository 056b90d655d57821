package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/exporter"
)

const exporterExamples = `
Examples:

  # Serve the simulated hypervisor's statistics on port 9812:
  hvgen exporter -backend sim -listen 127.0.0.1:9812
  curl -s http://127.0.0.1:9812/metrics | grep hyperv_vp_total_run_time

  # The simulated hypervisor's pages in the 2013 group format:
  hvgen exporter -backend sim -version wdk-2013 -listen 127.0.0.1:9812

  # Forty simulated VPs in ten partitions that come and go, another seed:
  hvgen exporter -backend sim -sim-partitions 10 -sim-vps 4 -seed 7 -listen :9812

  # On a Linux root partition with the mshv driver (needs root):
  hvgen exporter -backend mshv -mshv-partition 1:8 -listen :9812
`

// runExporter serves the statistics pages of a hypervisor as Prometheus
// metrics until SIGINT or SIGTERM.
func runExporter(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("exporter", "exporter [-listen addr] [-backend sim|mshv] [-version v] [flags]", stderr)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(stderr, exporterExamples) }
	var rf registryFlags
	rf.register(fs)
	listen := fs.String("listen", "127.0.0.1:9812", "`address` to serve /metrics and /healthz on (port 0: any free port; the log says which)")
	backend := fs.String("backend", "mshv", "where the pages come from, by `name`: sim (the simulated hypervisor) or mshv (Linux's /dev/mshv on a root partition)")
	version := fs.String("version", "linux-7.0", "ABI `version` whose counter registry lays out the pages")
	arch := fs.String("arch", archOf(runtime.GOARCH), "`architecture` whose counter layout the pages have (x64 or arm64)")
	seed := fs.Uint64("seed", 1, "sim: `seed` for how fast each counter moves and when partitions come and go")
	lps := fs.Int("sim-lps", 4, "sim: logical processors")
	parts := fs.Int("sim-partitions", 2, "sim: child partitions at the start")
	vps := fs.Int("sim-vps", 4, "sim: VPs per child partition")
	churn := fs.Duration("sim-churn", 15*time.Second, "sim: every this much time a seeded draw may delete a child partition and create one (0: never)")
	var mshvParts partitionList
	fs.Var(&mshvParts, "mshv-partition", "mshv: a partition `id:vps` to export besides the hypervisor and the logical processors; repeatable")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *backend != "sim" && *backend != "mshv" {
		return usageError{fmt.Sprintf("unknown backend %q (sim or mshv)", *backend)}
	}
	if *lps < 1 || *parts < 0 || *vps < 1 || *churn < 0 {
		return usageError{"-sim-lps and -sim-vps must be positive, -sim-partitions and -sim-churn not negative"}
	}
	// A flag of the other backend would be ignored: refuse it instead.
	var other []string
	fs.Visit(func(f *flag.Flag) {
		simFlag := f.Name == "seed" || strings.HasPrefix(f.Name, "sim-")
		if (*backend == "mshv" && simFlag) || (*backend == "sim" && f.Name == "mshv-partition") {
			other = append(other, "-"+f.Name)
		}
	})
	if len(other) > 0 {
		return usageError{fmt.Sprintf("%s: not a flag of -backend %s", strings.Join(other, ", "), *backend)}
	}
	r, err := rf.load(stderr)
	if err != nil {
		return err
	}
	v, err := view(r, *version)
	if err != nil {
		return err
	}
	table, err := exporter.NewTable(v.Registry, *version, *arch)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	var src exporter.Source
	switch *backend {
	case "sim":
		src, err = exporter.NewSim(table, exporter.SimConfig{Seed: *seed, LPs: *lps, Partitions: *parts, VPs: *vps,
			Churn: *churn > 0, ChurnEvery: *churn})
		if err != nil {
			return err
		}
	case "mshv":
		src, err = exporter.OpenMshv(mshvParts)
		if err != nil {
			return err
		}
	}
	defer src.Close()
	h, err := exporter.Handler(exporter.NewCollector(src, table, logger), logger)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	n := table.Len()
	logger.Info("listening on "+ln.Addr().String(), "backend", *backend, "version", *version, "arch", *arch,
		"metrics_per_object", fmt.Sprintf("hypervisor %d, lp %d, partition %d, vp %d", n[0], n[1], n[2], n[3]))
	err = exporter.Serve(ctx, ln, h, logger, 5*time.Second)
	logger.Info("stopped")
	return err
}

// archOf is the registry's name for a Go architecture.
func archOf(goarch string) string {
	if goarch == "arm64" {
		return "arm64"
	}
	return "x64"
}

// partitionList is the repeatable -mshv-partition flag.
type partitionList []exporter.MshvPartition

func (p *partitionList) String() string {
	var s []string
	for _, x := range *p {
		s = append(s, fmt.Sprintf("%d:%d", x.ID, x.VPs))
	}
	return strings.Join(s, ",")
}

func (p *partitionList) Set(v string) error {
	id, vps, ok := strings.Cut(v, ":")
	pid, err1 := strconv.ParseUint(id, 0, 64)
	n, err2 := strconv.ParseUint(vps, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("want id:vps, such as 1:8")
	}
	*p = append(*p, exporter.MshvPartition{ID: pid, VPs: uint32(n)})
	return nil
}
