package main

import (
	"bytes"
	"io"
	"os"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/export"
)

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "export [-version V] [-o file] [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	version := fs.String("version", "", "export only this ABI `version` (default: every item, each with its versions)")
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
	doc, err := export.Build(r, *version)
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
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}
