package main

import (
	"fmt"
	"io"
)

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "check [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	r, err := rf.load(stderr)
	if err != nil {
		return err
	}
	for _, v := range r.VersionNames() {
		w := r.View(v)
		fmt.Fprintf(stdout, "%s: %d types, %d hypercalls, %d statuses, %d constants, %d eventlog groups, %d stats groups\n",
			v, len(w.Types), len(w.Hypercalls), len(w.Statuses), len(w.Constants), len(w.EventGroups), len(w.StatsGroups))
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
