package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// summaryItems is how many items with incompatible changes a summary names;
// the rest are counted. It keeps a Markdown summary well inside a
// pull-request comment.
const summaryItems = 60

// kindCount is the number of changes of one class and kind.
type kindCount struct {
	Class string `json:"class"`
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// itemKinds is an item with incompatible changes and their kinds.
type itemKinds struct {
	Item  string   `json:"item"`
	Kinds []string `json:"kinds"`
}

type summaryReport struct {
	Schema       int         `json:"schema"`
	From         string      `json:"from"`
	To           string      `json:"to"`
	Summary      Summary     `json:"summary"`
	Only         []string    `json:"only,omitempty"`
	Kinds        []kindCount `json:"kinds"`
	Incompatible []itemKinds `json:"incompatible_items"`
}

func (rep *Report) summarize() summaryReport {
	changes := rep.Changes
	r := summaryReport{Schema: 2, From: rep.From, To: rep.To, Summary: rep.Summary, Kinds: []kindCount{}, Incompatible: []itemKinds{}}
	for _, c := range rep.Only {
		r.Only = append(r.Only, c.String())
	}
	counts := map[[2]string]int{}
	for _, c := range changes {
		counts[[2]string{c.Class.String(), c.Kind}]++
	}
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b [2]string) int {
		if a[0] != b[0] {
			return classOrder(a[0]) - classOrder(b[0])
		}
		return strings.Compare(a[1], b[1])
	}) {
		r.Kinds = append(r.Kinds, kindCount{k[0], k[1], counts[k]})
	}
	for _, c := range changes {
		if c.Class != Incompatible {
			continue
		}
		if n := len(r.Incompatible); n == 0 || r.Incompatible[n-1].Item != c.Item {
			r.Incompatible = append(r.Incompatible, itemKinds{Item: c.Item})
		}
		last := &r.Incompatible[len(r.Incompatible)-1]
		if !slices.Contains(last.Kinds, c.Kind) {
			last.Kinds = append(last.Kinds, c.Kind)
		}
	}
	return r
}

// classOrder lists the worst class first.
func classOrder(name string) int {
	return slices.Index([]string{"incompatible", "compatible", "documentation", "undescribed"}, name)
}

// writeSummary writes the short form of a report (-summary): the counts by
// class and kind, and the items with incompatible changes (the first
// summaryItems of them by name). format is text, json or markdown.
func (rep *Report) writeSummary(w io.Writer, format string) error {
	r := rep.summarize()
	from, to := rep.From, rep.To
	shown := r.Incompatible[:min(len(r.Incompatible), summaryItems)]
	more := len(r.Incompatible) - len(shown)
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "markdown":
		fmt.Fprintf(w, "### ABI changes: `%s` → `%s` (summary)\n\n%s%s.\n", from, to, r.Summary.mdLine(), rep.listed())
		if len(r.Kinds) > 0 {
			fmt.Fprintf(w, "\n| class | change | count |\n|---|---|---|\n")
			for _, k := range r.Kinds {
				fmt.Fprintf(w, "| %s | %s | %d |\n", k.Class, k.Kind, k.Count)
			}
		}
		if len(shown) > 0 {
			fmt.Fprintf(w, "\n**Items with incompatible changes** (%d):\n\n", len(r.Incompatible))
			for _, it := range shown {
				fmt.Fprintf(w, "- `%s`: %s\n", it.Item, strings.Join(it.Kinds, ", "))
			}
			if more > 0 {
				fmt.Fprintf(w, "- … and %d more (the full report lists them)\n", more)
			}
		}
		return nil
	case "text":
		fmt.Fprintf(w, "%s -> %s: %s%s\n", from, to, r.Summary.line(), rep.listed())
		if len(r.Kinds) > 0 {
			fmt.Fprintln(w)
			for _, k := range r.Kinds {
				fmt.Fprintf(w, "  %-13s %-30s %d\n", k.Class, k.Kind, k.Count)
			}
		}
		if len(shown) > 0 {
			fmt.Fprintf(w, "\nitems with incompatible changes (%d):\n", len(r.Incompatible))
			for _, it := range shown {
				fmt.Fprintf(w, "  %s: %s\n", it.Item, strings.Join(it.Kinds, ", "))
			}
			if more > 0 {
				fmt.Fprintf(w, "  ... and %d more\n", more)
			}
		}
		return nil
	}
	return fmt.Errorf("summary format %q: want text, json or markdown", format)
}
