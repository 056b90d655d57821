package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hvgen/hvgen/spec"
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
	for _, ver := range r.Versions() {
		v, w := ver.Name, ver.Registry
		types := fmt.Sprintf("%d types", len(w.Types))
		if w.ArchSpecific() {
			// Per-architecture variants share a name: count each architecture's view.
			var per []string
			for _, a := range spec.Arches {
				per = append(per, fmt.Sprintf("%d on %s", len(w.ForArch(a).Types), a))
			}
			types += " (" + strings.Join(per, ", ") + ")"
		}
		driver := ""
		if len(w.Ioctls) > 0 || len(w.Driver) > 0 {
			pass := 0
			for _, h := range w.Hypercalls {
				if h.Passthrough != nil {
					pass++
				}
			}
			driver = fmt.Sprintf(", %d ioctls, %d pass-through hypercalls", len(w.Ioctls), pass)
		}
		fmt.Fprintf(stdout, "%s: %s, %d hypercalls, %d statuses, %d constants, %d eventlog groups, %d stats groups%s\n",
			v, types, len(w.Hypercalls), len(w.Statuses), len(w.Constants), len(w.EventGroups), len(w.StatsGroups), driver)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
