package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/export"
	"github.com/hvgen/hvgen/spec"
)

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "export [-version V] [-arch x64|arm64] [-o file] [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	version := fs.String("version", "", "export only this ABI `version` (default: every item, each with its versions)")
	arch := fs.String("arch", "x64", "export this `architecture`'s layouts and type variants (x64 or arm64)")
	out := fs.String("o", "-", "output `file` (- for standard output)")
	if err := parse(fs, args); err != nil {
		return err
	}
	r, err := rf.load(stderr)
	if err != nil {
		return err
	}
	if *version != "" {
		if _, err := view(r, *version); err != nil {
			return err
		}
	}
	if !slices.Contains(spec.Arches, *arch) {
		return usageError{fmt.Sprintf("-arch %q: want x64 or arm64", *arch)}
	}
	doc, err := export.Build(r, *version, *arch)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, doc); err != nil {
		return err
	}
	if *out == "-" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	return writeFileAtomic(*out, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}
