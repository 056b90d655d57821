package export

import (
	"fmt"
	"strconv"
	"strings"
)

// Word is a 64-bit value (an enum or flag value, a constant, a mask) written
// as a hex string, "0x1f", so that a reader holding JSON numbers as doubles
// (JavaScript, jq) gets every bit. Fields that always fit in 53 bits (sizes,
// offsets, counts, 16-bit codes and statuses) stay JSON numbers.
type Word uint64

// MarshalJSON writes the word as "0x" and lower-case hex digits.
func (w Word) MarshalJSON() ([]byte, error) {
	return []byte(`"` + fmt.Sprintf("%#x", uint64(w)) + `"`), nil
}

// UnmarshalJSON reads a word written by MarshalJSON.
func (w *Word) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("word %s: want a quoted hex string such as \"0x1f\"", b)
	}
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return fmt.Errorf("word %q: want a 0x prefix", s)
	}
	v, err := strconv.ParseUint(digits, 16, 64)
	if err != nil {
		return fmt.Errorf("word %q: %v", s, err)
	}
	*w = Word(v)
	return nil
}

// wordPtr converts an optional registry value.
func wordPtr(v *uint64) *Word {
	if v == nil {
		return nil
	}
	w := Word(*v)
	return &w
}
