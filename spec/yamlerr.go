package spec

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

var yamlLine = regexp.MustCompile(`^yaml: line \d+: (.*)$`)

// yamlError turns a yaml.v3 syntax error in data into a line and a message.
//
// yaml.v3 names the line where the construct around the problem began (its
// "context mark": the start of the enclosing mapping or sequence, often
// several lines up), not the line of the problem. The problem's line is the
// first line at which a prefix of the file fails with the same error: the
// parser stops at the first problem, so every prefix that reaches it fails
// alike, and a shorter prefix either parses or fails differently (it ends
// inside a construct). A binary search over the line count finds it.
func yamlError(err error, data []byte) (int, string) {
	s := err.Error()
	msg := "invalid YAML: " + strings.TrimPrefix(s, "yaml: ")
	if m := yamlLine.FindStringSubmatch(s); m != nil {
		msg = "invalid YAML: " + m[1]
	}
	ends := lineEnds(data)
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(data[:ends[n-1]], &doc)
		return err != nil && err.Error() == s
	}
	if len(ends) == 0 || !fails(len(ends)) {
		return 0, msg
	}
	return 1 + sort.Search(len(ends), func(i int) bool { return fails(i + 1) }), msg
}

// lineEnds returns the offset just past each line of data.
func lineEnds(data []byte) []int {
	var ends []int
	for off := 0; off < len(data); {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			ends = append(ends, len(data))
			break
		}
		off += i + 1
		ends = append(ends, off)
	}
	return ends
}

// invalidUTF8 finds the first byte of data that is not valid UTF-8: its line
// and column (1-based, the column counted in characters) and value.
func invalidUTF8(data []byte) (line, col int, b byte, bad bool) {
	if utf8.Valid(data) {
		return 0, 0, 0, false
	}
	line, col = 1, 1
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size <= 1 {
			return line, col, data[off], true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		off += size
	}
	return line, col, 0, false // not reached: utf8.Valid was false
}
