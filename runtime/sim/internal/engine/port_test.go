package engine_test

import (
	"encoding/binary"
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

func msgPort(owner, conn hv.PartitionID, id hv.PortID, sint hv.SynicSINTIndex, vp hv.VPIndex) *hv.CreatePortInput {
	in := &hv.CreatePortInput{PortPartition: owner, PortID: id, ConnectionPartition: conn}
	in.PortInfo.PortType = hv.PortTypeMessage
	in.PortInfo.MessagePortInfo = hv.PortInfoMessagePortInfo{TargetSINT: sint, TargetVP: vp}
	return in
}

func eventPort(owner, conn hv.PartitionID, id hv.PortID, base, count uint16) *hv.CreatePortInput {
	in := &hv.CreatePortInput{PortPartition: owner, PortID: id, ConnectionPartition: conn}
	in.PortInfo.PortType = hv.PortTypeEvent
	*in.PortInfo.EventPortInfo() = hv.PortInfoEventPortInfo{TargetSINT: 3, TargetVP: 0, BaseFlagNumber: base, FlagCount: count}
	return in
}

func connect(conn hv.PartitionID, cid hv.ConnectionID, owner hv.PartitionID, pid hv.PortID, typ hv.PortType) *hv.ConnectPortInput {
	in := &hv.ConnectPortInput{ConnectionPartition: conn, ConnectionID: cid, PortPartition: owner, PortID: pid}
	in.ConnectionInfo.PortType = typ
	return in
}

// synic enables the SynIC of a's VP 0 with its SIM page at GPA page 0x80 and
// its SIEF page at 0x81.
func synic(t *testing.T, w *world) {
	must(t, setRegs(w.root, w.a.ID(), 0, hv.X64RegisterScontrol, uint64(1), hv.X64RegisterSipp, uint64(0x80<<12|1), hv.X64RegisterSifp, uint64(0x81<<12|1)))
}

// linked has a message port 1 (SINT 2, VP 0) and an event port 2 in a,
// connected from b as connections 10 and 20, and a's SynIC enabled.
func linked(t *testing.T, w *world) {
	synic(t, w)
	must(t, w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, 0)))
	must(t, w.root.CreatePort(eventPort(w.a.ID(), w.b.ID(), 2, 100, 8)))
	must(t, w.bc.ConnectPort(connect(w.b.ID(), 10, w.a.ID(), 1, hv.PortTypeMessage)))
	must(t, w.bc.ConnectPort(connect(w.b.ID(), 20, w.a.ID(), 2, hv.PortTypeEvent)))
}

func post(c *hv.Client, cid hv.ConnectionID, typ hv.MessageType, payload string) error {
	in := hv.PostMessageInput{ConnectionID: cid, MessageType: typ, PayloadSize: uint32(len(payload))}
	var buf [240]byte
	copy(buf[:], payload)
	for i := range in.Message {
		in.Message[i] = binary.LittleEndian.Uint64(buf[8*i:])
	}
	return c.PostMessage(&in)
}

func TestPortCalls(t *testing.T) {
	runCases(t, []callCase{
		{hv.StatusSuccess, "create", nil, func(t *testing.T, w *world) error {
			return w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, hv.AnyVP))
		}},
		{hv.StatusAccessDenied, "create without CreatePort", nil, func(t *testing.T, w *world) error {
			return w.barec.CreatePort(msgPort(w.bare.ID(), w.a.ID(), 1, 2, hv.AnyVP))
		}},
		{hv.StatusAccessDenied, "create in a sibling", nil, func(t *testing.T, w *world) error {
			return w.ac.CreatePort(msgPort(w.b.ID(), w.a.ID(), 1, 2, hv.AnyVP))
		}},
		{hv.StatusInvalidPartitionID, "create, same partitions", nil, func(t *testing.T, w *world) error {
			return w.root.CreatePort(msgPort(w.a.ID(), w.a.ID(), 1, 2, hv.AnyVP))
		}},
		{hv.StatusInvalidPortID, "create, ID in use", nil, func(t *testing.T, w *world) error {
			must(t, w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, hv.AnyVP)))
			return w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, hv.AnyVP))
		}},
		{hv.StatusInvalidPortID, "create, reserved ID bits", nil, func(t *testing.T, w *world) error {
			return w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1<<24, 2, hv.AnyVP))
		}},
		{hv.StatusInvalidVPIndex, "create for no VP", nil, func(t *testing.T, w *world) error { return w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, 9)) }},
		{hv.StatusInvalidParameter, "create on SINT 0", nil, func(t *testing.T, w *world) error {
			return w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 0, hv.AnyVP))
		}},
		{hv.StatusInvalidParameter, "create event port past the flags", nil, func(t *testing.T, w *world) error {
			return w.root.CreatePort(eventPort(w.a.ID(), w.b.ID(), 1, 2040, 8))
		}},
		{hv.StatusInvalidPartitionState, "create in inactive", deactivate2, func(t *testing.T, w *world) error {
			return w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, hv.AnyVP))
		}},
		{hv.StatusInsufficientMemory, "create, caller's pool empty", nil, func(t *testing.T, w *world) error {
			p := w.h.CreateChild(w.rootPart, allPrivileges, 0, 1)
			return hv.NewClient(observe(p.Backend())).CreatePort(msgPort(p.ID(), w.a.ID(), 1, 2, hv.AnyVP))
		}},
		{hv.StatusNoResources, "port limit", nil, func(t *testing.T, w *world) error {
			for i := range hv.PortID(16) {
				must(t, w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1+i, 2, hv.AnyVP)))
			}
			return w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 17, 2, hv.AnyVP))
		}},

		{hv.StatusSuccess, "delete", linked, func(t *testing.T, w *world) error {
			return w.root.DeletePort(&hv.DeletePortInput{PortPartition: w.a.ID(), PortID: 1})
		}},
		{hv.StatusAccessDenied, "delete in a sibling", linked, func(t *testing.T, w *world) error {
			return w.bc.DeletePort(&hv.DeletePortInput{PortPartition: w.a.ID(), PortID: 1})
		}},
		{hv.StatusInvalidPartitionID, "delete in nothing", nil, func(t *testing.T, w *world) error { return w.root.DeletePort(&hv.DeletePortInput{PortPartition: 99}) }},
		{hv.StatusInvalidPortID, "delete no port", nil, func(t *testing.T, w *world) error {
			return w.root.DeletePort(&hv.DeletePortInput{PortPartition: w.a.ID(), PortID: 4})
		}},
		{hv.StatusInvalidPartitionState, "delete in inactive", func(t *testing.T, w *world) { linked(t, w); w.a.SetActive(false) }, func(t *testing.T, w *world) error {
			return w.root.DeletePort(&hv.DeletePortInput{PortPartition: w.a.ID(), PortID: 1})
		}},

		{hv.StatusAccessDenied, "connect without ConnectPort", nil, func(t *testing.T, w *world) error {
			return w.barec.ConnectPort(connect(w.bare.ID(), 1, w.a.ID(), 1, hv.PortTypeMessage))
		}},
		{hv.StatusInvalidPartitionID, "connect to nothing", nil, func(t *testing.T, w *world) error {
			return w.bc.ConnectPort(connect(w.b.ID(), 1, 99, 1, hv.PortTypeMessage))
		}},
		{hv.StatusInvalidPartitionID, "connect from the wrong partition", func(t *testing.T, w *world) {
			must(t, w.root.CreatePort(msgPort(w.a.ID(), w.bare.ID(), 1, 2, hv.AnyVP)))
		}, func(t *testing.T, w *world) error {
			return w.bc.ConnectPort(connect(w.b.ID(), 1, w.a.ID(), 1, hv.PortTypeMessage))
		}},
		{hv.StatusInvalidConnectionID, "connection ID in use", linked, func(t *testing.T, w *world) error {
			must(t, w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 3, 2, hv.AnyVP)))
			return w.bc.ConnectPort(connect(w.b.ID(), 10, w.a.ID(), 3, hv.PortTypeMessage))
		}},
		{hv.StatusInvalidPortID, "connect to a connected port", linked, func(t *testing.T, w *world) error {
			return w.bc.ConnectPort(connect(w.b.ID(), 11, w.a.ID(), 1, hv.PortTypeMessage))
		}},
		{hv.StatusInvalidAlignment, "monitor page unaligned", func(t *testing.T, w *world) {
			in := &hv.CreatePortInput{PortPartition: w.a.ID(), PortID: 5, ConnectionPartition: w.b.ID()}
			in.PortInfo.PortType = hv.PortTypeMonitor
			must(t, w.root.CreatePort(in))
		}, func(t *testing.T, w *world) error {
			in := connect(w.b.ID(), 1, w.a.ID(), 5, hv.PortTypeMonitor)
			in.ConnectionInfo.MonitorConnectionInfo().MonitorAddress = 0x1008
			return w.bc.ConnectPort(in)
		}},
		{hv.StatusInvalidParameter, "connection info of another type", func(t *testing.T, w *world) {
			must(t, w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, hv.AnyVP)))
		}, func(t *testing.T, w *world) error {
			return w.bc.ConnectPort(connect(w.b.ID(), 1, w.a.ID(), 1, hv.PortTypeEvent))
		}},
		{hv.StatusInvalidPartitionState, "connect to inactive", func(t *testing.T, w *world) {
			must(t, w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1, 2, hv.AnyVP)))
			w.a.SetActive(false)
		}, func(t *testing.T, w *world) error {
			return w.bc.ConnectPort(connect(w.b.ID(), 1, w.a.ID(), 1, hv.PortTypeMessage))
		}},
		{hv.StatusInsufficientMemory, "connect, pool empty", nil, func(t *testing.T, w *world) error {
			p := w.h.CreateChild(w.rootPart, allPrivileges, 0, 1)
			must(t, w.root.CreatePort(msgPort(w.a.ID(), p.ID(), 1, 2, hv.AnyVP)))
			return hv.NewClient(observe(p.Backend())).ConnectPort(connect(p.ID(), 1, w.a.ID(), 1, hv.PortTypeMessage))
		}},
		{hv.StatusNoResources, "connection limit", nil, func(t *testing.T, w *world) error {
			for i := range hv.PortID(16) {
				must(t, w.root.CreatePort(msgPort(w.a.ID(), w.b.ID(), 1+i, 2, hv.AnyVP)))
				must(t, w.bc.ConnectPort(connect(w.b.ID(), hv.ConnectionID(1+i), w.a.ID(), 1+i, hv.PortTypeMessage)))
			}
			must(t, w.root.CreatePort(msgPort(w.bare.ID(), w.b.ID(), 1, 2, hv.AnyVP)))
			return w.bc.ConnectPort(connect(w.b.ID(), 17, w.bare.ID(), 1, hv.PortTypeMessage))
		}},

		{hv.StatusSuccess, "disconnect", linked, func(t *testing.T, w *world) error {
			return w.bc.DisconnectPort(&hv.DisconnectPortInput{ConnectionPartition: w.b.ID(), ConnectionID: 10})
		}},
		{hv.StatusAccessDenied, "disconnect a sibling's", linked, func(t *testing.T, w *world) error {
			return w.ac.DisconnectPort(&hv.DisconnectPortInput{ConnectionPartition: w.b.ID(), ConnectionID: 10})
		}},
		{hv.StatusInvalidPartitionID, "disconnect in nothing", nil, func(t *testing.T, w *world) error {
			return w.root.DisconnectPort(&hv.DisconnectPortInput{ConnectionPartition: 99})
		}},
		{hv.StatusInvalidConnectionID, "disconnect no connection", nil, func(t *testing.T, w *world) error {
			return w.bc.DisconnectPort(&hv.DisconnectPortInput{ConnectionPartition: w.b.ID(), ConnectionID: 3})
		}},
		{hv.StatusInvalidPartitionState, "disconnect in inactive", func(t *testing.T, w *world) { linked(t, w); w.b.SetActive(false) }, func(t *testing.T, w *world) error {
			return w.root.DisconnectPort(&hv.DisconnectPortInput{ConnectionPartition: w.b.ID(), ConnectionID: 10})
		}},

		{hv.StatusSuccess, "port properties", linked, func(t *testing.T, w *world) error {
			must(t, w.root.SetPortProperty(&hv.SetPortPropertyInput{PartitionID: w.a.ID(), PortID: 1, PropertyCode: hv.PortPropertyPostCount, PropertyValue: 3}))
			var out hv.GetPortPropertyOutput
			must(t, w.ac.GetPortProperty(&hv.GetPortPropertyInput{PartitionID: w.a.ID(), PortID: 1, PropertyCode: hv.PortPropertyPostCount}, &out))
			if out.PropertyValue != 3 {
				t.Errorf("post count %d", out.PropertyValue)
			}
			return nil
		}},
		{hv.StatusAccessDenied, "get property of a sibling's port", linked, func(t *testing.T, w *world) error {
			var out hv.GetPortPropertyOutput
			return w.bc.GetPortProperty(&hv.GetPortPropertyInput{PartitionID: w.a.ID(), PortID: 1}, &out)
		}},
		{hv.StatusInvalidPartitionID, "get property in nothing", nil, func(t *testing.T, w *world) error {
			var out hv.GetPortPropertyOutput
			return w.root.GetPortProperty(&hv.GetPortPropertyInput{PartitionID: 99}, &out)
		}},
		{hv.StatusInvalidPortID, "get property of no port", nil, func(t *testing.T, w *world) error {
			var out hv.GetPortPropertyOutput
			return w.root.GetPortProperty(&hv.GetPortPropertyInput{PartitionID: w.a.ID(), PortID: 8}, &out)
		}},
		{hv.StatusUnknownProperty, "get unknown property", linked, func(t *testing.T, w *world) error {
			var out hv.GetPortPropertyOutput
			return w.root.GetPortProperty(&hv.GetPortPropertyInput{PartitionID: w.a.ID(), PortID: 1, PropertyCode: 9}, &out)
		}},
		{hv.StatusAccessDenied, "set property of a sibling's port", linked, func(t *testing.T, w *world) error {
			return w.bc.SetPortProperty(&hv.SetPortPropertyInput{PartitionID: w.a.ID(), PortID: 1})
		}},
		{hv.StatusInvalidPartitionID, "set property in nothing", nil, func(t *testing.T, w *world) error {
			return w.root.SetPortProperty(&hv.SetPortPropertyInput{PartitionID: 99})
		}},
		{hv.StatusInvalidPortID, "set property of no port", nil, func(t *testing.T, w *world) error {
			return w.root.SetPortProperty(&hv.SetPortPropertyInput{PartitionID: w.a.ID(), PortID: 8})
		}},
		{hv.StatusUnknownProperty, "set unknown property", linked, func(t *testing.T, w *world) error {
			return w.root.SetPortProperty(&hv.SetPortPropertyInput{PartitionID: w.a.ID(), PortID: 1, PropertyCode: 9})
		}},

		{hv.StatusSuccess, "post", linked, func(t *testing.T, w *world) error { return post(w.bc, 10, 5, "hello") }},
		{hv.StatusAccessDenied, "post without PostMessages", nil, func(t *testing.T, w *world) error { return post(w.barec, 1, 5, "x") }},
		{hv.StatusInvalidConnectionID, "post on no connection", nil, func(t *testing.T, w *world) error { return post(w.bc, 10, 5, "x") }},
		{hv.StatusInvalidPortID, "post to a deleted port", func(t *testing.T, w *world) {
			linked(t, w)
			must(t, w.root.DeletePort(&hv.DeletePortInput{PortPartition: w.a.ID(), PortID: 1}))
		}, func(t *testing.T, w *world) error { return post(w.bc, 10, 5, "x") }},
		{hv.StatusInvalidPortID, "post to an event port", linked, func(t *testing.T, w *world) error { return post(w.bc, 20, 5, "x") }},
		{hv.StatusInvalidParameter, "post type zero", linked, func(t *testing.T, w *world) error { return post(w.bc, 10, 0, "x") }},
		{hv.StatusInvalidParameter, "post hypervisor type", linked, func(t *testing.T, w *world) error { return post(w.bc, 10, 0x80000001, "x") }},
		{hv.StatusInsufficientBuffers, "post with the slot and buffers full", linked, func(t *testing.T, w *world) error {
			for range 17 { // one in the slot, 16 in the port's buffers
				must(t, post(w.bc, 10, 5, "x"))
			}
			return post(w.bc, 10, 5, "x")
		}},
		{hv.StatusInvalidVPIndex, "post to a deleted VP", func(t *testing.T, w *world) {
			linked(t, w)
			must(t, w.root.DeleteVP(&hv.DeleteVPInput{PartitionID: w.a.ID(), VPIndex: 0}))
		}, func(t *testing.T, w *world) error { return post(w.bc, 10, 5, "x") }},
		{hv.StatusInvalidSynicState, "post with the SynIC off", func(t *testing.T, w *world) {
			linked(t, w)
			must(t, setRegs(w.root, w.a.ID(), 0, hv.X64RegisterScontrol, uint64(0)))
		}, func(t *testing.T, w *world) error { return post(w.bc, 10, 5, "x") }},

		{hv.StatusSuccess, "signal", linked, func(t *testing.T, w *world) error {
			return w.bc.SignalEvent(&hv.SignalEventInput{ConnectionID: 20, FlagNumber: 3})
		}},
		{hv.StatusAccessDenied, "signal without SignalEvents", nil, func(t *testing.T, w *world) error {
			return w.barec.SignalEvent(&hv.SignalEventInput{ConnectionID: 20})
		}},
		{hv.StatusInvalidConnectionID, "signal on no connection", nil, func(t *testing.T, w *world) error {
			return w.bc.SignalEvent(&hv.SignalEventInput{ConnectionID: 20})
		}},
		{hv.StatusInvalidPortID, "signal a message port", linked, func(t *testing.T, w *world) error {
			return w.bc.SignalEvent(&hv.SignalEventInput{ConnectionID: 10})
		}},
		{hv.StatusInvalidParameter, "signal past the flag count", linked, func(t *testing.T, w *world) error {
			return w.bc.SignalEvent(&hv.SignalEventInput{ConnectionID: 20, FlagNumber: 8})
		}},
		{hv.StatusInvalidVPIndex, "signal a deleted VP", func(t *testing.T, w *world) {
			linked(t, w)
			must(t, w.root.DeleteVP(&hv.DeleteVPInput{PartitionID: w.a.ID(), VPIndex: 0}))
		}, func(t *testing.T, w *world) error { return w.bc.SignalEvent(&hv.SignalEventInput{ConnectionID: 20}) }},
		{hv.StatusInvalidSynicState, "signal a masked SINT", func(t *testing.T, w *world) {
			linked(t, w)
			must(t, setRegs(w.root, w.a.ID(), 0, hv.X64RegisterSint0+3, uint64(1<<16)))
		}, func(t *testing.T, w *world) error { return w.bc.SignalEvent(&hv.SignalEventInput{ConnectionID: 20}) }},
	})
}

// TestMessageDelivery: a posted message lands in the SIM page slot of its
// SINT, where the parent reads it with HvCallReadGpa; the next waits until
// the guest empties the slot and writes EOM; a signalled flag shows in the
// SIEF page.
func TestMessageDelivery(t *testing.T) {
	w := newWorld(t)
	linked(t, w)
	must(t, post(w.bc, 10, 5, "first"))
	must(t, post(w.bc, 10, 6, "second"))
	read := func(gpa uint64) (uint64, uint64) {
		var out hv.ReadGPAOutput
		must(t, w.root.ReadGPA(&hv.ReadGPAInput{PartitionID: w.a.ID(), ByteCount: 16, BaseGPA: hv.GPA(gpa)}, &out))
		if *out.AccessResult.ResultCode() != hv.AccessGPASuccess {
			t.Fatalf("read %#x: %v", gpa, *out.AccessResult.ResultCode())
		}
		return out.DataLow, out.DataHigh
	}
	slot := uint64(0x80<<12 + 2*256)
	hdr, port := read(slot)
	payload, _ := read(slot + 16)
	if hdr&0xffffffff != 5 || hdr>>32&0xff != 5 || hdr>>40&1 != 1 || port != 1 || string(le(payload)[:5]) != "first" {
		t.Fatalf("slot header %#x port %d payload %q", hdr, port, le(payload))
	}
	var wo hv.WriteGPAOutput
	must(t, w.root.WriteGPA(&hv.WriteGPAInput{PartitionID: w.a.ID(), ByteCount: 4, BaseGPA: hv.GPA(slot)}, &wo)) // the guest empties the slot
	must(t, setRegs(w.root, w.a.ID(), 0, hv.X64RegisterEom, uint64(0)))
	if hdr, _ := read(slot); hdr&0xffffffff != 6 {
		t.Fatalf("after EOM the slot holds type %d", hdr&0xffffffff)
	}
	must(t, w.bc.SignalEvent(&hv.SignalEventInput{ConnectionID: 20, FlagNumber: 3}))
	bit := 100 + 3
	lo, _ := read(0x81<<12 + 3*256 + uint64(bit/64*8))
	if lo != 1<<(bit%64) {
		t.Errorf("SIEF word %#x", lo)
	}
}

func le(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}
