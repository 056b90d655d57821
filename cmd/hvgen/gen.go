package main

import (
	"fmt"
	"go/token"
	"io"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/cgen"
	"github.com/hvgen/hvgen/cmd/hvgen/internal/gogen"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

func runGen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", "gen -version V [-lang go|c] [-out dir] [-pkg name] [-calls list] [-types list] [-areas list] [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	version := fs.String("version", "", "ABI `version` to generate (required; see hvgen version)")
	out := fs.String("out", ".", "output `dir`ectory")
	pkg := fs.String("pkg", "", "Go package `name` (default: the version without punctuation, e.g. wdk2013); for C, the header's file name without .h")
	lang := fs.String("lang", "go", "output `language`: go (a package of z*.go files) or c (one header, <pkg>.h)")
	calls := newList(fs, "calls", "generate only these hypercalls (comma-separated `names`, e.g. HvCallMapStatsPage,HvCallPostMessage; repeatable) and what they use")
	typs := newList(fs, "types", "generate only these types (comma-separated ABI `names`; repeatable) and what they use")
	areas := newList(fs, "areas", "generate only these registry areas (comma-separated `names`, e.g. eventlog,stats; repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *version == "" {
		return usageError{"-version is required"}
	}
	if *pkg == "" {
		*pkg = packageName(*version)
	}
	if !token.IsIdentifier(*pkg) {
		return usageError{fmt.Sprintf("-pkg %q is not a Go identifier", *pkg)}
	}
	if *lang != "go" && *lang != "c" {
		return usageError{fmt.Sprintf("-lang %q: want go or c", *lang)}
	}
	r, err := rf.load(stderr)
	if err != nil {
		return err
	}
	sel := spec.Selection{Hypercalls: calls.items, Types: typs.items, Areas: areas.items}
	if *lang == "c" {
		data, err := generateC(r, *version, *pkg, sel)
		if err != nil {
			return err
		}
		return writeGenerated(*out, "c", map[string][]byte{*pkg + ".h": data})
	}
	files, err := generate(r, *version, *pkg, sel)
	if err != nil {
		return err
	}
	return writeGenerated(*out, "go", files)
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// selectView returns the selected part of one version, or a usage error.
func selectView(a *layout.ABI, version string, sel spec.Selection) (*layout.Version, error) {
	v, err := view(a, version)
	if err != nil {
		return nil, err
	}
	sub, err := v.Subset(sel)
	if err != nil {
		if _, inAll := a.Registry.Subset(sel); inAll == nil {
			// Every name exists, in other versions: say so, not "not in the registry".
			return nil, usageError{fmt.Sprintf("not in version %s: %s", version, strings.TrimPrefix(err.Error(), "not in the registry: "))}
		}
		return nil, usageError{err.Error()}
	}
	return sub, nil
}

// commandLine is the generation command named in the output's header: the
// flags that change the output, in a fixed order (never paths).
func commandLine(lang, version, pkg string, sel spec.Selection) string {
	var b strings.Builder
	b.WriteString("hvgen gen")
	if lang != "go" {
		b.WriteString(" -lang " + lang)
	}
	b.WriteString(" -version " + version + " -pkg " + pkg)
	for _, f := range []struct {
		flag string
		v    []string
	}{{"calls", sel.Hypercalls}, {"types", sel.Types}, {"areas", sel.Areas}} {
		if len(f.v) > 0 {
			b.WriteString(" -" + f.flag + " " + strings.Join(f.v, ","))
		}
	}
	return b.String()
}

// generate runs the pipeline for one version of the resolved registry:
// selection, emit.
func generate(a *layout.ABI, version, pkg string, sel spec.Selection) (map[string][]byte, error) {
	v, err := selectView(a, version, sel)
	if err != nil {
		return nil, err
	}
	return gogen.Generate(v, gogen.Options{
		Package: pkg,
		Version: version,
		Command: commandLine("go", version, pkg, sel),
	})
}

// generateC runs the pipeline for a C header.
func generateC(a *layout.ABI, version, name string, sel spec.Selection) ([]byte, error) {
	v, err := selectView(a, version, sel)
	if err != nil {
		return nil, err
	}
	return cgen.Generate(v, commandLine("c", version, name, sel))
}

// packageName turns a version name into a package name: wdk-2013 -> wdk2013.
func packageName(version string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(version) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "hv"
	}
	return b.String()
}
