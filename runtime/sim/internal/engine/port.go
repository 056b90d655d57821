package engine

import (
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Ports and connections (wdk-2013/HvCreatePort.txt and the pages of the calls
// below). A port belongs to one partition and accepts one connection, from
// the partition named when it was created; messages posted on the
// connection go into the SIM page slot of the port's SINT on the target VP,
// or wait in the port's message buffers while the slot is full, until the
// guest writes end-of-message.

// The sim's choices.
const (
	portPoolPages       = 1  // what a port or a connection takes from the caller's pool
	portMessageBuffers  = 16 // message buffers a port starts with (HvPortPropertyPostCount)
	idReservedBits      = 0xff000000
	messageTypeReserved = 0x80000000 // the top bit of a message type belongs to the hypervisor
)

// messaging is ports, connections, messages and events.
type messaging struct{ h *Hypervisor }

type port struct {
	owner    *Partition
	id       hv.PortID
	info     hv.PortInfo
	connPart hv.PartitionID
	conn     *connection
	payer    *Partition
	buffers  uint64 // HvPortPropertyPostCount
	queued   int    // buffers holding messages the slot has not taken
	prefVP   hv.VPIndex
}

type connection struct {
	owner *Partition
	id    hv.ConnectionID
	port  *port // nil once the port is deleted
	payer *Partition
}

// pendingMessage waits for a SINT slot; it holds a buffer of its port.
type pendingMessage struct {
	msg  hv.Message
	port *port
}

// portOwner runs the first checks of the port calls: the partition, then
// the caller holding the privilege and being the partition or its parent.
func (m *messaging) portOwner(r *request, id hv.PartitionID, priv bool) (*Partition, hv.Status) {
	t := m.h.partitions[id]
	switch {
	case t == nil:
		return nil, hv.StatusInvalidPartitionID
	case !priv || (t.parent != r.p.id && t != r.p):
		return nil, hv.StatusAccessDenied
	}
	return t, hv.StatusSuccess
}

func (m *messaging) createPort(r *request) hv.Status {
	in := input[hv.CreatePortInput](r)
	t, st := m.portOwner(r, in.PortPartition, r.p.priv().CreatePort())
	if t == nil {
		return st
	}
	cp := m.h.partitions[in.ConnectionPartition]
	info := in.PortInfo
	msg, ev := info.MessagePortInfo, info.EventPortInfo()
	sint, target := msg.TargetSINT, msg.TargetVP // message and event ports share these
	switch {
	case cp == nil, cp == t:
		return hv.StatusInvalidPartitionID
	case t.ports[in.PortID] != nil, in.PortID&idReservedBits != 0:
		return hv.StatusInvalidPortID
	case info.PortType != hv.PortTypeMonitor && target != hv.AnyVP && t.vp[target] == nil:
		return hv.StatusInvalidVPIndex
	}
	switch info.PortType {
	case hv.PortTypeMessage:
		if sint < 1 || sint >= hv.SynicSINTCount || msg.RsvdZ != 0 {
			return hv.StatusInvalidParameter
		}
	case hv.PortTypeEvent:
		if sint < 1 || sint >= hv.SynicSINTCount || ev.FlagCount == 0 || int(ev.BaseFlagNumber)+int(ev.FlagCount) >= hv.EventFlagsCount || ev.RsvdZ != 0 {
			return hv.StatusInvalidParameter
		}
	case hv.PortTypeMonitor:
		if info.MonitorPortInfo().RsvdZ != 0 {
			return hv.StatusInvalidParameter
		}
	default:
		return hv.StatusInvalidParameter
	}
	switch {
	case !t.active, !cp.active:
		return hv.StatusInvalidPartitionState
	case r.p.pool < portPoolPages:
		return hv.StatusInsufficientMemory
	case len(t.ports) >= m.h.cfg.Limit:
		return hv.StatusNoResources
	}
	r.p.pool -= portPoolPages
	t.ports[in.PortID] = &port{owner: t, id: in.PortID, info: info, connPart: cp.id, payer: r.p, buffers: portMessageBuffers, prefVP: hv.AnyVP}
	return hv.StatusSuccess
}

func (m *messaging) deletePort(r *request) hv.Status {
	in := input[hv.DeletePortInput](r)
	t, st := m.portOwner(r, in.PortPartition, r.p.priv().CreatePort())
	switch {
	case t == nil:
		return st
	case t.ports[in.PortID] == nil:
		return hv.StatusInvalidPortID
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	m.removePort(t, in.PortID)
	return hv.StatusSuccess
}

// removePort deletes a port; its queued messages are lost and its
// connection stays, pointing nowhere.
func (m *messaging) removePort(t *Partition, id hv.PortID) {
	pt := t.ports[id]
	if pt.conn != nil {
		pt.conn.port = nil
	}
	for _, v := range t.vp {
		for s, list := range v.pending {
			kept := list[:0]
			for _, m := range list {
				if m.port != pt {
					kept = append(kept, m)
				}
			}
			v.pending[s] = kept
		}
	}
	pt.payer.pool += portPoolPages
	delete(t.ports, id)
}

func (m *messaging) connectPort(r *request) hv.Status {
	in := input[hv.ConnectPortInput](r)
	t, st := m.portOwner(r, in.ConnectionPartition, r.p.priv().ConnectPort())
	if t == nil {
		return st
	}
	pp := m.h.partitions[in.PortPartition]
	var pt *port
	if pp != nil {
		pt = pp.ports[in.PortID]
	}
	info := in.ConnectionInfo
	switch {
	case pp == nil, pt != nil && pt.connPart != t.id:
		return hv.StatusInvalidPartitionID
	case t.conns[in.ConnectionID] != nil, in.ConnectionID&idReservedBits != 0:
		return hv.StatusInvalidConnectionID
	case pt == nil, pt.conn != nil, in.PortID&idReservedBits != 0:
		return hv.StatusInvalidPortID
	case info.PortType == hv.PortTypeMonitor && uint64(info.MonitorConnectionInfo().MonitorAddress)%hvPageSize != 0:
		return hv.StatusInvalidAlignment
	case info.PortType != pt.info.PortType,
		info.PortType != hv.PortTypeMonitor && info.MessageConnectionInfo.RsvdZ != 0:
		return hv.StatusInvalidParameter
	case !t.active, !pp.active:
		return hv.StatusInvalidPartitionState
	case r.p.pool < portPoolPages:
		return hv.StatusInsufficientMemory
	case len(t.conns) >= m.h.cfg.Limit:
		return hv.StatusNoResources
	}
	r.p.pool -= portPoolPages
	c := &connection{owner: t, id: in.ConnectionID, port: pt, payer: r.p}
	pt.conn = c
	t.conns[in.ConnectionID] = c
	return hv.StatusSuccess
}

func (m *messaging) disconnectPort(r *request) hv.Status {
	in := input[hv.DisconnectPortInput](r)
	t, st := m.portOwner(r, in.ConnectionPartition, r.p.priv().ConnectPort())
	switch {
	case t == nil:
		return st
	case t.conns[in.ConnectionID] == nil:
		return hv.StatusInvalidConnectionID
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	m.removeConnection(t, in.ConnectionID)
	return hv.StatusSuccess
}

func (m *messaging) removeConnection(t *Partition, id hv.ConnectionID) {
	c := t.conns[id]
	if c.port != nil {
		c.port.conn = nil
	}
	c.payer.pool += portPoolPages
	delete(t.conns, id)
}

// portProperty runs the checks of the port property calls.
func (m *messaging) portProperty(r *request, id hv.PartitionID, pid hv.PortID, code hv.PortPropertyCode) (*port, hv.Status) {
	t, st := m.portOwner(r, id, r.p.priv().CreatePort())
	switch {
	case t == nil:
		return nil, st
	case t.ports[pid] == nil:
		return nil, hv.StatusInvalidPortID
	case code != hv.PortPropertyPostCount && code != hv.PortPropertyPreferredTargetVP:
		return nil, hv.StatusUnknownProperty
	}
	return t.ports[pid], hv.StatusSuccess
}

func (m *messaging) getPortProperty(r *request) hv.Status {
	in := input[hv.GetPortPropertyInput](r)
	pt, st := m.portProperty(r, in.PartitionID, in.PortID, in.PropertyCode)
	if pt == nil {
		return st
	}
	v := pt.buffers
	if in.PropertyCode == hv.PortPropertyPreferredTargetVP {
		v = uint64(pt.prefVP)
	}
	(*hv.GetPortPropertyOutput)(outPtr(r)).PropertyValue = hv.PortProperty(v)
	return hv.StatusSuccess
}

func (m *messaging) setPortProperty(r *request) hv.Status {
	in := input[hv.SetPortPropertyInput](r)
	pt, st := m.portProperty(r, in.PartitionID, in.PortID, in.PropertyCode)
	if pt == nil {
		return st
	}
	if in.PropertyCode == hv.PortPropertyPreferredTargetVP {
		pt.prefVP = hv.VPIndex(in.PropertyValue)
	} else {
		pt.buffers = uint64(in.PropertyValue)
	}
	return hv.StatusSuccess
}

// livePort finds the port behind one of the caller's connections for the
// signalling calls.
func (m *messaging) livePort(r *request, id hv.ConnectionID, typ hv.PortType) (*port, hv.Status) {
	c := r.p.conns[id]
	switch {
	case c == nil:
		return nil, hv.StatusInvalidConnectionID
	case c.port == nil, !c.port.owner.active, c.port.info.PortType != typ:
		return nil, hv.StatusInvalidPortID
	}
	return c.port, hv.StatusSuccess
}

// targetVP picks the VP that receives for a port and checks its SynIC:
// INVALID_VP_INDEX when it is gone or there is none, INVALID_SYNIC_STATE when
// its SynIC or the page is disabled (for HV_ANY_VP, on every VP).
func (pt *port) targetVP(event bool) (*vp, hv.Status) {
	ready := func(v *vp) bool {
		sc := v.regs[hv.X64RegisterScontrol]
		return *sc.Reg64()&1 != 0 && (event && v.sief != nil || !event && v.sim != nil)
	}
	want := pt.info.MessagePortInfo.TargetVP
	if want == hv.AnyVP && pt.owner.vp[pt.prefVP] != nil {
		want = pt.prefVP
	}
	if want != hv.AnyVP {
		v := pt.owner.vp[want]
		switch {
		case v == nil:
			return nil, hv.StatusInvalidVPIndex
		case !ready(v):
			return nil, hv.StatusInvalidSynicState
		}
		return v, hv.StatusSuccess
	}
	if len(pt.owner.vp) == 0 {
		return nil, hv.StatusInvalidVPIndex
	}
	for i := range hv.VPIndex(maxVPs) {
		if v := pt.owner.vp[i]; v != nil && ready(v) {
			return v, hv.StatusSuccess
		}
	}
	return nil, hv.StatusInvalidSynicState
}

func (m *messaging) postMessage(r *request) hv.Status {
	in := input[hv.PostMessageInput](r)
	if !r.p.priv().PostMessages() {
		return hv.StatusAccessDenied
	}
	pt, st := m.livePort(r, in.ConnectionID, hv.PortTypeMessage)
	switch {
	case pt == nil:
		return st
	case uint32(in.MessageType)&messageTypeReserved != 0, in.MessageType == 0, in.PayloadSize > hv.MessageMaxPayloadByteCount:
		return hv.StatusInvalidParameter
	case pt.queued >= int(pt.buffers):
		return hv.StatusInsufficientBuffers
	}
	v, st := pt.targetVP(false)
	if v == nil {
		return st
	}
	var msg hv.Message
	msg.Header.MessageType = in.MessageType
	msg.Header.PayloadSize = uint8(in.PayloadSize)
	*msg.Header.Port() = pt.id
	copy(hvBytes(&msg.Payload)[:in.PayloadSize], hvBytes(&in.Message)[:])
	sint := int(pt.info.MessagePortInfo.TargetSINT)
	v.pending[sint] = append(v.pending[sint], pendingMessage{msg: msg, port: pt})
	pt.queued++
	m.deliverPending(v, sint)
	return hv.StatusSuccess
}

// deliverPending moves the next waiting message of a SINT into its SIM page
// slot if the slot is free (MessageType zero), freeing the port buffer.
func (m *messaging) deliverPending(v *vp, sint int) {
	if v.sim == nil || len(v.pending[sint]) == 0 {
		return
	}
	slot := (*hv.Message)(unsafe.Pointer(&v.sim[sint*int(unsafe.Sizeof(hv.Message{}))]))
	if slot.Header.MessageType != 0 {
		slot.Header.MessageFlags.SetMessagePending(true)
		return
	}
	next := v.pending[sint][0]
	v.pending[sint] = v.pending[sint][1:]
	next.port.queued--
	*slot = next.msg
	slot.Header.MessageFlags.SetMessagePending(len(v.pending[sint]) > 0)
}

func (m *messaging) signalEvent(r *request) hv.Status {
	in := input[hv.SignalEventInput](r)
	if !r.p.priv().SignalEvents() {
		return hv.StatusAccessDenied
	}
	pt, st := m.livePort(r, in.ConnectionID, hv.PortTypeEvent)
	if pt == nil {
		return st
	}
	ev := pt.info.EventPortInfo()
	if in.FlagNumber >= ev.FlagCount || in.RsvdZ != 0 {
		return hv.StatusInvalidParameter
	}
	v, st := pt.targetVP(true)
	if v == nil {
		return st
	}
	sintReg := v.regs[hv.X64RegisterSint0+hv.RegisterName(ev.TargetSINT)]
	if *sintReg.Reg64()&(1<<16) != 0 { // the SINT is masked
		return hv.StatusInvalidSynicState
	}
	bit := int(ev.BaseFlagNumber) + int(in.FlagNumber)
	v.sief[int(ev.TargetSINT)*hv.EventFlagsCount/8+bit/8] |= 1 << (bit % 8)
	return hv.StatusSuccess
}

func hvBytes[T any](p *T) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(*p)) }
