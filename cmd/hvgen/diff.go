package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/diff"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// exitChanges is the exit status when changes of the failing class are found.
const exitChanges = 3

func runDiff(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("diff", "diff (-from V1 -to V2 [-aliases] | -against DIR|REV -version V) [-format text|json|markdown] [-only classes] [-summary] [-fail-on classes] [-o file] [-spec dir]", stderr)
	var rf registryFlags
	rf.register(fs)
	from := fs.String("from", "", "old ABI `version` in the registry")
	to := fs.String("to", "", "new ABI `version` in the registry")
	against := fs.String("against", "", "old registry: a `directory`, or a git revision of this repository (its spec directory at that revision)")
	version := fs.String("version", "", "with -against: the `version` to compare in both registries")
	format := fs.String("format", "text", "report `format`: text, json or markdown")
	outFile := fs.String("o", "-", "write the report to this `file` (- for standard output)")
	aliases := fs.Bool("aliases", false, "with -from/-to: name items by the registry's aliases first (the kernel's HVCALL_MAP_STATS_PAGE compared as HvCallMapStatsPage), and match the members and enum values of those items across the two spellings (partition_id as PartitionId); on by default when one version is written from documents and the other from headers, -aliases=false turns it off")
	failOn := newList(fs, "fail-on", "exit with status 3 when a change of these `classes` is found (comma-separated; repeatable): incompatible, compatible or doc (each: that class or a worse one), undescribed (only when named), or none", "incompatible")
	only := newList(fs, "only", "list only the changes of these `classes` (comma-separated; repeatable: incompatible, compatible, doc, undescribed); the counts and -fail-on still cover every change")
	summary := fs.Bool("summary", false, "write a short report that fits a pull-request comment: counts by class and kind, and the items with incompatible changes")
	if err := parse(fs, args); err != nil {
		return err
	}
	fail, err := diff.ParseFailOn(failOn.String())
	if err != nil {
		return usageError{err.Error()}
	}
	var onlyClasses []diff.Class
	for _, name := range only.items {
		c, ok := diff.ParseClass(name)
		if !ok {
			return usageError{fmt.Sprintf("-only %q: want a comma-separated list of incompatible, compatible, doc and undescribed", name)}
		}
		onlyClasses = append(onlyClasses, c)
	}
	if !slices.Contains([]string{"text", "json", "markdown"}, *format) {
		return usageError{fmt.Sprintf("-format %q: want text, json or markdown", *format)}
	}
	r, err := rf.load(stderr)
	if err != nil {
		return err
	}
	var old, new *diff.Side
	var oldName, newName string
	switch {
	case *against == "" && *from != "" && *to != "":
		ov, err := view(r, *from)
		if err != nil {
			return err
		}
		nv, err := view(r, *to)
		if err != nil {
			return err
		}
		oldName, newName = *from, *to
		if !flagSet(fs, "aliases") {
			*aliases = diff.TwoSpellings(ov.Registry, nv.Registry)
		}
		newSide := diff.NewSide
		if *aliases {
			newSide = diff.NewAliasedSide // pair the kernel's names with the documents'
		}
		if old, err = newSide(*from, ov); err != nil {
			return err
		}
		if new, err = newSide(*to, nv); err != nil {
			return err
		}
	case *against != "" && *version != "" && *from == "" && *to == "":
		oldReg, name, err := loadAgainst(*against, rf.dir())
		if err != nil {
			return err
		}
		ov, err := view(oldReg, *version)
		if err != nil {
			return err
		}
		nv, err := view(r, *version)
		if err != nil {
			return err
		}
		oldName, newName = name+" ("+*version+")", "current ("+*version+")"
		if old, err = diff.NewSide(oldName, ov); err != nil {
			return err
		}
		if new, err = diff.NewSide(newName, nv); err != nil {
			return err
		}
	default:
		return usageError{"give -from and -to (two versions of one registry), or -against and -version (two registries)"}
	}
	changes := diff.Compare(old, new)
	var buf bytes.Buffer
	if err := diff.NewReport(oldName, newName, changes, onlyClasses...).Write(&buf, *format, *summary); err != nil {
		return err
	}
	if *outFile == "-" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return err
		}
	} else if err := writeFileAtomic(*outFile, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return err
	}
	if fail.Fails(changes) {
		return exitError(exitChanges)
	}
	return nil
}

// flagSet reports whether the command line gave the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// dir is the registry directory the flags name (for -against REV).
func (rf *registryFlags) dir() string {
	if len(rf.dirs) > 0 {
		return rf.dirs[0]
	}
	return "spec"
}

// loadAgainst loads the old registry, checked and laid out as hvgen check
// does: a directory, or the registry directory at a git revision.
func loadAgainst(ref, specDir string) (*layout.ABI, string, error) {
	if st, err := os.Stat(ref); err == nil && st.IsDir() {
		r, err := layout.LoadDir(ref)
		return r, ref, err
	}
	prefix, err := git(specDir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, "", fmt.Errorf("-against %s: not a directory, and %s is not in a git repository: %v", ref, specDir, err)
	}
	archive, err := git(specDir, "archive", "--format=tar", ref, ".")
	if err != nil {
		return nil, "", fmt.Errorf("-against %s: no such directory, and not a revision of the git repository holding %s: %v", ref, specDir, err)
	}
	tmp, err := os.MkdirTemp("", "hvgen-against")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(tmp)
	prefix = strings.TrimSpace(prefix)
	tr := tar.NewReader(bytes.NewReader([]byte(archive)))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		name := strings.TrimPrefix(h.Name, prefix)
		if h.Typeflag != tar.TypeReg || strings.Contains(name, "/") || !strings.HasSuffix(name, ".yaml") {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return nil, "", err
		}
	}
	r, err := layout.Load(spec.Source{FS: os.DirFS(tmp), Prefix: ref + ":" + strings.TrimSuffix(prefix, "/")})
	return r, ref, err
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}
