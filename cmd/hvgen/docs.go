package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/docs"
)

func runDocs(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("docs", "docs [-format html|markdown] [-out dir] [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	format := fs.String("format", "html", "`format`: html (a static site that works from file://) or markdown")
	out := fs.String("out", "site", "output `dir`ectory: new, empty, or one hvgen docs wrote before (the files of that run are replaced or removed, other files left alone; it keeps a .hvgen-docs manifest)")
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
	if err := writeSite(*out, files); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d files\n", *out, len(files))
	return nil
}

// docsManifest lists, one path a line, the files hvgen docs wrote into its
// output directory; the next run removes those it does not write again.
const docsManifest = ".hvgen-docs"

// writeSite writes the files into dir so that dir ends up holding this run's
// pages and nothing left from an earlier run: the files the previous run's
// manifest lists and this run does not write are removed, and files hvgen
// did not write are never touched. A directory that is not empty and has no
// manifest is refused, since hvgen cannot tell its files from someone
// else's. The manifest always lists every file of ours that may be on disk
// (the old and new ones while writing), so an interrupted run can be rerun.
func writeSite(dir string, files map[string][]byte) error {
	names := slices.Sorted(maps.Keys(files))
	old, err := readManifest(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	union := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(old), names...))))
	if err := writeOutput(filepath.Join(dir, docsManifest), manifestText(union)); err != nil {
		return err
	}
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeOutput(p, files[n]); err != nil {
			return err
		}
	}
	for _, n := range old {
		if _, again := files[n]; again {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		// Drop the directories the removal emptied, up to dir (Remove fails on a non-empty one).
		for d := filepath.Dir(p); d != filepath.Clean(dir) && strings.HasPrefix(d, filepath.Clean(dir)); d = filepath.Dir(d) {
			if os.Remove(d) != nil {
				break
			}
		}
	}
	return writeOutput(filepath.Join(dir, docsManifest), manifestText(names))
}

func manifestText(names []string) []byte {
	return []byte("# files written by hvgen docs; the next run removes those it does not write again\n" + strings.Join(names, "\n") + "\n")
}

// readManifest returns the files an earlier run wrote into dir: none for a
// missing or empty directory, an error for a non-empty one without a
// manifest or with a manifest naming a path outside dir.
func readManifest(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, docsManifest))
	if errors.Is(err, fs.ErrNotExist) {
		entries, derr := os.ReadDir(dir)
		switch {
		case errors.Is(derr, fs.ErrNotExist):
			return nil, nil
		case derr != nil:
			return nil, derr
		case len(entries) > 0:
			return nil, fmt.Errorf("%s is not empty and holds no %s manifest, so it was not written by hvgen docs; give -out an empty or new directory (hvgen docs removes what it wrote before, and only that)", dir, docsManifest)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !fs.ValidPath(line) || line == "." {
			return nil, fmt.Errorf("%s:%d: %q is not a path inside %s; remove the manifest by hand if you trust the directory's contents", filepath.Join(dir, docsManifest), i+1, line, dir)
		}
		names = append(names, line)
	}
	return names, nil
}
