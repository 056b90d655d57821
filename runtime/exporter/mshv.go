package exporter

import "encoding/binary"

// MshvPartition is a partition whose statistics the mshv source exports,
// with its VP count: the driver offers no way to list the partitions of the
// machine, so they are named on the command line.
type MshvPartition struct {
	ID  uint64
	VPs uint32
}

// mshvObjects lists the hypervisor, lps logical processors and the
// partitions with their VPs.
func mshvObjects(buf []Object, lps int, parts []MshvPartition) []Object {
	buf = append(buf, Object{Type: kinds[kindHypervisor].code})
	for i := range lps {
		buf = append(buf, Object{Type: kinds[kindLP].code, Index: uint32(i)})
	}
	for _, p := range parts {
		buf = append(buf, Object{Type: kinds[kindPartition].code, Partition: p.ID})
		for i := range p.VPs {
			buf = append(buf, Object{Type: kinds[kindVP].code, Partition: p.ID, Index: i})
		}
	}
	return buf
}

// putIdentity writes the object's identity, a 16-byte union (linux-7.0
// hv_stats_object_identity in include/hyperv/hvhdk_mini.h): the LP index, or
// the partition id followed by the VP index; the last byte, the statistics
// area, stays 0 (HV_STATS_AREA_SELF) and the rest reserved zero.
func putIdentity(b []byte, o Object) {
	clear(b[:16])
	switch k, _ := kindOf(o.Type); k {
	case kindLP:
		binary.LittleEndian.PutUint32(b, o.Index)
	case kindPartition:
		binary.LittleEndian.PutUint64(b, o.Partition)
	case kindVP:
		binary.LittleEndian.PutUint64(b, o.Partition)
		binary.LittleEndian.PutUint32(b[8:], o.Index)
	}
}
