package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Summary counts changes by class.
type Summary struct {
	Incompatible int `json:"incompatible"`
	Compatible   int `json:"compatible"`
	Doc          int `json:"documentation"`
}

// Summarize counts the changes.
func Summarize(changes []Change) Summary {
	var s Summary
	for _, c := range changes {
		switch c.Class {
		case Incompatible:
			s.Incompatible++
		case Compatible:
			s.Compatible++
		default:
			s.Doc++
		}
	}
	return s
}

// Worst is the most severe class among the changes, and false if none.
func Worst(changes []Change) (Class, bool) {
	worst, any := Doc, false
	for _, c := range changes {
		worst, any = max(worst, c.Class), true
	}
	return worst, any
}

// WriteText writes the report for people: grouped by item, old -> new.
func WriteText(w io.Writer, from, to string, changes []Change) error {
	s := Summarize(changes)
	fmt.Fprintf(w, "%s -> %s: %d incompatible, %d compatible, %d documentation-only changes\n", from, to, s.Incompatible, s.Compatible, s.Doc)
	last := ""
	for _, c := range changes {
		if c.Item != last {
			fmt.Fprintf(w, "\n%s", c.Item)
			if len(c.Affects) > 0 {
				fmt.Fprintf(w, "  (used by %s)", strings.Join(c.Affects, ", "))
			}
			fmt.Fprintln(w)
			last = c.Item
		}
		fmt.Fprintf(w, "  %-13s %-26s %s\n", c.Class, c.Kind, describe(c))
	}
	return nil
}

func describe(c Change) string {
	var b strings.Builder
	if c.Arch != "" {
		b.WriteString("[" + c.Arch + "] ")
	}
	if c.Path != "" {
		b.WriteString(c.Path + "  ")
	}
	switch {
	case c.Old != "" && c.New != "":
		fmt.Fprintf(&b, "%s -> %s", c.Old, c.New)
	case c.Old != "":
		b.WriteString(c.Old)
	case c.New != "":
		b.WriteString(c.New)
	}
	return strings.TrimSpace(b.String())
}

// jsonChange is a change in the JSON report.
type jsonChange struct {
	Class string `json:"class"`
	Change
}

// WriteJSON writes the report for tools; the schema is in the README.
func WriteJSON(w io.Writer, from, to string, changes []Change) error {
	out := struct {
		Schema  int          `json:"schema"`
		From    string       `json:"from"`
		To      string       `json:"to"`
		Summary Summary      `json:"summary"`
		Changes []jsonChange `json:"changes"`
	}{Schema: 1, From: from, To: to, Summary: Summarize(changes), Changes: []jsonChange{}}
	for _, c := range changes {
		out.Changes = append(out.Changes, jsonChange{Class: c.Class.String(), Change: c})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteMarkdown writes the report as a pull-request comment.
func WriteMarkdown(w io.Writer, from, to string, changes []Change) error {
	s := Summarize(changes)
	fmt.Fprintf(w, "### ABI changes: `%s` → `%s`\n\n**%d incompatible**, %d compatible, %d documentation-only.\n", from, to, s.Incompatible, s.Compatible, s.Doc)
	if len(changes) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n| class | item | change | old | new | used by |\n|---|---|---|---|---|---|\n")
	for _, c := range changes {
		item := "`" + c.Item + "`"
		if c.Path != "" {
			item += " `." + c.Path + "`"
		}
		if c.Arch != "" {
			item += " (" + c.Arch + " only)"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", c.Class, item, c.Kind, mdCell(c.Old), mdCell(c.New), mdCell(strings.Join(c.Affects, ", ")))
	}
	return nil
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
