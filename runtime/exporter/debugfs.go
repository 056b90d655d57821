package exporter

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
)

// The kernel's mshv debugfs tree (drivers/hv/mshv_debugfs.c @ d4eb7b2da66c,
// its counter names from drivers/hv/mshv_debugfs_counters.c @ d31558c077d8):
//
//	stats                      the hypervisor (root partition only, :681-689)
//	lp/<index>/stats           each logical processor (root only, :165, :122)
//	partition/<id>/stats       each partition, the root's own included; an
//	                           L1VH host names its own "self" (:411-414)
//	partition/<id>/vp/<i>/stats  each VP (:239-245)
//
// Each stats file is mode 0400 (:106) and holds one line per counter the
// kernel names for the build's architecture, in slot order, placeholders
// included: the name left-justified in a field as wide as the object type's
// (hv 27, lp 32, partition 37, vp 43 columns: :559, :51, :275, :217), ": ",
// the value in decimal. A partition's and a VP's value is the PARENT area's
// when not zero, else the SELF area's (:198-218); the files show the result.
// Partitions and VPs come and go with the driver's (:624-669): a directory
// may vanish between a listing and a read.

// DefaultDebugfsRoot is where the kernel's mshv debugfs tree is, debugfs
// mounted at its usual place.
const DefaultDebugfsRoot = "/sys/kernel/debug/mshv"

// Debugfs is a Source that reads the kernel's mshv debugfs tree: the files
// the mshv driver prints every statistics page into, on any root partition
// (or L1VH host) whose kernel has the driver and debugfs. It reads a file
// per object at each scrape; the counters are matched to the table by name,
// and a name the table does not know is served raw (hyperv_<object>_unknown).
type Debugfs struct {
	fsys fs.FS
	root string // the tree's name in messages

	mu    sync.Mutex
	files map[Object]debugfsFile
	buf   []byte
}

// debugfsFile is an object's stats file: its path in the tree and its name
// in messages.
type debugfsFile struct {
	rel, name string
}

// OpenDebugfs opens the tree at root (DefaultDebugfsRoot on a root
// partition). The error says what is missing: debugfs not mounted, no mshv
// directory (no driver), or no permission (not root).
func OpenDebugfs(root string) (*Debugfs, error) {
	if err := ProbeDebugfs(root); err != nil {
		return nil, err
	}
	return NewDebugfs(os.DirFS(root), root), nil
}

// NewDebugfs reads a tree laid out as the kernel's from fsys (a fixture
// tree, say, as prometheus/procfs tests read fixture /proc trees); name is
// the tree's name in messages.
func NewDebugfs(fsys fs.FS, name string) *Debugfs {
	return &Debugfs{fsys: fsys, root: name, files: map[Object]debugfsFile{}}
}

// Errors ProbeDebugfs wraps.
var (
	ErrNoDebugfs  = errors.New("debugfs is not mounted")
	ErrNoMshvTree = errors.New("no mshv debugfs directory")
	ErrPermission = errors.New("permission denied")
)

// ProbeDebugfs says whether the mshv tree at root can be read: nil, or an
// error wrapping ErrNoDebugfs (with how to mount it), ErrNoMshvTree (the
// driver is not loaded, or has no debugfs statistics) or ErrPermission (the
// files are root's, mode 0400).
func ProbeDebugfs(root string) error { return probeDebugfs(root, os.Stat, os.ReadDir) }

func probeDebugfs(root string, stat func(string) (fs.FileInfo, error), readDir func(string) ([]fs.DirEntry, error)) error {
	st, err := stat(root)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: %w: the mshv debugfs files are root's (mode 0400); run as root or with CAP_DAC_READ_SEARCH", root, ErrPermission)
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(root)
		if ok, ferr := isDebugfs(parent); ferr == nil && !ok {
			return fmt.Errorf("%s: %w at %s (mount -t debugfs none %s)", root, ErrNoDebugfs, parent, parent)
		}
		return fmt.Errorf("%s: %w: the mshv driver is not loaded, or its kernel writes no statistics to debugfs", root, ErrNoMshvTree)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s: not a directory", root)
	}
	entries, err := readDir(root)
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%s: %w: the mshv debugfs files are root's (mode 0400); run as root or with CAP_DAC_READ_SEARCH", root, ErrPermission)
	} else if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "partition" || e.Name() == "stats" {
			return nil
		}
	}
	return fmt.Errorf("%s: %w: the directory holds neither stats nor partition/", root, ErrNoMshvTree)
}

// Objects implements Source: the hypervisor when the tree has its stats
// file, each logical processor, each partition and each of its VPs, in that
// order, by index or id. A directory that vanishes while it is listed is
// left out; any other listing error is returned, with what was listed.
func (d *Debugfs) Objects(buf []Object) ([]Object, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	names, err := d.readDir(".")
	if err != nil {
		return buf, err
	}
	if slices.Contains(names, "stats") {
		buf = d.add(buf, Object{Type: ObjectHypervisor}, "stats")
	}
	if slices.Contains(names, "lp") {
		lps, err := d.readDir("lp")
		errs = append(errs, err)
		for _, n := range numbered(lps) {
			buf = d.add(buf, Object{Type: ObjectLP, Index: uint32(n.n)}, "lp/"+n.name+"/stats")
		}
	}
	if slices.Contains(names, "partition") {
		parts, err := d.readDir("partition")
		errs = append(errs, err)
		ids := numbered(parts)
		if slices.Contains(parts, "self") {
			ids = append(ids, numberedName{"self", SelfPartition})
		}
		for _, p := range ids {
			dir := "partition/" + p.name
			buf = d.add(buf, Object{Type: ObjectPartition, Partition: p.n}, dir+"/stats")
			vps, err := d.readDir(dir + "/vp")
			if !errors.Is(err, fs.ErrNotExist) { // the partition went away, or is not made yet
				errs = append(errs, err)
			}
			for _, v := range numbered(vps) {
				buf = d.add(buf, Object{Type: ObjectVP, Partition: p.n, Index: uint32(v.n)}, dir+"/vp/"+v.name+"/stats")
			}
		}
	}
	return buf, errors.Join(errs...)
}

// add lists o, whose file is rel.
func (d *Debugfs) add(buf []Object, o Object, rel string) []Object {
	if f, ok := d.files[o]; !ok || f.rel != rel {
		d.files[o] = debugfsFile{rel: rel, name: path.Join(d.root, rel)}
	}
	return append(buf, o)
}

// readDir lists a directory's names.
func (d *Debugfs) readDir(dir string) ([]string, error) {
	entries, err := fs.ReadDir(d.fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", path.Join(d.root, dir), err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// numberedName is a directory named by a decimal number.
type numberedName struct {
	name string
	n    uint64
}

// numbered picks the names that are decimal numbers, in numeric order.
func numbered(names []string) []numberedName {
	var out []numberedName
	for _, s := range names {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && strconv.FormatUint(n, 10) == s {
			out = append(out, numberedName{s, n})
		}
	}
	slices.SortFunc(out, func(a, b numberedName) int { return cmp.Compare(a.n, b.n) })
	return out
}

// Read implements Source: it reads the object's stats file whole and hands
// its lines to v.
func (d *Debugfs) Read(o Object, v *Values) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, ok := d.files[o]
	if !ok {
		return &ReadError{Reason: ReasonVanished, Err: fmt.Errorf("%s: not in the tree's listing", o)}
	}
	data, err := d.readFile(f.rel)
	if err != nil {
		return d.fileError(f, err)
	}
	return v.Text(f.name, data)
}

// readFile reads a file into d.buf: debugfs files have no size to stat,
// and the buffer grows to the largest file once.
func (d *Debugfs) readFile(rel string) ([]byte, error) {
	file, err := d.fsys.Open(rel)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if d.buf == nil {
		d.buf = make([]byte, 16<<10)
	}
	n := 0
	for {
		if n == len(d.buf) {
			d.buf = append(d.buf, make([]byte, len(d.buf))...)
		}
		k, err := file.Read(d.buf[n:])
		n += k
		if err == io.EOF {
			return d.buf[:n], nil
		}
		if err != nil {
			return d.buf[:n], err
		}
	}
}

// fileError classifies an error opening or reading an object's file.
func (d *Debugfs) fileError(f debugfsFile, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &ReadError{Reason: ReasonVanished, Err: fmt.Errorf("%s: gone between the listing and the read: %w", f.name, err)}
	case errors.Is(err, fs.ErrPermission):
		return &ReadError{Reason: ReasonPermission, Err: fmt.Errorf("%s: %w (the files are root's, mode 0400)", f.name, err)}
	}
	// A debugfs file removed while open fails its reads (EIO): the object
	// vanished if its file is gone now.
	if errors.Is(err, syscall.EIO) {
		if _, serr := fs.Stat(d.fsys, f.rel); errors.Is(serr, fs.ErrNotExist) {
			return &ReadError{Reason: ReasonVanished, Err: fmt.Errorf("%s: removed while read: %w", f.name, err)}
		}
	}
	return &ReadError{Reason: ReasonRead, Err: fmt.Errorf("%s: %w", f.name, err)}
}

// Release implements Source.
func (d *Debugfs) Release(o Object) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.files, o)
}

// Close implements Source.
func (d *Debugfs) Close() error { return nil }

// Reasons implements Reasoner.
func (d *Debugfs) Reasons() []string { return FileReasons }

// WriteStats writes the stats file of an object of type typ (ObjectVP, ...)
// whose statistics page (flat, as linux-7.0's) is page, in the kernel's
// format: every counter of the table's architecture the kernel names,
// placeholders included, in slot order.
func (t *Table) WriteStats(w io.Writer, typ uint32, page []byte) error {
	k, ok := kindOf(typ)
	switch {
	case !ok:
		return fmt.Errorf("object type %#x is none of the four", typ)
	case t.grouped:
		return errors.New("the kernel's debugfs files hold flat pages' counters; this table's pages are laid out in groups")
	case len(page) != PageSize:
		return errNotPage
	}
	bw := bufio.NewWriter(w)
	for _, c := range t.flat[k] {
		fmt.Fprintf(bw, "%-*s: %d\n", kinds[k].width, c.Name, binary.LittleEndian.Uint64(page[8*c.Index:]))
	}
	return bw.Flush()
}

// WriteDebugfs writes the simulated host's statistics as the kernel's mshv
// debugfs tree under dir (made if needed): the hypervisor's and each
// logical processor's, and each partition's and VP's, the root partition's
// included, as of the clock now. Partition directories of an earlier
// tree that no longer exist are removed. Files are written whole and
// renamed into place, mode 0400 as the kernel's.
func (s *Sim) WriteDebugfs(dir string) error {
	s.mu.Lock()
	s.advance()
	s.mu.Unlock()
	page := make([]byte, PageSize)
	keep := map[string]bool{}
	for _, o := range s.H.Stats().Objects(nil) {
		var rel string
		switch uint32(o.Type) {
		case ObjectHypervisor:
			rel = "stats"
		case ObjectLP:
			rel = fmt.Sprintf("lp/%d/stats", o.Index)
		case ObjectPartition:
			rel = fmt.Sprintf("partition/%d/stats", o.Partition)
			keep[fmt.Sprint(o.Partition)] = true
		case ObjectVP:
			rel = fmt.Sprintf("partition/%d/vp/%d/stats", o.Partition, o.Index)
		}
		if !s.H.Stats().ReadPage(o, page) {
			continue // gone since the listing
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(rel)), func(w io.Writer) error {
			return s.table.WriteStats(w, uint32(o.Type), page)
		}); err != nil {
			return err
		}
	}
	old, err := os.ReadDir(filepath.Join(dir, "partition"))
	if err != nil {
		return err
	}
	for _, e := range old {
		if !keep[e.Name()] {
			if err := os.RemoveAll(filepath.Join(dir, "partition", e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeFile writes name whole through a temporary file in its directory,
// mode 0400.
func writeFile(name string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".stats-*")
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o400)
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
