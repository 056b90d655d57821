//go:build amd64 || arm64

package linux70sim

import "github.com/hvgen/hvgen/generated/linux70"

// CreationFlags returns the HV_PARTITION_CREATION_FLAG_* bits
// HVCALL_CREATE_PARTITION created the partition with (0 for the root and
// for partitions made with CreateChild). The sim records them and models
// none of them.
func (p *Partition) CreationFlags() uint64 { return p.e.CreationFlags() }

// IsolationProperties returns the isolation properties
// HVCALL_CREATE_PARTITION created the partition with (the sim's machine has
// no SNP or TDX hardware: the isolation type is always NONE).
func (p *Partition) IsolationProperties() linux70.PartitionIsolationProperties {
	return linux70.PartitionIsolationProperties(p.e.IsolationProperties())
}
