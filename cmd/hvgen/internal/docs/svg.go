package docs

import (
	"fmt"
	"html"
	"strings"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// Diagram geometry.
const (
	gutter = 64 // left column with row offsets
	rowH   = 34
	width  = 640 // drawing width right of the gutter
)

// block is a run of bytes (or bits) drawn as one labelled box.
type block struct {
	name, tip, class string
	start, len       int64
}

// bytesDiagram draws a struct or union: rows of bytes, each member a box over
// the bytes it covers (union members are stacked one per row group).
func bytesDiagram(name string, l *layout.Type) string {
	if l.Size == 0 {
		return ""
	}
	perRow := int64(8)
	for perRow < 64 && l.Size/perRow > 32 {
		perRow *= 2
	}
	var blocks []block
	var walk func(l *layout.Type, base int64, prefix string)
	walk = func(l *layout.Type, base int64, prefix string) {
		for i, f := range l.Fields {
			sf := f.Spec
			if sf.Nested != nil && sf.Nested.Kind == spec.KindStruct && sf.Count == 0 && f.Size <= perRow*8 {
				p := prefix
				if sf.Name != "" {
					p += sf.Name + "."
				}
				walk(f.Elem, base+f.Offset, p)
				continue
			}
			n := sf.Name
			if n == "" { // an anonymous union: name it by its members
				var ms []string
				for _, m := range f.Elem.Fields {
					ms = append(ms, m.Spec.Name)
				}
				n = strings.Join(ms, " / ")
			}
			class := fmt.Sprintf("f%d", i%4)
			if sf.Padding || sf.Reserved {
				class = "rsv"
			}
			size := max(f.Size, 0)
			if sf.Flexible {
				continue
			}
			blocks = append(blocks, block{name: prefix + n, tip: fmt.Sprintf("%s%s: offset 0x%X, %d bytes, %s", prefix, n, base+f.Offset, size, typeName(sf)),
				class: class, start: base + f.Offset, len: size})
		}
	}
	if l.Spec.Kind == spec.KindUnion {
		// One row group per member, all starting at 0.
		var b strings.Builder
		rows := (l.Size + perRow - 1) / perRow
		svgOpen(&b, name, int(rows)*len(l.Fields))
		for i, f := range l.Fields {
			n := f.Spec.Name
			if n == "" {
				n = "(struct)"
			}
			blk := block{name: n, tip: fmt.Sprintf("%s: %d bytes, %s", n, f.Size, typeName(f.Spec)), class: fmt.Sprintf("f%d", i%4), start: 0, len: f.Size}
			drawBlocks(&b, []block{blk}, perRow, int64(i)*rows, l.Size)
		}
		b.WriteString("</svg>")
		return b.String()
	}
	walk(l, 0, "")
	var b strings.Builder
	rows := (l.Size + perRow - 1) / perRow
	svgOpen(&b, name, int(rows))
	drawBlocks(&b, blocks, perRow, 0, l.Size)
	b.WriteString("</svg>")
	return b.String()
}

func typeName(f *spec.Field) string {
	if f.Nested != nil {
		return string(f.Nested.Kind)
	}
	if f.Count > 0 {
		return fmt.Sprintf("%s[%d]", f.Type, f.Count)
	}
	return f.Type
}

func svgOpen(b *strings.Builder, name string, rows int) {
	h := rows*rowH + 24
	fmt.Fprintf(b, `<svg class="layout" role="img" aria-label="byte layout of %s" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(name), gutter+width+2, h, gutter+width+2, h)
}

// drawBlocks draws blocks over rows of perRow units starting at row0; offsets
// label each row, unit numbers the top.
func drawBlocks(b *strings.Builder, blocks []block, perRow, row0, size int64) {
	unit := float64(width) / float64(perRow)
	for i := int64(0); i < perRow; i += max(perRow/8, 1) {
		fmt.Fprintf(b, `<text class="tick" x="%.1f" y="14">+%d</text>`, float64(gutter)+float64(i)*unit+2, i)
	}
	rows := (size + perRow - 1) / perRow
	for r := int64(0); r < rows; r++ {
		fmt.Fprintf(b, `<text class="off" x="4" y="%d">0x%X</text>`, 24+(row0+r)*rowH+rowH/2+4, r*perRow)
	}
	for _, bl := range blocks {
		for start := bl.start; start < bl.start+bl.len; {
			r := start / perRow
			end := min(bl.start+bl.len, (r+1)*perRow)
			rows := int64(1)
			if start%perRow == 0 && bl.start+bl.len-start >= 2*perRow {
				// Whole rows: one tall box instead of a label per row.
				rows = (bl.start + bl.len - start) / perRow
				end = start + rows*perRow
			}
			x := float64(gutter) + float64(start-r*perRow)*unit
			w := float64(min(end-start, perRow)) * unit
			y := 24 + (row0+r)*rowH
			h := rows * rowH
			fmt.Fprintf(b, `<g><title>%s</title><rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d" rx="3"/>`,
				html.EscapeString(bl.tip), bl.class, x+1, y+1, w-2, h-2)
			if label := fit(bl.name, w); label != "" {
				fmt.Fprintf(b, `<text class="lbl" x="%.1f" y="%d">%s</text>`, x+w/2, y+h/2+5, html.EscapeString(label))
			}
			b.WriteString("</g>")
			start = end
		}
	}
}

// fit shortens a label to the box (about 7 px a character).
func fit(s string, w float64) string {
	n := int((w - 6) / 7)
	switch {
	case n <= 1:
		return ""
	case len(s) <= n:
		return s
	case n <= 2:
		return s[:1]
	}
	return s[:n-1] + "…"
}

// bitsDiagram draws a bitfield: rows of 32 bits, most significant bit left.
func bitsDiagram(name string, t *spec.Type, total int) string {
	var b strings.Builder
	rows := (total + 31) / 32
	svgOpen(&b, name, rows)
	unit := float64(width) / 32
	for i := 0; i < 32; i += 4 {
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="14">%d</text>`, float64(gutter)+float64(31-i)*unit+2, i)
	}
	for r := 0; r < rows; r++ {
		fmt.Fprintf(&b, `<text class="off" x="4" y="%d">bit %d</text>`, 24+r*rowH+rowH/2+4, r*32)
	}
	for i, bit := range t.Bits {
		class := fmt.Sprintf("f%d", i%4)
		if bit.Reserved {
			class = "rsv"
		}
		for lo := bit.Bit; lo < bit.Bit+bit.Width; {
			r := lo / 32
			hi := min(bit.Bit+bit.Width, (r+1)*32) - 1
			// MSB on the left: bit hi is at column 31-(hi%32).
			x := float64(gutter) + float64(31-hi%32)*unit
			w := float64(hi-lo+1) * unit
			y := 24 + r*rowH
			tip := fmt.Sprintf("%s: %s", bit.Name, bitsText(bit))
			fmt.Fprintf(&b, `<g><title>%s</title><rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d" rx="3"/>`,
				html.EscapeString(tip), class, x+1, y+1, w-2, rowH-2)
			if label := fit(bit.Name, w); label != "" {
				fmt.Fprintf(&b, `<text class="lbl" x="%.1f" y="%d">%s</text>`, x+w/2, y+rowH/2+5, html.EscapeString(label))
			}
			b.WriteString("</g>")
			lo = hi + 1
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

func bitsText(b *spec.Bit) string {
	if b.Width == 1 {
		return fmt.Sprintf("bit %d", b.Bit)
	}
	return fmt.Sprintf("bits %d..%d", b.Bit, b.Bit+b.Width-1)
}
