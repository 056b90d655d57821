package spec

import (
	"strings"
	"testing"
	"testing/fstest"
)

const ioctlBase = `area: v
versions:
  - {name: v, doc: d, ref: r}
types:
  - {name: HV_CALL_CODE, kind: alias, base: UINT16, versions: [v], doc: d, ref: r}
  - name: T
    kind: struct
    versions: [v]
    doc: d
    ref: r
    fields:
      - {name: a, type: UINT64, offset: 0}
hypercalls:
  - {name: CALL, code: 0x1, kind: simple, fast: false, versions: [v], doc: d, ref: r, incomplete: none}
ioctls:
  - {name: REQ, dir: write, magic: 0xb8, nr: 0x1, arg: T, versions: [v], doc: d, ref: r}
`

// TestIoctlsAndDriver: the decoder's and checker's rules for ioctl items
// and driver entries, each at its line; and the linking of a driver entry
// to its ioctl and hypercall.
func TestIoctlsAndDriver(t *testing.T) {
	load := func(extra string) (*Registry, error) {
		return Load(fstest.MapFS{"v.yaml": {Data: []byte(ioctlBase + extra)}}, "")
	}
	r, err := load("driver:\n  - {name: REQ, versions: [v], fd: [partition], doc: d, ref: drv.c:1}\n" +
		"  - {name: CALL, versions: [v], fd: [partition, vp], async: true, doc: d, ref: drv.c:2}\n")
	if err != nil {
		t.Fatal(err)
	}
	if x := r.Ioctls[0]; len(x.Fds) != 1 || x.Fds[0] != "partition" || x.FdRefs[0] != "drv.c:1" {
		t.Errorf("REQ: fds %v refs %v", x.Fds, x.FdRefs)
	}
	if p := r.Hypercalls[0].Passthrough; p == nil || !p.Async || len(p.Fds) != 2 {
		t.Errorf("CALL: passthrough %+v", p)
	}
	for _, c := range []struct{ extra, want string }{
		{"  - {name: BAD, dir: sideways, magic: 0xb8, nr: 0x2, arg: T, versions: [v], doc: d, ref: r}\n", "v.yaml:17:22: ioctl BAD: dir must be one of none, read, write, readwrite"},
		{"  - {name: BAD, dir: none, magic: 0x1b8, nr: 0x2, arg: T, versions: [v], doc: d, ref: r}\n", "magic 0x1b8 does not fit the request's 8 bits"},
		{"  - {name: BAD, dir: none, magic: 0xb8, nr: 0x2, arg: T, versions: [v], doc: d, ref: r}\n", "a request without direction (_IO) has no argument type"},
		{"  - {name: BAD, dir: read, magic: 0xb8, nr: 0x2, versions: [v], doc: d, ref: r}\n", "a read request needs arg"},
		{"  - {name: BAD, dir: read, magic: 0xb8, nr: 0x2, arg: U, versions: [v], doc: d, ref: r}\n", "ioctl BAD arg: undefined type U"},
		{"  - {name: BAD, dir: none, magic: 0xb8, nr: 0x1, fd: [disk], versions: [v], doc: d, ref: r}\n", `unknown fd kind "disk"`},
		{"  - {name: TWIN, dir: none, magic: 0xb8, nr: 0x1, fd: [partition], versions: [v], doc: d, ref: r}\ndriver:\n  - {name: REQ, versions: [v], fd: [partition], doc: d, ref: r}\n",
			"type 0xb8 number 0x1 is another request's on a partition fd"},
		{"driver:\n  - {name: NOPE, versions: [v], fd: [vp], doc: d, ref: r}\n", "driver entry NOPE: no ioctl or hypercall of that name in version v"},
		{"driver:\n  - {name: CALL, versions: [v], fd: [vp], async: true, doc: d, ref: r}\n", "an asynchronous call is completed on a partition's fd"},
		{"driver:\n  - {name: REQ, versions: [v], fd: [vp], async: true, doc: d, ref: r}\n", "async applies to a pass-through hypercall, not to an ioctl"},
	} {
		_, err := load(c.extra)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.extra, err, c.want)
		}
	}
}
