package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "version [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	mod := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		mod = bi.Main.Version
	}
	fmt.Fprintf(stdout, "hvgen %s\n", mod)
	r, err := rf.load(stderr)
	if err != nil {
		return err
	}
	for _, v := range r.Versions() {
		fmt.Fprintf(stdout, "registry version %s\n", v.Name)
	}
	return nil
}
