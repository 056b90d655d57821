package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/exporter"
	"github.com/hvgen/hvgen/runtime/mshv"
)

const exporterExamples = `
Examples:

  # On a Linux root partition (as root; see docs/exporter.md): the kernel's
  # mshv debugfs tree when it is there, else the pages through /dev/mshv:
  hvgen exporter -listen :9812

  # Serve the simulated hypervisor's statistics on port 9812:
  hvgen exporter -backend sim -listen 127.0.0.1:9812
  curl -s http://127.0.0.1:9812/metrics | grep hyperv_vp_run_time

  # A debugfs tree somewhere else (one "hvgen simulate -debugfs DIR" wrote):
  hvgen exporter -backend debugfs -debugfs-root DIR

  # The simulated hypervisor's pages in the 2013 group format:
  hvgen exporter -backend sim -version wdk-2013 -listen 127.0.0.1:9812

  # Forty simulated VPs in ten partitions that come and go, another seed:
  hvgen exporter -backend sim -sim-partitions 10 -sim-vps 4 -seed 7 -listen :9812
`

// statsVersions are the ABI versions with statistics counters, by -version
// name: their counters, compiled in.
var statsVersions = map[string][]abi.StatsGroup{
	"linux-7.0": linux70.StatsGroups[:],
	"wdk-2013":  wdk2013.StatsGroups[:],
}

// exporterBackends are the -backend values, and the flags only each takes.
var exporterBackends = []string{"auto", "debugfs", "mshv", "sim"}

// runExporter serves a hypervisor's statistics as Prometheus metrics until
// SIGINT or SIGTERM.
func runExporter(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("exporter", "exporter [-listen addr] [-backend auto|debugfs|mshv|sim] [-version v] [flags]", stderr)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(stderr, exporterExamples) }
	listen := fs.String("listen", "127.0.0.1:9812", "`address` to serve /metrics and /healthz on (port 0: any free port; the log says which)")
	backend := fs.String("backend", "auto", "where the statistics come from, by `name`: auto (debugfs when its tree is there, else mshv), debugfs (the kernel's /sys/kernel/debug/mshv files), mshv (pages mapped through /dev/mshv) or sim (the simulated hypervisor)")
	version := fs.String("version", "linux-7.0", "ABI `version` whose counters the statistics hold: linux-7.0 or wdk-2013 (pages in groups)")
	arch := fs.String("arch", archOf(runtime.GOARCH), "`architecture` whose counter layout the statistics have (x64 or arm64)")
	debugfsRoot := fs.String("debugfs-root", exporter.DefaultDebugfsRoot, "debugfs, auto: the mshv debugfs `dir`ectory")
	seed := fs.Uint64("seed", 1, "sim: `seed` for how fast each counter moves, each VP's load, and when partitions come and go")
	lps := fs.Int("sim-lps", 4, "sim: logical processors")
	parts := fs.Int("sim-partitions", 2, "sim: child partitions at the start")
	vps := fs.Int("sim-vps", 4, "sim: VPs per child partition")
	churn := fs.Duration("sim-churn", 15*time.Second, "sim: every this much time a seeded draw may delete a child partition and create one (0: never)")
	var mshvParts partitionList
	fs.Var(&mshvParts, "mshv-partition", "mshv, auto: the partitions to export besides the hypervisor and the logical processors, as comma-separated `id:vps` items (repeatable)")
	var oldSpec specDirs
	fs.Var(&oldSpec, "spec", "deprecated and ignored: the counters are compiled in (`dir`)")
	fs.Var(&oldSpec, "overlay", "deprecated and ignored: the counters are compiled in (`dir`)")
	if err := parse(fs, args); err != nil {
		return err
	}
	groups, ok := statsVersions[*version]
	switch {
	case !slices.Contains(exporterBackends, *backend):
		return usageError{fmt.Sprintf("-backend %q: want %s", *backend, strings.Join(exporterBackends, ", "))}
	case !ok:
		return usageError{fmt.Sprintf("-version %q: want linux-7.0 or wdk-2013, the versions with statistics counters", *version)}
	case *arch != "x64" && *arch != "arm64":
		return usageError{fmt.Sprintf("-arch %q: want x64 or arm64", *arch)}
	case *lps < 1 || *parts < 0 || *vps < 1 || *churn < 0:
		return usageError{"-sim-lps and -sim-vps must be positive, -sim-partitions and -sim-churn not negative"}
	case *debugfsRoot == "":
		return usageError{"-debugfs-root: want a directory"}
	case *backend == "debugfs" && *version != "linux-7.0":
		return usageError{fmt.Sprintf("-backend debugfs reads the kernel's files, which hold linux-7.0's counters, not %s's", *version)}
	}
	// A flag of a backend not chosen would be ignored: refuse it instead.
	var other []string
	fs.Visit(func(f *flag.Flag) {
		var takes []string
		switch {
		case f.Name == "seed" || strings.HasPrefix(f.Name, "sim-"):
			takes = []string{"sim"}
		case f.Name == "mshv-partition":
			takes = []string{"mshv", "auto"}
		case f.Name == "debugfs-root":
			takes = []string{"debugfs", "auto"}
		default:
			return
		}
		if !slices.Contains(takes, *backend) {
			other = append(other, "-"+f.Name)
		}
	})
	if len(other) > 0 {
		return usageError{fmt.Sprintf("%s: not a flag of -backend %s", strings.Join(other, ", "), *backend)}
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if len(oldSpec) > 0 {
		logger.Warn("-spec and -overlay are deprecated and ignored: the exporter's counters are compiled in from the registry (generated/); the flags go in the next release")
	}
	table, err := exporter.NewTable(groups, *arch)
	if err != nil {
		return err
	}
	chosen := *backend
	var src exporter.Source
	switch *backend {
	case "auto":
		src, chosen, err = autoSource(*debugfsRoot, *version == "linux-7.0", mshvParts)
	case "debugfs":
		src, err = exporter.OpenDebugfs(*debugfsRoot)
	case "mshv":
		src, err = exporter.OpenMshv(mshvParts)
	case "sim":
		src, err = exporter.NewSim(table, exporter.SimConfig{Seed: *seed, LPs: *lps, Partitions: *parts, VPs: *vps,
			Churn: *churn > 0, ChurnEvery: *churn})
	}
	if err != nil {
		return err
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
	logger.Info("listening on "+ln.Addr().String(), "backend", chosen, "version", *version, "arch", *arch,
		"metrics_per_object", fmt.Sprintf("hypervisor %d, lp %d, partition %d, vp %d", n[0], n[1], n[2], n[3]))
	err = exporter.Serve(ctx, ln, h, logger, 5*time.Second)
	logger.Info("stopped")
	return err
}

// autoSource picks the backend: the debugfs tree at root when it can be
// read (and the counters are linux-7.0's, the ones it holds), else the
// pages through /dev/mshv when the device is there; else an error that
// says what is missing. A tree that is there but not readable is an error:
// the mshv backend needs even more rights.
func autoSource(root string, flat bool, parts []exporter.MshvPartition) (exporter.Source, string, error) {
	why := []string{}
	if flat {
		err := exporter.ProbeDebugfs(root)
		if err == nil {
			src, err := exporter.OpenDebugfs(root)
			return src, "debugfs", err
		}
		if errors.Is(err, exporter.ErrPermission) {
			return nil, "", err
		}
		why = append(why, "debugfs: "+err.Error())
	} else {
		why = append(why, "debugfs: its files hold linux-7.0's counters")
	}
	_, err := os.Stat(mshv.DevicePath)
	if err == nil {
		src, err := exporter.OpenMshv(parts)
		return src, "mshv", err
	}
	if errors.Is(err, os.ErrNotExist) {
		why = append(why, fmt.Sprintf("mshv: %s does not exist: no mshv driver (this is not a Linux root partition on Hyper-V)", mshv.DevicePath))
	} else {
		why = append(why, "mshv: "+err.Error())
	}
	return nil, "", fmt.Errorf("no statistics source (-backend auto): %s", strings.Join(why, "; "))
}

// archOf is the registry's name for a Go architecture.
func archOf(goarch string) string {
	if goarch == "arm64" {
		return "arm64"
	}
	return "x64"
}

// partitionList is the -mshv-partition list flag: id:vps items,
// comma-separated, and the flag may be repeated.
type partitionList []exporter.MshvPartition

func (p *partitionList) String() string {
	var s []string
	for _, x := range *p {
		s = append(s, fmt.Sprintf("%d:%d", x.ID, x.VPs))
	}
	return strings.Join(s, ",")
}

func (p *partitionList) Set(v string) error {
	for _, item := range list(v) {
		id, vps, ok := strings.Cut(item, ":")
		pid, err1 := strconv.ParseUint(id, 0, 64)
		n, err2 := strconv.ParseUint(vps, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("want id:vps, such as 1:8")
		}
		*p = append(*p, exporter.MshvPartition{ID: pid, VPs: uint32(n)})
	}
	return nil
}
