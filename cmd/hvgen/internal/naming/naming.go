// Package naming turns the ABI's C names into Go names. Every emitter uses
// Go, so a name is spelled the same way in every output.
//
// The rule:
//   - drop the HV_ / Hv / hv_ prefix the package name already says
//     (HV_PARTITION_ID -> PartitionID, HvCallMapStatsPage -> CallMapStatsPage,
//     hv_partition_id -> PartitionID; the kernel's HVCALL_MAP_STATS_PAGE ->
//     CallMapStatsPage);
//   - hypercall parameter blocks put their role last
//     (HV_INPUT_MAP_STATS_PAGE, hv_input_map_stats_page -> MapStatsPageInput);
//   - split the rest into words (at underscores, or at case changes for
//     CamelCase names: Words);
//   - one spelling per concept: where the registry writes the same letters
//     as words split in different places (HV_EVENTLOG_TYPE and
//     HvEventLogTypeGlobalSystemEvents, HV_INPUT_NOTIFY_LONG_SPINWAIT and
//     HvCallNotifyLongSpinWait), every name is written the way most of the
//     registry's names write them, a tie going to the spelling with more
//     words (Vocabulary; the result for the registry in spec/ is committed in
//     zvocabulary.go). A run of several words one of which is a single letter
//     (HvX64RegisterSCet: S CET) is a spelling of its own and is kept;
//   - write each word capitalised, and the words in Initialisms in capitals
//     (Vp -> VP, Gpa -> GPA, Id -> ID, Os -> OS).
//
// Previous is the rule of the last release (no vocabulary, fewer
// initialisms); the Go generator emits deprecated aliases under the names it
// gave, so that code written against them keeps compiling for a release.
package naming

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Initialisms are the words written in capitals.
var Initialisms = map[string]bool{
	"ACPI": true, "APIC": true, "AVX": true, "CPU": true, "CPUID": true, "CR": true, "DR": true,
	"EOI": true, "FP": true, "GPA": true, "GVA": true, "ID": true, "IO": true, "IPI": true, "LP": true,
	"MMX": true, "MSI": true, "MSR": true, "NMI": true, "NUMA": true, "OS": true, "PM": true, "RIP": true,
	"SINT": true, "SPA": true, "SSE": true, "SVM": true, "TLB": true, "TSC": true, "VMCB": true,
	"VMCS": true, "VMX": true, "VP": true, "VTL": true, "XMM": true,
}

// Rule is one way of spelling ABI names in Go.
type Rule struct {
	initialisms map[string]bool
	// vocabulary maps the lower-case letters of a run of words to the words
	// they are written as, lower case, separated by spaces.
	vocabulary map[string]string
}

// Current is the rule every emitter uses (Go, Field, Method).
var Current = Rule{initialisms: Initialisms, vocabulary: vocabulary}

// Previous is the rule of the last release: every name split only as Words
// splits it, and OS not yet an initialism. The generator computes the
// names of deprecated aliases with it.
var Previous = Rule{initialisms: without(Initialisms, "OS")}

func without(m map[string]bool, keys ...string) map[string]bool {
	out := maps.Clone(m)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// Go returns the Go name of an ABI name under the current rule.
func Go(abi string) string { return Current.Go(abi) }

// Field returns the Go name of a struct member, bit range or parameter
// under the current rule.
func Field(abi string) string { return Current.Field(abi) }

// Method is the name of the generated Client method of a hypercall under
// the current rule (see Rule.Method).
func Method(abi string) string { return Current.Method(abi) }

// GoWords returns the words of an ABI name as Go sees them, before any
// respelling: its prefix dropped (and the role of a parameter block, which
// Go puts last, as the last word).
func GoWords(abi string) []string {
	s, suffix := trimPrefix(abi)
	ws := Words(s)
	if suffix != "" {
		ws = append(ws, suffix)
	}
	return ws
}

// trimPrefix drops the prefix the package name says and returns the role
// suffix of a parameter block.
func trimPrefix(s string) (string, string) {
	switch {
	case strings.HasPrefix(s, "HV_INPUT_"), strings.HasPrefix(s, "hv_input_"):
		return s[len("HV_INPUT_"):], "Input"
	case strings.HasPrefix(s, "HV_OUTPUT_"), strings.HasPrefix(s, "hv_output_"):
		return s[len("HV_OUTPUT_"):], "Output"
	case strings.HasPrefix(s, "HVCALL_"):
		return "CALL_" + s[len("HVCALL_"):], "" // the kernel's HVCALL_X is the documents' HvCallX
	case strings.HasPrefix(s, "HV_"), strings.HasPrefix(s, "hv_"):
		return s[3:], ""
	case strings.HasPrefix(s, "Hv") && len(s) > 2 && unicode.IsUpper(rune(s[2])):
		return s[2:], ""
	}
	return s, ""
}

// Go returns the Go name of an ABI name.
func (r Rule) Go(abi string) string {
	return r.join(GoWords(abi))
}

// Field returns the Go name of a struct member, bit range or parameter.
func (r Rule) Field(abi string) string {
	return r.join(Words(abi))
}

// Method is the name of the generated Client method of a hypercall: its Go
// name without the Call prefix (HvCallMapStatsPage -> MapStatsPage,
// HvExtCallQueryCapabilities -> ExtQueryCapabilities). The generator and
// the docs both take it from here.
func (r Rule) Method(abi string) string {
	n := r.Go(abi)
	switch {
	case strings.HasPrefix(n, "ExtCall"):
		return "Ext" + strings.TrimPrefix(n, "ExtCall")
	case strings.HasPrefix(n, "Call") && len(n) > 4:
		return strings.TrimPrefix(n, "Call")
	}
	return n
}

// join respells the words and writes them as one exported identifier.
func (r Rule) join(ws []string) string {
	var b strings.Builder
	for _, w := range respell(ws, r.vocabulary) {
		b.WriteString(r.word(w))
	}
	out := b.String()
	if out == "" || !unicode.IsLetter(rune(out[0])) {
		out = "X" + out // keep it an exported identifier
	}
	return out
}

func (r Rule) word(w string) string {
	u := strings.ToUpper(w)
	if r.initialisms[u] {
		return u
	}
	return strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
}

// maxRun is the longest run of words the vocabulary compares.
const maxRun = 3

// respell writes each run of words the way the vocabulary spells its
// letters; a run of several words with a one-letter word among them is kept
// as written.
func respell(ws []string, vocabulary map[string]string) []string {
	if len(vocabulary) == 0 {
		return ws
	}
	var out []string
	for i := 0; i < len(ws); {
		n := 0
		for k := min(maxRun, len(ws)-i); k >= 1 && n == 0; k-- {
			run := ws[i : i+k]
			if k > 1 && hasOneLetter(run) {
				continue
			}
			if v, ok := vocabulary[strings.ToLower(strings.Join(run, ""))]; ok {
				out = append(out, strings.Fields(v)...)
				n = k
			}
		}
		if n == 0 {
			out, n = append(out, ws[i]), 1
		}
		i += n
	}
	return out
}

func hasOneLetter(ws []string) bool {
	return slices.ContainsFunc(ws, func(w string) bool { return len(w) == 1 && unicode.IsLetter(rune(w[0])) })
}

// Vocabulary computes the vocabulary of a set of names, given as scopes of
// names that must stay apart (the members of one struct; a package-level
// name is a scope of its own), each name as its words (GoWords for names
// that become package-level Go names, Words for members): for the letters
// of every run of up to three words that the names write as different
// words (different Go spellings: EVENTLOG, Event Log), the way most runs
// write them, a tie going to the spelling with more words, then to the
// first in order. Letters that one scope writes both ways are two names
// and keep their spellings.
func Vocabulary(scopes [][][]string) map[string]string {
	counts := map[string]map[string]int{} // letters -> spelling (words, space separated) -> runs
	apart := map[string]bool{}            // letters of names one scope keeps apart
	for _, scope := range scopes {
		whole := map[string][][]string{} // letters of a whole name -> the names
		for _, ws := range scope {
			k := strings.ToLower(strings.Join(ws, ""))
			whole[k] = append(whole[k], ws)
			for i := range ws {
				for k := 1; k <= maxRun && i+k <= len(ws); k++ {
					run := ws[i : i+k]
					key := strings.ToLower(strings.Join(run, ""))
					if counts[key] == nil {
						counts[key] = map[string]int{}
					}
					counts[key][strings.ToLower(strings.Join(run, " "))]++
				}
			}
		}
		// Two names of one scope with the same letters (VpId, Vpid) stay
		// apart: no run of theirs is respelled.
		for _, names := range whole {
			goNames := map[string]bool{}
			for _, ws := range names {
				goNames[Current.plain(ws)] = true
			}
			if len(goNames) < 2 {
				continue
			}
			for _, ws := range names {
				for i := range ws {
					for k := 1; k <= maxRun && i+k <= len(ws); k++ {
						apart[strings.ToLower(strings.Join(ws[i:i+k], ""))] = true
					}
				}
			}
		}
	}
	out := map[string]string{}
	for key, spellings := range counts {
		if len(spellings) < 2 || apart[key] {
			continue
		}
		var all []string
		goNames := map[string]bool{}
		for s := range spellings {
			all = append(all, s)
			goNames[Current.plain(strings.Fields(s))] = true
		}
		if len(goNames) < 2 {
			continue // the spellings differ in case only, which Go writes alike
		}
		sort.Slice(all, func(i, j int) bool {
			a, b := all[i], all[j]
			if spellings[a] != spellings[b] {
				return spellings[a] > spellings[b]
			}
			if na, nb := len(strings.Fields(a)), len(strings.Fields(b)); na != nb {
				return na > nb
			}
			return a < b
		})
		out[key] = all[0]
	}
	// A longer run agrees with the shorter runs inside it (VpRuntime is
	// written with RunTime where Run Time wins for runtime): its spelling
	// is respelled with the others until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, key := range slices.Sorted(maps.Keys(out)) {
			v := out[key]
			others := maps.Clone(out)
			delete(others, key)
			if w := strings.Join(respell(strings.Fields(v), others), " "); w != v {
				out[key], changed = w, true
			}
		}
	}
	return out
}

// plain writes words as Go does, without respelling them.
func (r Rule) plain(ws []string) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(r.word(w))
	}
	return b.String()
}

// Words splits a name into words: at underscores and spaces, and inside a
// word at lower-to-upper changes and before the last capital of a run of
// capitals that starts a new word (GPAPage -> GPA Page). Digits stay with the
// word before them (X64, Reserved1, C1).
func Words(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == ' ' || r == '-' || r == '.' }) {
		if isUpperSnakeWord(part) {
			out = append(out, part)
			continue
		}
		rs := []rune(part)
		start := 0
		for i := 1; i < len(rs); i++ {
			prev, cur := rs[i-1], rs[i]
			next := rune(0)
			if i+1 < len(rs) {
				next = rs[i+1]
			}
			split := (unicode.IsLower(prev) || unicode.IsDigit(prev)) && unicode.IsUpper(cur) ||
				unicode.IsUpper(prev) && unicode.IsUpper(cur) && unicode.IsLower(next)
			if split {
				out = append(out, string(rs[start:i]))
				start = i
			}
		}
		out = append(out, string(rs[start:]))
	}
	return out
}

// isUpperSnakeWord reports whether a part of an upper-snake name is all
// capitals and digits (a word on its own, like PARTITION or X64).
func isUpperSnakeWord(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// Qualified names an enum value by its enum when its own Go name is taken by
// a type: the enum's Go name, then the value's words after those the two
// share at the start (RegisterName + RegisterVsmVpStatus -> RegisterNameVsmVpStatus).
func Qualified(enum, value string) string {
	ew, vw := Words(enum), Words(value)
	i := 0
	for i < len(ew) && i < len(vw) && ew[i] == vw[i] {
		i++
	}
	return enum + strings.Join(vw[i:], "")
}
