package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/layout"
	"github.com/hvgen/hvgen/spec"
)

// specDirs is the repeatable -spec flag: a registry directory, then overlays.
type specDirs []string

func (s *specDirs) String() string { return strings.Join(*s, ",") }
func (s *specDirs) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// registryFlags are the flags every command that reads the registry takes.
type registryFlags struct {
	dirs     specDirs
	overlays specDirs
}

func (rf *registryFlags) register(fs *flag.FlagSet) {
	fs.Var(&rf.dirs, "spec", "registry `dir`ectory; repeat to add overlay directories on top (default ./spec, or the registry built into hvgen when ./spec does not exist)")
	fs.Var(&rf.overlays, "overlay", "`dir`ectory of extra registry files (a downstream module's own types and hypercalls) loaded on top of the registry; repeatable")
}

// load reads and checks the registry, layouts included. Registry errors are
// printed to stderr, one per line, and turned into exit status 1.
func (rf *registryFlags) load(stderr io.Writer) (*spec.Registry, error) {
	var srcs []spec.Source
	dirs := rf.dirs
	if len(dirs) == 0 {
		if st, serr := os.Stat("spec"); serr == nil && st.IsDir() {
			dirs = specDirs{"spec"}
		} else {
			srcs = append(srcs, spec.Source{FS: spec.Embedded(), Prefix: "(built-in)"})
		}
	}
	for _, d := range append(dirs, rf.overlays...) {
		st, serr := os.Stat(d)
		if serr != nil {
			return nil, serr
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s: not a directory", d)
		}
		srcs = append(srcs, spec.Source{FS: os.DirFS(d), Prefix: d})
	}
	r, err := spec.LoadSources(srcs...)
	var list spec.ErrorList
	if err != nil && !errors.As(err, &list) {
		return nil, err
	}
	if r != nil {
		list = append(list, layout.Check(r)...)
		list = list.Sort()
	}
	if len(list) > 0 {
		for _, e := range list {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "%d error(s)\n", len(list))
		return nil, exitError(1)
	}
	return r, nil
}

// view returns one version's view, or a usage error naming the versions.
func view(r *spec.Registry, v string) (*spec.Registry, error) {
	if !slices.Contains(r.VersionNames(), v) {
		return nil, usageError{fmt.Sprintf("unknown version %q (the registry has %s)", v, strings.Join(r.VersionNames(), ", "))}
	}
	return r.View(v), nil
}
