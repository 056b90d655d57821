//go:build amd64

package mshvsim

import (
	"encoding/binary"
	"syscall"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// passthrough is mshv_ioctl_passthru_hvcall
// (drivers/hv/mshv_root_main.c:171-274 @ d4eb7b2da66c) on a file of kind
// kind (p is nil on /dev/mshv), with the driver's lists taken from the
// registry (abi.Hypercall.Passthrough and Async, spec/linux_mshv_driver.yaml,
// written from the same file). The caller holds the lock that makes pg and
// c its own (pt_mutex, vp_mutex, or the driver's for /dev/mshv).
func (d *Driver) passthrough(p *partition, pg *hvPages, c *linux70.Client, kind abi.FdSet, a *linux70.MshvRootHvcall) syscall.Errno {
	// :189-191: a status set, no input, an input shorter than the
	// partition id or longer than a page, reserved bytes set.
	if a.Status != 0 || a.InPtr == 0 || a.InSz < 8 || a.Rsvd != [6]uint8{} || a.InSz > hvcall.PageSize {
		return syscall.EINVAL
	}
	// :193-194: an output of no size or over a page.
	if a.OutPtr != 0 && (a.OutSz == 0 || a.OutSz > hvcall.PageSize) {
		return syscall.EINVAL
	}
	desc, known := linux70.LookupHypercall(linux70.CallCode(a.Code))
	// :196-197: a call on neither of the driver's lists for this fd
	// (mshv_passthru_hvcalls on a partition or VP fd, :114;
	// mshv_self_passthru_hvcalls on /dev/mshv, :137).
	if !known || !desc.Passthrough.Has(kind) {
		return syscall.EINVAL
	}
	// :199-203: an asynchronous call anywhere but on the partition's own fd.
	if desc.Async && kind != abi.FdPartition {
		return syscall.EINVAL
	}
	// :184: the fd's partition, or HV_PARTITION_ID_SELF on /dev/mshv. The
	// sim resolves no HV_PARTITION_ID_SELF: the simulated driver names the
	// root there.
	id := d.root.ID()
	if p != nil {
		id = p.id
	}
	in, out := pg.in, pg.out
	copy(in[:], mshvioctl.Bytes(a.InPtr, int(a.InSz)))
	clear(in[a.InSz:])
	binary.LittleEndian.PutUint64(in[:], id) // :230
	backend := d.root.Backend()
	enc := &linux70.Encoding
	reps := int(a.Reps)
	var status uint16
	done := 0
	var ret syscall.Errno
	for { // :232-259
		d.traced(linux70.CallCode(a.Code))
		raw, _ := backend.Hypercall(enc.Input(hvcall.Control{Code: a.Code, RepCount: reps, RepStart: done}), in, out, nil, hvcall.Sizes{})
		var completed int
		status, completed = enc.Output(raw)
		if reps > 0 {
			done = completed
		}
		st := linux70.Status(status)
		if st == linux70.StatusSuccess {
			if done < reps {
				continue // the hypervisor stopped early: the rep call goes on from there
			}
			break
		}
		if st != linux70.StatusInsufficientMemory { // hv_result_needs_memory
			ret = errno(st)
			break
		}
		if ret = d.deposit(c, id, 1); ret != 0 { // hv_deposit_memory
			break
		}
	}
	a.Status, a.Reps = status, uint16(done) // :261-262
	if ret == 0 && a.OutPtr != 0 {          // :266-268
		copy(mshvioctl.Bytes(a.OutPtr, int(a.OutSz)), out[:a.OutSz])
	}
	return ret
}
