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
//     CamelCase names), write each word capitalised, and write the words in
//     Initialisms in capitals (Vp -> VP, Gpa -> GPA, Id -> ID).
package naming

import (
	"strings"
	"unicode"
)

// Initialisms are the words written in capitals.
var Initialisms = map[string]bool{
	"ACPI": true, "APIC": true, "AVX": true, "CPU": true, "CPUID": true, "CR": true, "DR": true,
	"EOI": true, "FP": true, "GPA": true, "GVA": true, "ID": true, "IO": true, "IPI": true, "LP": true,
	"MMX": true, "MSI": true, "MSR": true, "NMI": true, "NUMA": true, "PM": true, "RIP": true,
	"SINT": true, "SPA": true, "SSE": true, "SVM": true, "TLB": true, "TSC": true, "VMCB": true,
	"VMCS": true, "VMX": true, "VP": true, "VTL": true, "XMM": true,
}

// Go returns the Go name of an ABI name.
func Go(abi string) string {
	s := abi
	suffix := ""
	switch {
	case strings.HasPrefix(s, "HV_INPUT_"), strings.HasPrefix(s, "hv_input_"):
		s, suffix = s[len("HV_INPUT_"):], "Input"
	case strings.HasPrefix(s, "HV_OUTPUT_"), strings.HasPrefix(s, "hv_output_"):
		s, suffix = s[len("HV_OUTPUT_"):], "Output"
	case strings.HasPrefix(s, "HVCALL_"):
		s = "CALL_" + s[len("HVCALL_"):] // the kernel's HVCALL_X is the documents' HvCallX
	case strings.HasPrefix(s, "HV_"), strings.HasPrefix(s, "hv_"):
		s = s[3:]
	case strings.HasPrefix(s, "Hv") && len(s) > 2 && unicode.IsUpper(rune(s[2])):
		s = s[2:]
	}
	var b strings.Builder
	for _, w := range Words(s) {
		b.WriteString(word(w))
	}
	b.WriteString(suffix)
	out := b.String()
	if out == "" || !unicode.IsLetter(rune(out[0])) {
		out = "X" + out // keep it an exported identifier
	}
	return out
}

// Field returns the Go name of a struct member, bit range or parameter.
func Field(abi string) string {
	var b strings.Builder
	for _, w := range Words(abi) {
		b.WriteString(word(w))
	}
	out := b.String()
	if out == "" || !unicode.IsLetter(rune(out[0])) {
		out = "X" + out
	}
	return out
}

func word(w string) string {
	u := strings.ToUpper(w)
	if Initialisms[u] {
		return u
	}
	return strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
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

// Method is the name of the generated Client method of a hypercall: its Go
// name without the Call prefix (HvCallMapStatsPage -> MapStatsPage,
// HvExtCallQueryCapabilities -> ExtQueryCapabilities). The generator and
// the docs both take it from here.
func Method(abi string) string {
	n := Go(abi)
	switch {
	case strings.HasPrefix(n, "ExtCall"):
		return "Ext" + strings.TrimPrefix(n, "ExtCall")
	case strings.HasPrefix(n, "Call") && len(n) > 4:
		return strings.TrimPrefix(n, "Call")
	}
	return n
}
