package cimport

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"modernc.org/cc/v4"

	"github.com/hvgen/hvgen/spec"
)

// stubDir is where the FS given to the C front end holds the stand-ins for
// system headers (Config.Stubs).
const stubDir = "_hvgen_stubs"

// archTarget is the C target and the compiler macros of each architecture.
var archTarget = map[string]struct {
	goarch, macros string
}{
	"x64":   {"amd64", "#define __x86_64__ 1\n#define __x86_64 1\n#define __amd64__ 1\n"},
	"arm64": {"arm64", "#define __aarch64__ 1\n#define __ARM_64BIT_STATE 1\n"},
}

// predefined are the macros every target of ours has (LP64 Linux, GNU C11).
const predefined = `#define __STDC__ 1
#define __STDC_VERSION__ 201112L
#define __STDC_HOSTED__ 0
#define __GNUC__ 12
#define __linux__ 1
#define __LP64__ 1
#define _LP64 1
#define __CHAR_BIT__ 8
#define __SIZEOF_LONG__ 8
#define __SIZEOF_POINTER__ 8
#define __BYTE_ORDER__ 1234
#define __ORDER_LITTLE_ENDIAN__ 1234
int __predefined_declarator;
`

// translate runs the C front end on the headers for one architecture.
func translate(c *Config) (*cc.AST, error) {
	tgt, ok := archTarget[c.Arch]
	if !ok {
		return nil, fmt.Errorf("unknown architecture %q (x64, arm64)", c.Arch)
	}
	abi, err := cc.NewABI("linux", tgt.goarch)
	if err != nil {
		return nil, err
	}
	fsys, err := headerFS(c)
	if err != nil {
		return nil, err
	}
	inc := []string{"", "."}
	for _, d := range c.Include {
		inc = append(inc, path.Clean(filepath.ToSlash(d)))
	}
	cfg := &cc.Config{
		ABI:             abi,
		FS:              fsys,
		FSOnly:          true,
		IncludePaths:    inc,
		SysIncludePaths: append([]string{stubDir}, inc[1:]...),
		ABILayout:       true,
		EvalAllMacros:   true,
		Header:          true,
		DefaultSizeT:    cc.ULong,
		DefaultPtrdiffT: cc.Long,
		DefaultWcharT:   cc.Int,
		ExpansionLimit:  50_000_000,
	}
	var defs strings.Builder
	defs.WriteString(predefined)
	defs.WriteString(tgt.macros)
	for _, d := range c.Defines {
		if a, rest, ok := strings.Cut(d, ":"); ok && slices.Contains(spec.Arches, a) {
			if a != c.Arch {
				continue // a definition for another architecture's run
			}
			d = rest
		}
		name, val, ok := strings.Cut(d, "=")
		if !ok {
			val = "1"
		}
		fmt.Fprintf(&defs, "#define %s %s\n", name, val)
	}
	var main strings.Builder
	for _, f := range c.Files {
		fmt.Fprintf(&main, "#include \"%s\"\n", path.Clean(filepath.ToSlash(f)))
	}
	srcs := []cc.Source{
		{Name: "<predefined>", Value: defs.String()},
		{Name: "<prelude>", Value: c.Prelude},
		{Name: "<import>", Value: main.String()},
	}
	limit := c.Timeout
	if limit <= 0 {
		limit = DefaultTimeout
	}
	type result struct {
		ast *cc.AST
		err error
	}
	done := make(chan result, 1)
	go func() {
		ast, err := translateSafely(cfg, srcs, c.Root, c.Arch)
		done <- result{ast, err}
	}()
	select {
	case r := <-done:
		return r.ast, r.err
	case <-time.After(limit):
		// cc v4.34.1 can loop forever on some malformed declarations (a
		// pointer's qualifier list running into the end of the input); it
		// cannot be stopped, so the import gives up on it instead.
		return nil, fmt.Errorf("%s: the C front end did not finish within %v (malformed input?)", c.Arch, limit)
	}
}

// DefaultTimeout bounds one run of the C front end; the kernel headers take
// well under a second.
const DefaultTimeout = 30 * time.Second

// translateSafely runs the front end, turning a panic inside it (a bug of
// the front end on some input) into an error instead of a crash.
func translateSafely(cfg *cc.Config, srcs []cc.Source, root, arch string) (ast *cc.AST, err error) {
	defer func() {
		if r := recover(); r != nil {
			ast, err = nil, fmt.Errorf("%s: the C front end failed on this input: %v", arch, r)
		}
	}()
	ast, err = cc.Translate(cfg, srcs)
	if err != nil {
		return nil, frontError(err, root, arch)
	}
	return ast, nil
}

// frontError turns the C front end's error into one naming the user's files:
// each "file:line:col: message" line of it with the header path joined to
// the root the headers were read from (the path the user gave), and the
// architecture at the end.
func frontError(err error, root, arch string) error {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i, l := range lines {
		file, rest, ok := strings.Cut(l, ":")
		if ok && file != "" && !strings.HasPrefix(file, "<") && !strings.HasPrefix(file, stubDir) && !filepath.IsAbs(file) {
			lines[i] = filepath.Join(root, filepath.FromSlash(file)) + ":" + rest
		}
	}
	return fmt.Errorf("%s (%s)", strings.Join(lines, "\n"), arch)
}

// headerFS is what the front end reads: the files under Root (read when
// included, so a whole kernel tree as Root costs nothing) and the system
// header stand-ins under stubDir.
func headerFS(c *Config) (fs.FS, error) {
	root := c.Root
	if root == "" {
		root = "."
	}
	if st, err := os.Stat(root); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", root)
	}
	disk := os.DirFS(root)
	for _, f := range c.Files {
		if st, err := fs.Stat(disk, path.Clean(filepath.ToSlash(f))); err != nil || st.IsDir() {
			return nil, fmt.Errorf("%s: no such header under %s", f, root)
		}
	}
	stubs := fstest.MapFS{}
	for name, text := range c.Stubs {
		stubs[path.Join(stubDir, name)] = &fstest.MapFile{Data: []byte(text)}
	}
	return overlayFS{stubs: stubs, disk: disk}, nil
}

// overlayFS serves the stand-ins under stubDir and everything else from disk.
type overlayFS struct {
	stubs fstest.MapFS
	disk  fs.FS
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if name == stubDir || strings.HasPrefix(name, stubDir+"/") {
		return o.stubs.Open(name)
	}
	return o.disk.Open(name)
}
