package docs

import (
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

func site(t *testing.T) *Site {
	t.Helper()
	r, err := spec.LoadDir("../../../../spec/testdata/mini")
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
	if !strings.Contains(string(files["search-index.js"]), `"n":"HvCallDoThing","k":"hypercall","v":64`) {
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
