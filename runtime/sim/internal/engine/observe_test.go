package engine_test

import (
	"sync"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// answer is a status the sim gave for a call code of a version.
type answer struct {
	version string
	code    uint16
	status  uint16
}

// seen holds every answer the sim gave through an observed backend; the
// registry test checks it against the statuses the registry lists.
var seen = struct {
	sync.Mutex
	m map[answer]bool
}{m: map[answer]bool{}}

type observed struct {
	b       hvcall.Backend
	enc     *hvcall.Encoding
	version string
}

func (o observed) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, s hvcall.Sizes) (uint64, error) {
	res, err := o.b.Hypercall(control, in, out, regs, s)
	if err != nil {
		return res, err
	}
	status, _ := o.enc.Output(res)
	seen.Lock()
	seen.m[answer{o.version, o.enc.Decode(control).Code, status}] = true
	seen.Unlock()
	return res, nil
}

func (o observed) Conventions() hvcall.Conventions { return o.b.Conventions() }

// observe records the answers of a wdk-2013 backend.
func observe(b hvcall.Backend) hvcall.Backend { return observed{b, &hv.Encoding, "wdk-2013"} }

func observeVersion(b hvcall.Backend, enc *hvcall.Encoding, version string) hvcall.Backend {
	return observed{b, enc, version}
}
