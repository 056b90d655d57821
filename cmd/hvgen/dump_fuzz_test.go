package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
)

// FuzzDump decodes arbitrary bytes as a recording, in JSON lines: bad input
// must give errors naming an offset inside the input, never a panic, and
// every line written must be valid JSON. With fix set, the checksums of the
// chunks the input starts with are made right first, so that the fuzzer
// reaches the buffer and entry checks behind them. The text output must
// have as many lines as the JSON output.
func FuzzDump(f *testing.F) {
	rec := recordEvents(f, func(h *wdk2013sim.Hypervisor) {
		h.EventLog().Log(hv.EventLogTypeLocalDiagnostics, 0, hv.TrHcHypercall, 1, 2, 1<<63)
		h.EventLog().Log(hv.EventLogTypeLocalDiagnostics, 0, 0x7777, 0, 5) // an undocumented type
	})
	f.Add(rec, false)
	f.Add(rec[:len(rec)-5], false)
	f.Add(append(rec[:len(rec):len(rec)], "tail"...), false)
	f.Add(rec, true)
	f.Add([]byte("HVGENEL1\x01\x00\x00\x00\x01\x00\x00\x00\x48\x00\x00\x00\x01\x00\x00\x00"), false) // a format-1 header
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		if fix {
			data = fixChecksums(data)
		}
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		d := newDecoder(w, true, nil, 0, 0, io.Discard)
		rr := recording.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 4096))
		err := d.recording(rr, eventlog.Skip, false)
		d.flush()
		var re *recording.Error
		if errors.As(err, &re) && (re.Offset < 0 || re.Offset > int64(len(data))) {
			t.Errorf("error at byte %d of a %d-byte input: %v", re.Offset, len(data), err)
		}
		if rr.Offset() > int64(len(data)) {
			t.Errorf("read %d bytes of %d", rr.Offset(), len(data))
		}
		for line := range bytes.Lines(out.Bytes()) {
			if !json.Valid(line) {
				t.Fatalf("invalid JSON line %q", line)
			}
		}
		// The text formatter writes a line for every entry JSON does.
		var text bytes.Buffer
		tw := bufio.NewWriter(&text)
		td := newDecoder(tw, false, nil, 0, 0, io.Discard)
		terr := td.recording(recording.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 4096)), eventlog.Skip, false)
		tw.Flush()
		if (terr == nil) != (err == nil) || bytes.Count(text.Bytes(), []byte("\n")) != bytes.Count(out.Bytes(), []byte("\n")) {
			t.Errorf("text: %d lines (%v), JSON: %d lines (%v)", bytes.Count(text.Bytes(), []byte("\n")), terr, bytes.Count(out.Bytes(), []byte("\n")), err)
		}
	})
}

// fixChecksums sets the checksums of the chunks at the start of data (the
// chunk layout runtime/recording documents: magic "HVGENELC", payload
// length at 20, CRC-32C of the payload at 40 and of the header at 44).
func fixChecksums(data []byte) []byte {
	data = append([]byte(nil), data...)
	table := crc32.MakeTable(crc32.Castagnoli)
	const size = recording.ChunkHeaderSize
	for off := 0; off+size <= len(data) && string(data[off:off+8]) == "HVGENELC"; {
		h := data[off : off+size]
		n := int(binary.LittleEndian.Uint32(h[20:]))
		if n > len(data)-off-size {
			break
		}
		binary.LittleEndian.PutUint32(h[40:], crc32.Checksum(data[off+size:off+size+n], table))
		binary.LittleEndian.PutUint32(h[44:], crc32.Checksum(h[:44], table))
		off += size + n
	}
	return data
}
