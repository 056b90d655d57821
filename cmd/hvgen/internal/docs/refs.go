package docs

import (
	"regexp"
	"strings"
)

// tlfsSource is the public repository and commit the tlfs pages were copied
// from (the reference's own INDEX.md names them); a tlfs ref is a path
// below its folder virtualization/hyper-v-on-windows/tlfs.
const tlfsSource = "https://github.com/MicrosoftDocs/Virtualization-Documentation/blob/77e0742a8029cf3b5a96c84dfab2ce7ba623286c/virtualization/hyper-v-on-windows/"

// The two forms the registry cites Linux source in: path:line @ commit, and
// linux@commit:path:line; and the form it cites C source of another public
// GitHub repository in: owner/name path:line @ commit.
var (
	kernelRef      = regexp.MustCompile(`^([A-Za-z0-9_./-]+\.[ch]):([0-9]+) @ ([0-9a-f]{7,40})$`)
	kernelRefShort = regexp.MustCompile(`^linux@([0-9a-f]{7,40}):([A-Za-z0-9_./-]+\.[ch]):([0-9]+)$`)
	repoRef        = regexp.MustCompile(`^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+) ([A-Za-z0-9_./-]+\.[ch]):([0-9]+) @ ([0-9a-f]{7,40})$`)
)

// refURL is the public address of a reference, or "" when it has none
// (the 2013 WDK reference is not published as separate pages): a TLFS page
// in its repository at the commit the registry was written from, a Linux
// file at its commit and line, a file of another repository at its commit
// and line.
func refURL(ref string) string {
	ref = strings.TrimSpace(ref)
	if m := repoRef.FindStringSubmatch(ref); m != nil {
		return "https://github.com/" + m[1] + "/blob/" + m[4] + "/" + m[2] + "#L" + m[3]
	}
	if m := kernelRef.FindStringSubmatch(ref); m != nil {
		return "https://github.com/torvalds/linux/blob/" + m[3] + "/" + m[1] + "#L" + m[2]
	}
	if m := kernelRefShort.FindStringSubmatch(ref); m != nil {
		return "https://github.com/torvalds/linux/blob/" + m[1] + "/" + m[2] + "#L" + m[3]
	}
	if page, ok := strings.CutPrefix(ref, "tlfs/"); ok && strings.HasSuffix(page, ".md") && !strings.ContainsAny(page, " #") {
		return tlfsSource + "tlfs/" + page
	}
	return ""
}

// splitRefs splits a table cell's references ("a, b") into each.
func splitRefs(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ", ") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
