package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/docs"
)

func runDocs(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("docs", "docs [-format html|markdown] [-out dir] [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	format := fs.String("format", "html", "`format`: html (a static site that works from file://) or markdown")
	out := fs.String("out", "docs", "output `dir`ectory")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "html" && *format != "markdown" {
		return usageError{fmt.Sprintf("-format %q: want html or markdown", *format)}
	}
	r, err := rf.load(stderr)
	if err != nil {
		return err
	}
	site, err := docs.Build(r)
	if err != nil {
		return err
	}
	files, err := docs.HTML(site)
	if *format == "markdown" {
		files, err = docs.Markdown(site)
	}
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := filepath.Join(*out, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeFileAtomic(p, func(w io.Writer) error {
			_, err := w.Write(files[n])
			return err
		}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %d files\n", *out, len(files))
	return nil
}
