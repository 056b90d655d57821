package docs

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/diff"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

func site(t *testing.T) *Site {
	t.Helper()
	r, err := layout.LoadDir("../../../../spec/testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	href   = regexp.MustCompile(`(?:href|src)="([^"]+)"`)
	htmlID = regexp.MustCompile(`id="([^"]+)"`)
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdID   = regexp.MustCompile(`<a id="([^"]+)">`)
)

// checkLinks resolves every relative link of every page: the file must exist
// and so must the anchor.
func checkLinks(t *testing.T, files map[string][]byte, link, id *regexp.Regexp, isPage func(string) bool) int {
	t.Helper()
	ids := map[string]map[string]bool{}
	for name, data := range files {
		ids[name] = map[string]bool{}
		for _, m := range id.FindAllSubmatch(data, -1) {
			ids[name][string(m[1])] = true
		}
	}
	n := 0
	for name, data := range files {
		if !isPage(name) {
			continue
		}
		for _, m := range link.FindAllSubmatch(data, -1) {
			target := string(m[1])
			if strings.Contains(target, "://") {
				t.Errorf("%s links outside the site: %s", name, target)
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			if file == "" {
				file = name
			} else {
				file = path.Clean(path.Join(path.Dir(name), file))
			}
			n++
			if _, ok := files[file]; !ok {
				t.Errorf("%s: link %s: no file %s", name, target, file)
				continue
			}
			if anchor != "" && !ids[file][anchor] {
				t.Errorf("%s: link %s: no anchor %q in %s", name, target, anchor, file)
			}
		}
	}
	return n
}

func TestHTMLLinks(t *testing.T) {
	files, err := HTML(site(t))
	if err != nil {
		t.Fatal(err)
	}
	n := checkLinks(t, files, href, htmlID, func(f string) bool { return strings.HasSuffix(f, ".html") })
	if n < 50 {
		t.Errorf("only %d links checked", n)
	}
	for _, want := range []string{"hypercalls/HvCallDoThing.html", "hypercalls/HvCallUndoThing-v1.html", "types/HV_HEADER.html", "search-index.js", "style.css"} {
		if files[want] == nil {
			t.Errorf("no %s", want)
		}
	}
	if !strings.Contains(string(files["types/HV_HEADER.html"]), "<svg") {
		t.Error("no layout diagram on a struct page")
	}
	if !strings.Contains(string(files["search-index.js"]), `"n":"HvCallDoThing","g":"CallDoThing","k":"hypercall","v":64`) {
		t.Error("the search index does not give the call code as a number")
	}
}

func TestMarkdownLinks(t *testing.T) {
	files, err := Markdown(site(t))
	if err != nil {
		t.Fatal(err)
	}
	n := checkLinks(t, files, mdLink, mdID, func(f string) bool { return strings.HasSuffix(f, ".md") })
	if n < 50 {
		t.Errorf("only %d links checked", n)
	}
}

var full struct {
	once sync.Once
	site *Site
	err  error
}

// fullSite is the site of the whole registry, built once.
func fullSite(t *testing.T) *Site {
	t.Helper()
	full.once.Do(func() {
		r, err := layout.LoadDir("../../../../spec")
		if err != nil {
			full.err = err
			return
		}
		full.site, full.err = Build(r)
	})
	if full.err != nil {
		t.Fatal(full.err)
	}
	return full.site
}

// TestGoAndCNames checks the Go name every page shows against the
// identifiers the generated package of the item's first version declares,
// and that the pages show both names.
func TestGoAndCNames(t *testing.T) {
	s := fullSite(t)
	pkgs := map[string]string{"wdk-2013": "wdk2013", "tlfs": "tlfs", "linux-7.0": "linux70"}
	declared := map[string]map[string]bool{}
	for v, pkg := range pkgs {
		declared[v] = map[string]bool{}
		fset := token.NewFileSet()
		dir := "../../../../generated/" + pkg
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for name := range f.Scope.Objects {
				declared[v][name] = true
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && len(fd.Recv.List) == 1 {
					if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
						if id, ok := star.X.(*ast.Ident); ok && id.Name == "Client" {
							declared[v]["(*Client)."+fd.Name.Name] = true
						}
					}
				}
			}
		}
	}
	n := 0
	check := func(what, version, goName string) {
		t.Helper()
		n++
		if !declared[version][goName] {
			t.Errorf("%s: the docs say Go %s, which generated/%s does not declare", what, goName, pkgs[version])
		}
	}
	for _, c := range s.Hypercalls {
		check(c.Name, c.Versions[:strings.IndexByte(c.Versions+",", ',')], c.GoName)
		check(c.Name, c.Versions[:strings.IndexByte(c.Versions+",", ',')], "(*Client)."+c.GoMethod)
	}
	for _, tp := range s.Types {
		for _, v := range tp.Variants {
			if v.Type.Kind == spec.KindOpaque {
				if v.GoName != "" || v.CName != "" {
					t.Errorf("%s is opaque (declared in neither Go nor C) but the docs name it %q / %q", tp.Name, v.GoName, v.CName)
				}
				continue
			}
			check(tp.Name, v.Type.Versions[0], v.GoName)
			for _, val := range v.Values {
				check(val.Name, v.Type.Versions[0], val.GoName)
			}
		}
	}
	for _, rows := range [][]Row{s.Statuses, s.Constants} {
		for _, row := range rows {
			if row.GoName == "" {
				if row.Value != "(not given)" {
					t.Errorf("%s has a value but no Go name", row.Name)
				}
				continue
			}
			check(row.Name, strings.Split(row.Versions, ", ")[0], row.GoName)
		}
	}
	for _, g := range s.Stats {
		for _, c := range g.Counters {
			check(c.Name, g.StatsGroup.Versions[0], c.GoName)
		}
	}
	t.Logf("%d Go names checked against the generated packages", n)

	files, err := HTML(s)
	if err != nil {
		t.Fatal(err)
	}
	for page, want := range map[string][]string{
		"types/HV_PARTITION_ID.html":         {"<dt>Go</dt><dd><code>PartitionID</code>", "<dt>C</dt><dd><code>HV_PARTITION_ID</code>"},
		"hypercalls/HvCallMapStatsPage.html": {"<code>CallMapStatsPage</code>", "<code>HvCallMapStatsPage</code>"},
		"types/HV_INPUT_MAP_STATS_PAGE.html": {`StatsType <code class="go" title="Go">StatsType</code>`},
		"statuses.html":                      {"<code>StatusAccessDenied</code><br><code>HV_STATUS_ACCESS_DENIED</code>"},
		"types/HV_REGISTER_NAME.html":        {"<td><code>RegisterSint0</code></td>"},
	} {
		for _, w := range want {
			if !strings.Contains(string(files[page]), w) {
				t.Errorf("%s lacks %q", page, w)
			}
		}
	}
}

// TestSearchIndex: one entry per name and page, Go names searchable.
func TestSearchIndex(t *testing.T) {
	s := fullSite(t)
	data, err := searchIndex(s)
	if err != nil {
		t.Fatal(err)
	}
	var es []indexEntry
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(string(data), "window.HVGEN_INDEX = "), ";\n")), &es); err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]bool{}
	goNames := 0
	for _, e := range es {
		k := [2]string{e.N, e.U}
		if seen[k] {
			t.Errorf("duplicate entry %s -> %s", e.N, e.U)
		}
		seen[k] = true
		if e.G != "" {
			goNames++
		}
	}
	if !seen[[2]string{"HV_PARTITION_ID", "types/HV_PARTITION_ID.html"}] || goNames < len(es)/2 {
		t.Errorf("%d entries, %d with a Go name", len(es), goNames)
	}
}

// TestVersionsPage: undescribed differences apart, doc changes with text.
func TestVersionsPage(t *testing.T) {
	s := fullSite(t)
	var pairs []string
	for _, d := range s.Diffs {
		pairs = append(pairs, d.From+" -> "+d.To)
	}
	// Each version against the one before it, every older one against the newest.
	if want := "wdk-2013 -> tlfs, tlfs -> linux-7.0, wdk-2013 -> linux-7.0"; strings.Join(pairs, ", ") != want {
		t.Errorf("diffs %v, want %s", pairs, want)
	}
	d := s.Diffs[0]
	if d.Summary.Undescribed == 0 || len(d.Undescribed) != d.Summary.Undescribed {
		t.Errorf("undescribed: summary %d, listed %d", d.Summary.Undescribed, len(d.Undescribed))
	}
	for _, c := range d.Changes {
		if c.Class == diff.Undescribed {
			t.Errorf("undescribed difference among the changes: %+v", c)
		}
		if c.Kind == "type.doc" && (c.Old == "" || c.New == "") {
			t.Errorf("type.doc without its texts: %+v", c)
		}
	}
}

// The counter tables: a label on every row (the counter's name where the
// source gives no label), and each architecture's own counters after the
// common ones, marked.
func TestStatsRows(t *testing.T) {
	s := fullSite(t)
	marked := map[string]int{}
	for _, g := range s.Stats {
		if len(g.Counters) != len(g.StatsGroup.Counters) {
			t.Errorf("%s: %d rows for %d counters", g.Name, len(g.Counters), len(g.StatsGroup.Counters))
		}
		archAt := -1 // index in spec.Arches of the last row's architecture
		for _, c := range g.Counters {
			if c.Label == "" {
				t.Errorf("%s: counter %s has no label", g.Name, c.Name)
			}
			if c.Counter.Label == "" && c.Label != c.Name {
				t.Errorf("%s: counter %s labelled %q", g.Name, c.Name, c.Label)
			}
			at := -1
			if c.Arch != "" {
				at = slices.Index(spec.Arches, c.Counter.Arch[0])
				marked[c.Arch]++
			}
			if at < archAt {
				t.Errorf("%s: counter %s (%q) after one of a later architecture", g.Name, c.Name, c.Arch)
			}
			archAt = at
		}
	}
	if marked["x64"] == 0 || marked["arm64"] == 0 {
		t.Errorf("architecture rows %v", marked)
	}
	files, err := Markdown(s)
	if err != nil {
		t.Fatal(err)
	}
	md := string(files["stats.md"])
	for _, want := range []string{" (arm64 only) | ", " | VpTotalRunTime | `VPCountersVPTotalRunTime` | "} {
		if !strings.Contains(md, want) {
			t.Errorf("stats.md lacks %q", want)
		}
	}
}

// TestIoctlsAndReferences: the site lists the mshv ioctls on their own page,
// shows the driver's pass-through on a call's page, links kernel and TLFS
// references to their sources, and the search index says which versions
// an item belongs to.
func TestIoctlsAndReferences(t *testing.T) {
	s := fullSite(t)
	files, err := HTML(s)
	if err != nil {
		t.Fatal(err)
	}
	page := string(files["ioctls.html"])
	for _, w := range []string{`<tr id="MSHV_RUN_VP">`, "0x8100b800", `href="https://github.com/torvalds/linux/blob/3ab7ae8e07f8/include/uapi/linux/mshv.h#L282"`,
		`href="https://github.com/torvalds/linux/blob/d4eb7b2da66c/drivers/hv/mshv_root_main.c#L82"`} {
		if !strings.Contains(page, w) {
			t.Errorf("ioctls.html lacks %s", w)
		}
	}
	call := string(files["hypercalls/HVCALL_SET_PARTITION_PROPERTY.html"])
	if !strings.Contains(call, "passed through from partition fds; asynchronous") {
		t.Error("HVCALL_SET_PARTITION_PROPERTY's page does not show the driver's contract")
	}
	tlfs := string(files["hypercalls/HvCallMapStatsPage2.html"])
	if !strings.Contains(tlfs, `href="`+tlfsSource+`tlfs/hypercalls/HvCallMapStatsPage2.md"`) {
		t.Error("the TLFS page of HvCallMapStatsPage2 is not linked")
	}
	idx := string(files["search-index.js"])
	for _, w := range []string{`"n":"MSHV_RUN_VP","g":"IoctlMshvRunVP","k":"ioctl"`, `"n":"HvCallMapStatsPage2"`, `"r":"tlfs"`, `"r":"linux-7.0"`} {
		if !strings.Contains(idx, w) {
			t.Errorf("search index lacks %s", w)
		}
	}
}
