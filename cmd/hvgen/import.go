package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/cimport"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

func runImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "import -version V [-root dir] [-commit rev] [-repo owner/name] [-prelude c|linux|file] [-arch list] [-I dir] [-D [arch:]name[=value]] [-only names] [-o file | -out dir] header...", stderr)
	version := fs.String("version", "", "ABI `version` the imported items belong to (required)")
	root := fs.String("root", ".", "`dir`ectory the header paths are relative to; refs cite them relative to it")
	var commits specDirs
	fs.Var(&commits, "commit", "source `revision` cited in every ref (file:line @ revision); header=revision for one header's own; repeatable")
	prelude := fs.String("prelude", "c", "built-in prelude (c: plain C such as hvgen's own header; linux: kernel C) or a prelude `file`")
	arches := newList(fs, "arch", "comma-separated `architectures` to import for (repeatable); types that differ become per-architecture items", "x64", "arm64")
	out := fs.String("o", "-", "output `file` holding every item (- for standard output)")
	outDir := fs.String("out", "", "output `dir`ectory: one registry file per header, named <prefix><header>.yaml (instead of -o)")
	prefix := fs.String("prefix", "", "with -out: `prefix` of the file and area names")
	area := fs.String("area", "import", "with -o: the file's `area`")
	conventions := newList(fs, "conventions", "comma-separated document `versions` (newest first, e.g. tlfs,wdk-2013; repeatable) whose calling conventions to take over for the call codes the registry's aliases of -version pair with their calls (reads the registry: -spec)")
	aliasesOf := fs.String("aliases", "", "with -conventions: the `version` whose aliases pair call codes and types with the documents' (default -version; a newer kernel can use linux-7.0's)")
	var rf registryFlags
	rf.register(fs)
	var incs, defs specDirs
	fs.Var(&incs, "I", "include `dir`ectory relative to -root; repeatable")
	fs.Var(&defs, "D", "define a macro (`name[=value]`, or arch:name[=value] for one architecture's run) before the prelude's; repeatable")
	only := newList(fs, "only", "comma-separated `names` of the items to write (types, constants, statuses, call codes, ioctls; TYPE.VALUE writes one value of an enumeration as a constant of that type; repeatable); the rest of the headers is read, checked where the named items use it, and left out")
	repo := fs.String("repo", "", "`owner/name` of the repository the headers come from, for headers that are not the Linux kernel's: every ref starts with it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError(2)
	}
	files := fs.Args()
	switch {
	case *version == "":
		return usageError{"-version is required"}
	case len(files) == 0:
		return usageError{"name at least one header"}
	case only.given && len(only.items) == 0:
		return usageError{"-only names no item"}
	}
	files, err := headerPaths(files, root, flagSet(fs, "root"))
	if err != nil {
		return err
	}
	both := 0
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "o" || f.Name == "out" {
			both++
		}
	})
	if both == 2 {
		return usageError{"give -o (one file) or -out (a directory), not both"}
	}
	if *outDir != "" {
		// One file per header, named by its base name: two headers of the
		// same name would write the same file, the second over the first.
		byArea := map[string]string{}
		for _, h := range files {
			h = path.Clean(filepath.ToSlash(h))
			name := headerArea(*prefix, h)
			if other, ok := byArea[name]; ok && other != h {
				return usageError{fmt.Sprintf("-out: %s and %s would both be written to %s.yaml (rename one, or import them separately)", other, h, name)}
			}
			byArea[name] = h
		}
	}
	pre, ok := cimport.Preludes[*prelude]
	if !ok {
		data, err := os.ReadFile(*prelude)
		if err != nil {
			return usageError{fmt.Sprintf("-prelude %q: not a built-in prelude (c, linux) nor a readable file", *prelude)}
		}
		pre = cimport.Prelude{Text: string(data)}
	}
	commit, perFileRev := "", map[string]string{}
	for _, c := range commits {
		if h, rev, ok := strings.Cut(c, "="); ok {
			perFileRev[path.Clean(filepath.ToSlash(h))] = rev
		} else {
			commit = c
		}
	}
	var convs map[string]*cimport.Convention
	if len(conventions.items) > 0 {
		r, err := rf.load(stderr)
		if err != nil {
			return err
		}
		av := *aliasesOf
		if av == "" {
			av = *version
		}
		if convs, err = callConventions(r, av, conventions.items); err != nil {
			return err
		}
	}
	byArch := map[string]*cimport.Result{}
	for _, a := range arches.items {
		if !slices.Contains(spec.Arches, a) {
			return usageError{fmt.Sprintf("-arch %q: want x64 or arm64", a)}
		}
		res, err := cimport.Parse(&cimport.Config{Arch: a, Root: *root, Files: files, Include: incs, Prelude: pre.Text,
			Stubs: pre.Stubs, Defines: defs, Version: *version, Commit: commit, Repo: *repo, Commits: perFileRev, Conventions: convs})
		if err != nil {
			return err
		}
		byArch[a] = res
	}
	if len(byArch) == 0 {
		return usageError{"-arch is empty"}
	}
	res := cimport.Merge(byArch)
	checked := res
	var selected string
	if only.given {
		names := slices.Clone(only.items)
		slices.Sort(names)
		names = slices.Compact(names)
		all := len(res.Types) + len(res.Constants) + len(res.Statuses) + len(res.Hypercalls) + len(res.Ioctls)
		sel, err := cimport.Select(res, names)
		if err != nil {
			return err
		}
		res, checked = sel.Result, sel.Closure
		selected = fmt.Sprintf(" (-only: %d of the %d items the headers define)", len(names), all)
		for _, typ := range slices.Sorted(maps.Keys(sel.Uses)) {
			fmt.Fprintf(stderr, "uses: %s (not selected; the registry must declare it), by %s\n", typ, strings.Join(sel.Uses[typ], ", "))
		}
	}
	for _, p := range res.Skipped {
		fmt.Fprintf(stderr, "skipped: %s\n", p)
	}
	if errs := cimport.Check(checked, *version); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		return fmt.Errorf("%d layout disagreement(s) between the C front end and the registry's layout engine", len(errs))
	}
	fmt.Fprintf(stderr, "imported %d types, %d constants, %d statuses, %d call codes, %d ioctls; skipped %d%s\n",
		len(res.Types), len(res.Constants), len(res.Statuses), len(res.Hypercalls), len(res.Ioctls), len(res.Skipped), selected)
	from := strings.Join(files, ", ")
	if *repo != "" {
		from = *repo + " " + from
	}
	if *outDir == "" {
		f := &cimport.File{Area: *area, Types: res.Types, Constants: res.Constants, Statuses: res.Statuses,
			Hypercalls: res.Hypercalls, Ioctls: res.Ioctls,
			Doc: fmt.Sprintf("Imported by hvgen import from %s.", from)}
		var buf bytes.Buffer
		if err := cimport.WriteYAML(&buf, f); err != nil {
			return err
		}
		if *out == "-" {
			_, err := stdout.Write(buf.Bytes())
			return err
		}
		return writeOutput(*out, buf.Bytes())
	}
	// One file per header (their names were checked to differ above).
	perFile := map[string]*cimport.File{}
	for _, h := range files {
		perFile[path.Clean(filepath.ToSlash(h))] = &cimport.File{Area: headerArea(*prefix, h),
			Doc: fmt.Sprintf("Imported by hvgen import from %s.", strings.TrimSpace(*repo+" "+filepath.ToSlash(h)))}
	}
	fileOf := func(it *spec.Item) *cimport.File { return perFile[it.Pos.File] }
	for _, t := range res.Types {
		f := fileOf(&t.Item)
		f.Types = append(f.Types, t)
	}
	for _, c := range res.Constants {
		f := fileOf(&c.Item)
		f.Constants = append(f.Constants, c)
	}
	for _, s := range res.Statuses {
		f := fileOf(&s.Item)
		f.Statuses = append(f.Statuses, s)
	}
	for _, h := range res.Hypercalls {
		f := fileOf(&h.Item)
		f.Hypercalls = append(f.Hypercalls, h)
	}
	for _, x := range res.Ioctls {
		f := fileOf(&x.Item)
		f.Ioctls = append(f.Ioctls, x)
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	for _, f := range perFile {
		if len(f.Types)+len(f.Constants)+len(f.Statuses)+len(f.Hypercalls)+len(f.Ioctls) == 0 {
			continue
		}
		var buf bytes.Buffer
		if err := cimport.WriteYAML(&buf, f); err != nil {
			return err
		}
		if err := writeOutput(filepath.Join(*outDir, f.Area+".yaml"), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// callConventions collects, for each call code the registry's aliases of
// version pair with a documented call, that call's convention as the first
// of docs that has it describes it, and the types the aliases pair with its
// parameter blocks.
func callConventions(a *layout.ABI, version string, docs []string) (map[string]*cimport.Convention, error) {
	for _, d := range docs {
		if _, err := view(a, d); err != nil {
			return nil, err
		}
	}
	r := a.Registry
	typeAliases := map[string][]string{} // documented type -> header types
	for _, a := range r.Aliases {
		if a.In(version) {
			typeAliases[a.Of] = append(typeAliases[a.Of], a.Name)
		}
	}
	out := map[string]*cimport.Convention{}
	for _, a := range r.Aliases {
		if !a.In(version) {
			continue
		}
		for _, d := range docs {
			i := slices.IndexFunc(r.View(d).Hypercalls, func(h *spec.Hypercall) bool { return h.Name == a.Of })
			if i < 0 {
				continue
			}
			h := r.View(d).Hypercalls[i]
			out[a.Name] = &cimport.Convention{DocCall: h.Name, DocVersion: d, Rep: h.Rep, Fast: h.Fast, VariableHeader: h.VariableHeader,
				Input: h.Input != "", Output: h.Output != "", InputRep: h.InputRep != "", OutputRep: h.OutputRep != "", Inputs: typeAliases[h.Input], Outputs: typeAliases[h.Output]}
			break
		}
	}
	return out, nil
}

// headerPaths makes the header paths relative to the root the refs cite them
// from. An absolute path is taken relative to -root; without -root, when every
// header is absolute, the first one's directory becomes the root.
func headerPaths(files []string, root *string, rootSet bool) ([]string, error) {
	allAbs := !slices.ContainsFunc(files, func(f string) bool { return !filepath.IsAbs(f) })
	if !rootSet && allAbs {
		*root = filepath.Dir(files[0])
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(files)
	for i, f := range files {
		if !filepath.IsAbs(f) {
			continue
		}
		rel, err := filepath.Rel(absRoot, f)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, usageError{fmt.Sprintf("%s is not under the root %s (-root names the directory the refs cite header paths from)", f, *root)}
		}
		out[i] = rel
	}
	return out, nil
}

// headerArea is the area, and -out file name, of a header's items: the
// prefix and the header's base name without its extension.
func headerArea(prefix, header string) string {
	h := filepath.ToSlash(header)
	return areaName(prefix + strings.TrimSuffix(path.Base(h), path.Ext(h)))
}

// areaName makes an area identifier of a file name.
func areaName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
