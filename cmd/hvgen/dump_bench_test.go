package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The benchmark recording is made once per test process, in a temporary
// directory TestMain removes; plain `go test` never makes it (it is only
// made when BenchmarkDump runs).
var bench struct {
	once    sync.Once
	dir     string
	path    string
	size    int64
	entries int64
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// benchRecording returns a recording of at least 256 MiB made by hvgen
// simulate (the default group, 1 M events a simulated second) and its
// number of entries.
func benchRecording(b *testing.B) (path string, size, entries int64) {
	bench.once.Do(func() {
		if bench.dir, bench.err = os.MkdirTemp("", "hvgen-bench-"); bench.err != nil {
			return
		}
		bench.path = filepath.Join(bench.dir, "bench.rec")
		if code, out, errs := runCLI("simulate", "-o", bench.path, "-rate", "1000000", "-for", "8100ms"); code != 0 {
			bench.err = fmt.Errorf("simulate: %s %s", out, errs)
			return
		}
		st, err := os.Stat(bench.path)
		if bench.err = err; err != nil {
			return
		}
		bench.size = st.Size()
		var n int64
		if bench.err = dumpTo(bench.path, &n, "-summary"); bench.err != nil {
			return
		}
		bench.entries = n
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	if bench.size < 256<<20 {
		b.Fatalf("recording of %d bytes, want at least 256 MiB", bench.size)
	}
	return bench.path, bench.size, bench.entries
}

// dumpTo runs hvgen dump on path with the flags, output to io.Discard, and
// stores the number of entries it decoded in n.
func dumpTo(path string, n *int64, flags ...string) error {
	d, err := runDumpCounted(append(flags, path), io.Discard, io.Discard)
	if n != nil {
		*n = d
	}
	return err
}

// BenchmarkDump is hvgen dump end to end (open, read, check, decode, format,
// write) on a recording of at least 256 MiB, next to a plain read of the
// same file: MB/s of input compare directly, entries/s is decoded entries,
// and x-read is the speed as a fraction of a plain read timed just before
// each run (so both see the same load on a shared machine).
func BenchmarkDump(b *testing.B) {
	path, size, entries := benchRecording(b)
	perSecond := func(b *testing.B) {
		b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	}
	buf := make([]byte, 1<<20)
	plainRead := func(b *testing.B) {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		var n int64
		for {
			k, err := f.Read(buf)
			n += int64(k)
			if err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		if n != size {
			b.Fatalf("read %d of %d bytes", n, size)
		}
	}
	b.Run("read", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			plainRead(b)
		}
		perSecond(b)
	})
	for _, mode := range []struct {
		name  string
		flags []string
	}{{"walk", []string{"-summary"}}, {"text", nil}, {"json", []string{"-format", "json"}}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(size)
			var readTime time.Duration // a plain read before each run, timed apart: the load on the machine is the same for both
			for b.Loop() {
				b.StopTimer()
				t0 := time.Now()
				plainRead(b)
				readTime += time.Since(t0)
				b.StartTimer()
				var n int64
				if err := dumpTo(path, &n, mode.flags...); err != nil || n != entries {
					b.Fatalf("%v: %d of %d entries", err, n, entries)
				}
			}
			perSecond(b)
			b.ReportMetric(readTime.Seconds()/b.Elapsed().Seconds(), "x-read")
		})
	}
}
