package engine_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// lworld is the world of the status tables on a sim created for linux-7.0:
// the root, two active children a and b with every privilege, 32 pool pages
// and VPs 0 and 1, and a child with no privileges; calls go through the
// linux70 descriptors and encoding.
type lworld struct {
	h                    *linux70sim.Hypervisor
	rootPart, a, b, bare *linux70sim.Partition
	root, ac, bc, nc     *linux70.Client
}

func newLWorld(t *testing.T, cfg sim.Config) *lworld {
	t.Helper()
	h := linux70sim.New(cfg)
	w := &lworld{h: h, rootPart: h.Root()}
	w.a = h.CreateChild(h.Root(), ^uint64(0), 32, 2)
	w.b = h.CreateChild(h.Root(), ^uint64(0), 32, 2)
	w.bare = h.CreateChild(h.Root(), 0, 8, 1)
	w.root, w.ac, w.bc, w.nc = lclient(h.Root()), lclient(w.a), lclient(w.b), lclient(w.bare)
	return w
}

func lclient(p *linux70sim.Partition) *linux70.Client {
	return linux70.NewClient(observeVersion(p.Backend(), &linux70.Encoding, "linux-7.0"))
}

type lcase struct {
	want  linux70.Status
	name  string
	setup func(*testing.T, *lworld)
	call  func(*testing.T, *lworld) error
}

var lconfig = sim.Config{LogicalProcessors: 2, RootPoolPages: 64, Limit: 16}

func runLCases(t *testing.T, cases []lcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.want.String()+"/"+c.name, func(t *testing.T) {
			w := newLWorld(t, lconfig)
			if c.setup != nil {
				c.setup(t, w)
			}
			err := c.call(t, w)
			if c.want == linux70.StatusSuccess {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var st linux70.Status
			if !errors.As(err, &st) || st != c.want {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

// driverFlags are the creation flags the mshv driver always sets
// (mshv_root_main.c mshv_ioctl_create_partition), with a LAPIC.
const driverFlags = linux70.PartitionCreationFlagExoPartition | linux70.PartitionCreationFlagInterceptMessagePageEnabled |
	linux70.PartitionCreationFlagLapicEnabled

func lcreate(c *linux70.Client, in linux70.CreatePartitionInput) (uint64, error) {
	var out linux70.CreatePartitionOutput
	err := c.CreatePartition(&in, &out)
	return out.PartitionID, err
}

// create makes an uninitialized child of the root as the driver does.
func (w *lworld) create(t *testing.T) uint64 {
	t.Helper()
	id, err := lcreate(w.root, linux70.CreatePartitionInput{Flags: driverFlags})
	must(t, err)
	return id
}

func (w *lworld) deposit(t *testing.T, id uint64, n int) {
	t.Helper()
	_, err := w.root.DepositMemory(&linux70.DepositMemory{PartitionID: id}, w.rootPart.GiveRAM(n))
	must(t, err)
}

// active makes an initialized child with pool pages left over.
func (w *lworld) active(t *testing.T) uint64 {
	t.Helper()
	id := w.create(t)
	w.deposit(t, id, 8)
	must(t, w.root.InitializePartition(&linux70.InitializePartitionInput{PartitionID: id}))
	return id
}

func (w *lworld) finalized(t *testing.T) uint64 {
	t.Helper()
	id := w.active(t)
	must(t, w.root.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: id}))
	return id
}

func deleteVP(c *linux70.Client, id uint64, vp uint32, reserved byte) error {
	var in linux70.DeleteVPInput
	*in.PartitionID(), *in.VPIndex() = id, vp
	in.Reserved()[0] = reserved
	return c.DeleteVP(&in)
}

func lsetRegs(c *linux70.Client, id uint64, vp uint32, kv ...uint64) error {
	var elems []linux70.RegisterAssoc
	for i := 0; i < len(kv); i += 2 {
		e := linux70.RegisterAssoc{Name: uint32(kv[i])}
		*e.Value.Reg64() = kv[i+1]
		elems = append(elems, e)
	}
	_, err := c.SetVPRegisters(&linux70.SetVPRegistersInput{PartitionID: id, VPIndex: vp}, elems)
	return err
}

func lgetReg(c *linux70.Client, id uint64, vp uint32, name linux70.RegisterName) (uint64, error) {
	out := make([]linux70.RegisterValue, 1)
	_, err := c.GetVPRegisters(&linux70.GetVPRegistersInput{PartitionID: id, VPIndex: vp}, []uint32{uint32(name)}, out)
	return *out[0].Reg64(), err
}

func lmap(c *linux70.Client, id, base uint64, flags uint32, src ...uint64) error {
	_, err := c.MapGPAPages(&linux70.MapGPAPagesInput{TargetPartitionID: id, TargetGPABase: base, MapFlags: flags}, src)
	return err
}

func lunmap(c *linux70.Client, id, base uint64, flags uint32, n int) error {
	_, err := c.UnmapGPAPages(&linux70.UnmapGPAPagesInput{TargetPartitionID: id, TargetGPABase: base, UnmapFlags: flags}, n)
	return err
}

func lmsgPort(owner, conn uint64, id uint32) *linux70.CreatePortInput {
	in := &linux70.CreatePortInput{PortPartitionID: owner, ConnectionPartitionID: conn}
	*in.PortID.Asu32() = id
	in.PortInfo.PortType = uint32(linux70.PortTypeMessage)
	in.PortInfo.MessagePortInfo = linux70.PortInfoMessagePortInfo{TargetSINT: 2, TargetVP: 0}
	return in
}

func lconnect(conn uint64, cid uint32, owner uint64, pid uint32) *linux70.ConnectPortInput {
	in := &linux70.ConnectPortInput{ConnectionPartitionID: conn, PortPartitionID: owner}
	*in.ConnectionID.Asu32(), *in.PortID.Asu32() = cid, pid
	in.ConnectionInfo.PortType = uint32(linux70.PortTypeMessage)
	return in
}

func lvpStats(id uint64, vp uint32, area linux70.StatsAreaType) linux70.StatsObjectIdentity {
	var x linux70.StatsObjectIdentity
	x.VP().PartitionID, x.VP().VPIndex, x.VP().StatsAreaType = id, vp, uint8(area)
	return x
}

func lassert(c *linux70.Client, id, dest uint64, typ linux70.InterruptType, vector uint32) *linux70.AssertVirtualInterruptInput {
	in := &linux70.AssertVirtualInterruptInput{PartitionID: id, DestAddr: dest, Vector: vector}
	*in.Control.InterruptType() = uint32(typ)
	return in
}

// TestLinuxPartitionCalls: the partition life cycle and properties, with
// linux-7.0's creation flags and isolation properties.
func TestLinuxPartitionCalls(t *testing.T) {
	iso := func(typ, host uint8, boundary uint64) linux70.PartitionIsolationProperties {
		var p linux70.PartitionIsolationProperties
		p.SetIsolationType(typ)
		p.SetIsolationHostType(host)
		p.SetSharedGPABoundaryPageNumber(boundary)
		return p
	}
	get := func(c *linux70.Client, id uint64, code linux70.PartitionPropertyCode) (uint64, error) {
		var out linux70.GetPartitionPropertyOutput
		err := c.GetPartitionProperty(&linux70.GetPartitionPropertyInput{PartitionID: id, PropertyCode: uint32(code)}, &out)
		return out.PropertyValue, err
	}
	set := func(c *linux70.Client, id uint64, code linux70.PartitionPropertyCode, v uint64) error {
		return c.SetPartitionProperty(&linux70.SetPartitionPropertyInput{PartitionID: id, PropertyCode: uint32(code), PropertyValue: v})
	}
	runLCases(t, []lcase{
		{linux70.StatusSuccess, "create as the driver does", nil, func(t *testing.T, w *lworld) error {
			id, err := lcreate(w.root, linux70.CreatePartitionInput{Flags: driverFlags | linux70.PartitionCreationFlagX2apicCapable,
				CompatibilityVersion: 0x1, IsolationProperties: iso(uint8(linux70.PartitionIsolationTypeNone), 0, 0)})
			p := w.h.Partition(id)
			if err == nil && (p == nil || p.CreationFlags() != driverFlags|linux70.PartitionCreationFlagX2apicCapable || p.IsolationProperties() != 0 || p.Parent() != w.rootPart.ID()) {
				t.Errorf("partition %d: %+v", id, p)
			}
			return err
		}},
		{linux70.StatusAccessDenied, "create without CreatePartitions", nil, func(t *testing.T, w *lworld) error {
			_, err := lcreate(w.nc, linux70.CreatePartitionInput{})
			return err
		}},
		{linux70.StatusInvalidParameter, "create with a flag the headers do not define", nil, func(t *testing.T, w *lworld) error {
			_, err := lcreate(w.root, linux70.CreatePartitionInput{Flags: driverFlags | 1})
			return err
		}},
		{linux70.StatusInvalidParameter, "create SNP-isolated", nil, func(t *testing.T, w *lworld) error {
			_, err := lcreate(w.root, linux70.CreatePartitionInput{IsolationProperties: iso(uint8(linux70.PartitionIsolationTypeSnp), uint8(linux70.PartitionIsolationHostTypeHardware), 0)})
			return err
		}},
		{linux70.StatusInvalidParameter, "create with isolation rsvd_z bits", nil, func(t *testing.T, w *lworld) error {
			_, err := lcreate(w.root, linux70.CreatePartitionInput{IsolationProperties: 1 << 7})
			return err
		}},
		{linux70.StatusInvalidParameter, "create with a shared GPA boundary", nil, func(t *testing.T, w *lworld) error {
			_, err := lcreate(w.root, linux70.CreatePartitionInput{IsolationProperties: iso(0, 0, 0x100)})
			return err
		}},
		{linux70.StatusInvalidParameter, "create proximity flags", nil, func(t *testing.T, w *lworld) error {
			_, err := lcreate(w.root, linux70.CreatePartitionInput{ProximityDomainInfo: linux70.ProximityDomainInfo{Flags: 2}})
			return err
		}},
		{linux70.StatusInsufficientMemory, "create with an empty pool", nil, func(t *testing.T, w *lworld) error {
			h := linux70sim.New(sim.Config{RootPoolPages: 1})
			c := lclient(h.Root())
			_, err := lcreate(c, linux70.CreatePartitionInput{})
			must(t, err)
			_, err = lcreate(c, linux70.CreatePartitionInput{})
			return err
		}},
		{linux70.StatusNoResources, "partition limit", nil, func(t *testing.T, w *lworld) error {
			c := lclient(linux70sim.New(sim.Config{Limit: 1}).Root())
			_, err := lcreate(c, linux70.CreatePartitionInput{})
			must(t, err)
			_, err = lcreate(c, linux70.CreatePartitionInput{})
			return err
		}},

		{linux70.StatusSuccess, "initialize", nil, func(t *testing.T, w *lworld) error { w.active(t); return nil }},
		{linux70.StatusAccessDenied, "initialize a sibling", nil, func(t *testing.T, w *lworld) error {
			return w.ac.InitializePartition(&linux70.InitializePartitionInput{PartitionID: w.create(t)})
		}},
		{linux70.StatusInvalidPartitionID, "initialize nothing", nil, func(t *testing.T, w *lworld) error {
			return w.root.InitializePartition(&linux70.InitializePartitionInput{PartitionID: 99})
		}},
		{linux70.StatusInvalidPartitionState, "initialize twice", nil, func(t *testing.T, w *lworld) error {
			return w.root.InitializePartition(&linux70.InitializePartitionInput{PartitionID: w.active(t)})
		}},
		{linux70.StatusInsufficientMemory, "initialize with an empty pool", nil, func(t *testing.T, w *lworld) error {
			return w.root.InitializePartition(&linux70.InitializePartitionInput{PartitionID: w.create(t)})
		}},
		{linux70.StatusNoResources, "active limit", nil, func(t *testing.T, w *lworld) error {
			w2 := newLWorld(t, sim.Config{Limit: 2}) // the root is one of the two active partitions
			w2.active(t)
			id := w2.create(t)
			w2.deposit(t, id, 2)
			return w2.root.InitializePartition(&linux70.InitializePartitionInput{PartitionID: id})
		}},

		{linux70.StatusSuccess, "finalize", nil, func(t *testing.T, w *lworld) error { w.finalized(t); return nil }},
		{linux70.StatusAccessDenied, "finalize a sibling", nil, func(t *testing.T, w *lworld) error {
			return w.ac.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: w.b.ID()})
		}},
		{linux70.StatusInvalidPartitionID, "finalize nothing", nil, func(t *testing.T, w *lworld) error {
			return w.root.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: 99})
		}},
		{linux70.StatusOperationDenied, "finalize a parent", func(t *testing.T, w *lworld) { w.h.CreateChild(w.a, 0, 0, 0) }, func(t *testing.T, w *lworld) error {
			return w.root.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: w.a.ID()})
		}},
		{linux70.StatusInvalidPartitionState, "finalize an uninitialized partition", nil, func(t *testing.T, w *lworld) error {
			return w.root.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: w.create(t)})
		}},

		{linux70.StatusSuccess, "delete uninitialized", nil, func(t *testing.T, w *lworld) error {
			return w.root.DeletePartition(&linux70.DeletePartitionInput{PartitionID: w.create(t)})
		}},
		{linux70.StatusAccessDenied, "delete a sibling", nil, func(t *testing.T, w *lworld) error {
			return w.ac.DeletePartition(&linux70.DeletePartitionInput{PartitionID: w.b.ID()})
		}},
		{linux70.StatusInvalidPartitionID, "delete nothing", nil, func(t *testing.T, w *lworld) error {
			return w.root.DeletePartition(&linux70.DeletePartitionInput{PartitionID: 99})
		}},
		{linux70.StatusOperationDenied, "delete with pages in the pool", nil, func(t *testing.T, w *lworld) error {
			return w.root.DeletePartition(&linux70.DeletePartitionInput{PartitionID: w.finalized(t)})
		}},
		{linux70.StatusInvalidPartitionState, "delete an active partition", nil, func(t *testing.T, w *lworld) error {
			p := w.h.CreateChild(w.rootPart, 0, 0, 0) // active, nothing in its pool
			return w.root.DeletePartition(&linux70.DeletePartitionInput{PartitionID: p.ID()})
		}},

		{linux70.StatusSuccess, "get and set a linux-7.0 property", nil, func(t *testing.T, w *lworld) error {
			must(t, set(w.root, w.a.ID(), linux70.PartitionPropertyUnimplementedMSRAction, 1))
			v, err := get(w.root, w.a.ID(), linux70.PartitionPropertyUnimplementedMSRAction)
			if v != 1 {
				t.Errorf("reads back %d", v)
			}
			return err
		}},
		{linux70.StatusSuccess, "privilege flags", nil, func(t *testing.T, w *lworld) error {
			v, err := get(w.root, w.bare.ID(), linux70.PartitionPropertyPrivilegeFlags)
			if v != 0 {
				t.Errorf("bare has privileges %#x", v)
			}
			return err
		}},
		{linux70.StatusAccessDenied, "get a sibling's", nil, func(t *testing.T, w *lworld) error {
			_, err := get(w.ac, w.b.ID(), linux70.PartitionPropertyPrivilegeFlags)
			return err
		}},
		{linux70.StatusInvalidPartitionID, "get of nothing", nil, func(t *testing.T, w *lworld) error {
			_, err := get(w.root, 99, linux70.PartitionPropertyPrivilegeFlags)
			return err
		}},
		{linux70.StatusSuccess, "get a property only the documents name", nil, func(t *testing.T, w *lworld) error {
			v, err := get(w.root, w.a.ID(), linux70.PartitionPropertyCode(hv.PartitionPropertyCPUCap)) // one hypervisor: it has it
			if v != 0x10000 {
				t.Errorf("CPU cap %#x", v)
			}
			return err
		}},
		{linux70.StatusUnknownProperty, "get unknown", nil, func(t *testing.T, w *lworld) error {
			_, err := get(w.root, w.a.ID(), 0x7777)
			return err
		}},
		{linux70.StatusInvalidPartitionState, "get of inactive", nil, func(t *testing.T, w *lworld) error {
			_, err := get(w.root, w.create(t), linux70.PartitionPropertyPrivilegeFlags)
			return err
		}},
		{linux70.StatusAccessDenied, "set a sibling's", nil, func(t *testing.T, w *lworld) error {
			return set(w.ac, w.b.ID(), linux70.PartitionPropertyUnimplementedMSRAction, 1)
		}},
		{linux70.StatusInvalidPartitionID, "set of nothing", nil, func(t *testing.T, w *lworld) error {
			return set(w.root, 99, linux70.PartitionPropertyUnimplementedMSRAction, 1)
		}},
		{linux70.StatusUnknownProperty, "set unknown", nil, func(t *testing.T, w *lworld) error { return set(w.root, w.a.ID(), 0x7777, 1) }},
		{linux70.StatusPropertyValueOutOfRange, "static privilege", nil, func(t *testing.T, w *lworld) error {
			return set(w.root, w.bare.ID(), linux70.PartitionPropertyPrivilegeFlags, 1<<36)
		}},
		{linux70.StatusInvalidParameter, "reserved privilege bits", nil, func(t *testing.T, w *lworld) error {
			return set(w.root, w.a.ID(), linux70.PartitionPropertyPrivilegeFlags, ^uint64(0))
		}},
		{linux70.StatusInvalidPartitionState, "set of inactive", nil, func(t *testing.T, w *lworld) error {
			return set(w.root, w.create(t), linux70.PartitionPropertyUnimplementedMSRAction, 1)
		}},
		{linux70.StatusInsufficientMemory, "virtual TLB larger than the pool", nil, func(t *testing.T, w *lworld) error {
			return set(w.root, w.a.ID(), linux70.PartitionPropertyCode(hv.PartitionPropertyVirtualTLBPageCount), 33)
		}},

		{linux70.StatusSuccess, "own ID", nil, func(t *testing.T, w *lworld) error {
			var out linux70.GetPartitionIDOutput
			must(t, w.ac.GetPartitionID(&out))
			if out.PartitionID != w.a.ID() {
				t.Errorf("ID %d, want %d", out.PartitionID, w.a.ID())
			}
			return nil
		}},
		{linux70.StatusAccessDenied, "own ID without AccessPartitionId", nil, func(t *testing.T, w *lworld) error {
			var out linux70.GetPartitionIDOutput
			return w.nc.GetPartitionID(&out)
		}},
	})
}

// TestLinuxMemoryCalls: deposit, withdraw, map and unmap with linux-7.0's
// map flags and 2 MB pages.
func TestLinuxMemoryCalls(t *testing.T) {
	withdraw := func(c *linux70.Client, id uint64, n int, pd linux70.ProximityDomainInfo) error {
		_, err := c.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: id, ProximityDomainInfo: pd}, make([]uint64, n))
		return err
	}
	deposit := func(c *linux70.Client, id uint64, pages ...uint64) error {
		_, err := c.DepositMemory(&linux70.DepositMemory{PartitionID: id}, pages)
		return err
	}
	rw := uint32(linux70.MapGPAReadable | linux70.MapGPAWritable)
	runLCases(t, []lcase{
		{linux70.StatusSuccess, "deposit", nil, func(t *testing.T, w *lworld) error { return deposit(w.root, w.a.ID(), w.rootPart.GiveRAM(2)...) }},
		{linux70.StatusAccessDenied, "deposit into a sibling", nil, func(t *testing.T, w *lworld) error {
			return deposit(w.ac, w.b.ID(), w.a.GiveRAM(1)...)
		}},
		{linux70.StatusInvalidPartitionID, "deposit into nothing", nil, func(t *testing.T, w *lworld) error {
			return deposit(w.root, 99, w.rootPart.GiveRAM(1)...)
		}},
		{linux70.StatusOperationDenied, "deposit a page deposited already", nil, func(t *testing.T, w *lworld) error {
			g := w.rootPart.GiveRAM(1)
			must(t, deposit(w.root, w.a.ID(), g...))
			return deposit(w.root, w.b.ID(), g...)
		}},
		{linux70.StatusInvalidPartitionState, "deposit into finalized", nil, func(t *testing.T, w *lworld) error {
			return deposit(w.root, w.finalized(t), w.rootPart.GiveRAM(1)...)
		}},

		{linux70.StatusSuccess, "withdraw", nil, func(t *testing.T, w *lworld) error {
			return withdraw(w.root, w.a.ID(), 32, linux70.ProximityDomainInfo{})
		}},
		{linux70.StatusAccessDenied, "withdraw from a sibling", nil, func(t *testing.T, w *lworld) error {
			return withdraw(w.ac, w.b.ID(), 1, linux70.ProximityDomainInfo{})
		}},
		{linux70.StatusInvalidPartitionID, "withdraw from nothing", nil, func(t *testing.T, w *lworld) error {
			return withdraw(w.root, 99, 1, linux70.ProximityDomainInfo{})
		}},
		{linux70.StatusInvalidParameter, "withdraw proximity flags", nil, func(t *testing.T, w *lworld) error {
			return withdraw(w.root, w.a.ID(), 1, linux70.ProximityDomainInfo{Flags: 4})
		}},
		{linux70.StatusNoResources, "withdraw more than the pool", nil, func(t *testing.T, w *lworld) error {
			return withdraw(w.root, w.a.ID(), 33, linux70.ProximityDomainInfo{}) // the driver's loop ends here
		}},

		{linux70.StatusSuccess, "map readable, writable and executable", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.a.ID(), 0x10, rw|linux70.MapGPAExecutable, w.rootPart.GiveRAM(2)...)
		}},
		{linux70.StatusSuccess, "map with no access", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.a.ID(), 0x10, linux70.MapGPANoAccess, 0) // the driver's source is 0
		}},
		{linux70.StatusAccessDenied, "map into a sibling", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.ac, w.b.ID(), 0x10, rw, w.a.GiveRAM(1)...)
		}},
		{linux70.StatusInvalidPartitionID, "map into nothing", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, 99, 0x10, rw, w.rootPart.GiveRAM(1)...)
		}},
		{linux70.StatusInvalidParameter, "map with a flag the headers do not define", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.a.ID(), 0x10, rw|0x10, w.rootPart.GiveRAM(1)...)
		}},
		{linux70.StatusInvalidParameter, "map no access with a permission", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.a.ID(), 0x10, linux70.MapGPANoAccess|linux70.MapGPAReadable, w.rootPart.GiveRAM(1)...)
		}},
		{linux70.StatusInvalidParameter, "map a 2 MB page at an unaligned GPA", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.a.ID(), 0x10, rw|linux70.MapGPALargePage, 0x200)
		}},
		{linux70.StatusOperationDenied, "map a page the caller does not own", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.a.ID(), 0x10, rw, 0x7777)
		}},
		{linux70.StatusInvalidPartitionState, "map into an uninitialized partition", nil, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.create(t), 0x10, rw, w.rootPart.GiveRAM(1)...)
		}},
		{linux70.StatusInsufficientMemory, "map a new 2 MB region with an empty pool", func(t *testing.T, w *lworld) {
			_, err := w.root.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: w.a.ID()}, make([]uint64, 32))
			must(t, err)
		}, func(t *testing.T, w *lworld) error {
			return lmap(w.root, w.a.ID(), 0x10, rw, w.rootPart.GiveRAM(1)...) // the driver deposits 256 pages and retries
		}},

		{linux70.StatusSuccess, "unmap", nil, func(t *testing.T, w *lworld) error {
			must(t, lmap(w.root, w.a.ID(), 0x10, rw, w.rootPart.GiveRAM(2)...))
			return lunmap(w.root, w.a.ID(), 0x10, 0, 2)
		}},
		{linux70.StatusAccessDenied, "unmap a sibling's", nil, func(t *testing.T, w *lworld) error { return lunmap(w.ac, w.b.ID(), 0x10, 0, 1) }},
		{linux70.StatusInvalidPartitionID, "unmap nothing's", nil, func(t *testing.T, w *lworld) error { return lunmap(w.root, 99, 0x10, 0, 1) }},
		{linux70.StatusInvalidParameter, "unmap with a flag the headers do not define", nil, func(t *testing.T, w *lworld) error {
			return lunmap(w.root, w.a.ID(), 0x10, 1, 1)
		}},
		{linux70.StatusInvalidPartitionState, "unmap from an uninitialized partition", nil, func(t *testing.T, w *lworld) error {
			return lunmap(w.root, w.create(t), 0x10, 0, 1)
		}},
	})
}

// TestLinuxLargePages: a 2 MB page maps and unmaps 512 GPA pages from a
// 2 MB aligned source; the rep count counts 2 MB pages.
func TestLinuxLargePages(t *testing.T) {
	w := newLWorld(t, lconfig)
	ram := w.rootPart.GiveRAM(2 * 512)
	src := ram[0]
	for src%512 != 0 {
		src++
	}
	must(t, lmap(w.root, w.a.ID(), 0x400, linux70.MapGPAReadable|linux70.MapGPAWritable|linux70.MapGPALargePage, src))
	if c := w.a.Counters(); c.MappedPages != 512 {
		t.Fatalf("%d pages mapped, want 512", c.MappedPages)
	}
	if err := lmap(w.root, w.b.ID(), 0x400, linux70.MapGPAReadable|linux70.MapGPALargePage, src+1); !errors.Is(err, linux70.StatusInvalidParameter) {
		t.Errorf("an unaligned 2 MB source: %v", err)
	}
	if err := lunmap(w.root, w.a.ID(), 0x200, linux70.UnmapGPALargePage, 1); err != nil {
		t.Fatal(err) // nothing there: success
	}
	if c := w.a.Counters(); c.MappedPages != 512 {
		t.Fatalf("%d pages mapped after unmapping elsewhere", c.MappedPages)
	}
	must(t, lunmap(w.root, w.a.ID(), 0x400, linux70.UnmapGPALargePage, 1))
	if c := w.a.Counters(); c.MappedPages != 0 {
		t.Fatalf("%d pages mapped after the unmap", c.MappedPages)
	}
}

// TestLinuxDepositAndRetry is what mshv_root_hv_call.c does with
// HV_STATUS_INSUFFICIENT_MEMORY: deposit into the pool the call named (the
// root's own for a create, the child's for the others) and retry; each
// retry after a deposit succeeds.
func TestLinuxDepositAndRetry(t *testing.T) {
	h := linux70sim.New(sim.Config{RootPoolPages: 1})
	root := h.Root()
	c := lclient(root)
	retry := func(what string, pool uint64, call func() error) {
		t.Helper()
		err := call()
		for tries := 0; errors.Is(err, linux70.StatusInsufficientMemory); tries++ {
			if tries == 4 {
				t.Fatalf("%s: still short after %d deposits", what, tries)
			}
			if _, err := c.DepositMemory(&linux70.DepositMemory{PartitionID: pool}, root.GiveRAM(1)); err != nil {
				t.Fatalf("%s: deposit into %d: %v", what, pool, err)
			}
			err = call()
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	var id uint64
	create := func() error {
		var err error
		id, err = lcreate(c, linux70.CreatePartitionInput{Flags: driverFlags})
		return err
	}
	must(t, create()) // the root's one page
	retry("create", root.ID(), create)
	retry("initialize", id, func() error { return c.InitializePartition(&linux70.InitializePartitionInput{PartitionID: id}) })
	retry("create VP", id, func() error { return c.CreateVP(&linux70.CreateVP{PartitionID: id}) })
	retry("map", id, func() error { return lmap(c, id, 0, linux70.MapGPAReadable, root.GiveRAM(1)...) })
	if vps := h.Partition(id).VPs(); len(vps) != 1 || vps[0].Index() != 0 {
		t.Errorf("VPs %v", vps)
	}
}

// TestLinuxVPCalls: VPs and their registers in linux-7.0's layouts, the
// suspend registers a run loop uses among them; virtual interrupts.
func TestLinuxVPCalls(t *testing.T) {
	createVP := func(c *linux70.Client, in linux70.CreateVP) error { return c.CreateVP(&in) }
	runLCases(t, []lcase{
		{linux70.StatusSuccess, "create VP", nil, func(t *testing.T, w *lworld) error {
			err := createVP(w.root, linux70.CreateVP{PartitionID: w.a.ID(), VPIndex: 2})
			if !w.a.VP(2).Exists() {
				t.Error("VP 2 not there")
			}
			return err
		}},
		{linux70.StatusAccessDenied, "create VP in a sibling", nil, func(t *testing.T, w *lworld) error {
			return createVP(w.ac, linux70.CreateVP{PartitionID: w.b.ID(), VPIndex: 2})
		}},
		{linux70.StatusOperationDenied, "create VP over the CPU reserve", func(t *testing.T, w *lworld) {
			must(t, w.root.SetPartitionProperty(&linux70.SetPartitionPropertyInput{PartitionID: w.a.ID(),
				PropertyCode: uint32(hv.PartitionPropertyCPUReserve), PropertyValue: 0x10000 * 7 / 10})) // 2 VPs: 140% of 200%
		}, func(t *testing.T, w *lworld) error {
			return createVP(w.root, linux70.CreateVP{PartitionID: w.a.ID(), VPIndex: 2}) // 210%
		}},
		{linux70.StatusInvalidPartitionID, "create VP in nothing", nil, func(t *testing.T, w *lworld) error {
			return createVP(w.root, linux70.CreateVP{PartitionID: 99})
		}},
		{linux70.StatusInvalidVPIndex, "create VP that exists", nil, func(t *testing.T, w *lworld) error {
			return createVP(w.root, linux70.CreateVP{PartitionID: w.a.ID(), VPIndex: 1})
		}},
		{linux70.StatusInvalidParameter, "create VP in a subnode", nil, func(t *testing.T, w *lworld) error {
			return createVP(w.root, linux70.CreateVP{PartitionID: w.a.ID(), VPIndex: 2, SubnodeType: 1})
		}},
		{linux70.StatusInvalidParameter, "create VP flags", nil, func(t *testing.T, w *lworld) error {
			return createVP(w.root, linux70.CreateVP{PartitionID: w.a.ID(), VPIndex: 2, Flags: 1})
		}},
		{linux70.StatusInvalidPartitionState, "create VP in an uninitialized partition", nil, func(t *testing.T, w *lworld) error {
			id := w.create(t)
			w.deposit(t, id, 2)
			return createVP(w.root, linux70.CreateVP{PartitionID: id})
		}},
		{linux70.StatusInsufficientMemory, "create VP with an empty pool", func(t *testing.T, w *lworld) {
			_, err := w.root.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: w.a.ID()}, make([]uint64, 32))
			must(t, err)
		}, func(t *testing.T, w *lworld) error {
			return createVP(w.root, linux70.CreateVP{PartitionID: w.a.ID(), VPIndex: 2})
		}},
		{linux70.StatusNoResources, "VP limit", nil, func(t *testing.T, w *lworld) error {
			w2 := newLWorld(t, sim.Config{Limit: 1})
			must(t, createVP(w2.root, linux70.CreateVP{PartitionID: w2.a.ID(), VPIndex: 2}))
			return createVP(w2.root, linux70.CreateVP{PartitionID: w2.a.ID(), VPIndex: 3})
		}},

		{linux70.StatusSuccess, "delete VP", nil, func(t *testing.T, w *lworld) error {
			err := deleteVP(w.root, w.a.ID(), 1, 0)
			if w.a.VP(1).Exists() {
				t.Error("VP 1 still there")
			}
			return err
		}},
		{linux70.StatusAccessDenied, "delete a sibling's VP", nil, func(t *testing.T, w *lworld) error { return deleteVP(w.ac, w.b.ID(), 0, 0) }},
		{linux70.StatusInvalidPartitionID, "delete VP of nothing", nil, func(t *testing.T, w *lworld) error { return deleteVP(w.root, 99, 0, 0) }},
		{linux70.StatusInvalidVPIndex, "delete a VP that is not there", nil, func(t *testing.T, w *lworld) error { return deleteVP(w.root, w.a.ID(), 5, 0) }},
		{linux70.StatusInvalidParameter, "delete VP with reserved bytes", nil, func(t *testing.T, w *lworld) error { return deleteVP(w.root, w.a.ID(), 1, 1) }},
		{linux70.StatusInvalidPartitionState, "delete VP of an inactive partition", func(t *testing.T, w *lworld) { w.a.SetActive(false) }, func(t *testing.T, w *lworld) error {
			return deleteVP(w.root, w.a.ID(), 1, 0)
		}},

		{linux70.StatusSuccess, "set and get RIP and the suspend registers", nil, func(t *testing.T, w *lworld) error {
			must(t, lsetRegs(w.root, w.a.ID(), 1, uint64(x64RIP), 0xfff0, uint64(linux70.RegisterExplicitSuspend), 1))
			rip, err := lgetReg(w.root, w.a.ID(), 1, x64RIP)
			must(t, err)
			suspended, err := lgetReg(w.ac, w.a.ID(), 1, linux70.RegisterExplicitSuspend) // the partition itself
			if rip != 0xfff0 || suspended != 1 {
				t.Errorf("RIP %#x, explicit suspend %d", rip, suspended)
			}
			if v, ok := w.a.VP(1).Register(x64RIP); !ok || *v.Reg64() != 0xfff0 {
				t.Errorf("VP.Register: %#x %v", *v.Reg64(), ok)
			}
			return err
		}},
		{linux70.StatusAccessDenied, "get a sibling's registers", nil, func(t *testing.T, w *lworld) error {
			_, err := lgetReg(w.ac, w.b.ID(), 0, x64RIP)
			return err
		}},
		{linux70.StatusAccessDenied, "set a sibling's registers", nil, func(t *testing.T, w *lworld) error {
			return lsetRegs(w.ac, w.b.ID(), 0, uint64(x64RIP), 1)
		}},
		{linux70.StatusInvalidPartitionID, "get registers of nothing", nil, func(t *testing.T, w *lworld) error {
			_, err := lgetReg(w.root, 99, 0, x64RIP)
			return err
		}},
		{linux70.StatusInvalidVPIndex, "set registers of a VP that is not there", nil, func(t *testing.T, w *lworld) error {
			return lsetRegs(w.root, w.a.ID(), 9, uint64(x64RIP), 1)
		}},
		{linux70.StatusInvalidPartitionID, "set registers of nothing", nil, func(t *testing.T, w *lworld) error {
			return lsetRegs(w.root, 99, 0, uint64(x64RIP), 1)
		}},
		{linux70.StatusInvalidVPIndex, "get registers of a VP that is not there", nil, func(t *testing.T, w *lworld) error {
			_, err := lgetReg(w.root, w.a.ID(), 9, x64RIP)
			return err
		}},
		{linux70.StatusInvalidParameter, "get a register linux-7.0 does not name", nil, func(t *testing.T, w *lworld) error {
			_, err := lgetReg(w.root, w.a.ID(), 0, 0x7777777)
			return err
		}},
		{linux70.StatusInvalidParameter, "set registers of another VTL", nil, func(t *testing.T, w *lworld) error {
			_, err := w.root.SetVPRegisters(&linux70.SetVPRegistersInput{PartitionID: w.a.ID(), InputVTL: 1}, []linux70.RegisterAssoc{{Name: uint32(x64RIP)}})
			return err
		}},
		{linux70.StatusInvalidParameter, "get registers with rsvd_z16", nil, func(t *testing.T, w *lworld) error {
			_, err := w.root.GetVPRegisters(&linux70.GetVPRegistersInput{PartitionID: w.a.ID(), RsvdZ16: 1}, []uint32{uint32(x64RIP)}, make([]linux70.RegisterValue, 1))
			return err
		}},
		{linux70.StatusInvalidPartitionState, "set registers of an inactive partition", func(t *testing.T, w *lworld) { w.a.SetActive(false) }, func(t *testing.T, w *lworld) error {
			return lsetRegs(w.root, w.a.ID(), 0, uint64(x64RIP), 1)
		}},
		{linux70.StatusInvalidPartitionState, "get registers of an inactive partition", func(t *testing.T, w *lworld) { w.a.SetActive(false) }, func(t *testing.T, w *lworld) error {
			_, err := lgetReg(w.root, w.a.ID(), 0, x64RIP)
			return err
		}},

		{linux70.StatusSuccess, "assert a fixed interrupt", nil, func(t *testing.T, w *lworld) error {
			err := w.root.AssertVirtualInterrupt(lassert(w.root, w.a.ID(), 1, linux70.X64InterruptTypeFixed, 0x30))
			if got := w.a.VP(1).Interrupts(); len(got) != 1 || got[0].Vector != 0x30 || got[0].Type != linux70.X64InterruptTypeFixed {
				t.Errorf("interrupts %+v", got)
			}
			return err
		}},
		{linux70.StatusAccessDenied, "assert into a sibling", nil, func(t *testing.T, w *lworld) error {
			return w.ac.AssertVirtualInterrupt(lassert(w.ac, w.b.ID(), 0, linux70.X64InterruptTypeFixed, 0x30))
		}},
		{linux70.StatusInvalidPartitionID, "assert into nothing", nil, func(t *testing.T, w *lworld) error {
			return w.root.AssertVirtualInterrupt(lassert(w.root, 99, 0, linux70.X64InterruptTypeFixed, 0x30))
		}},
		{linux70.StatusInvalidVPIndex, "assert to a VP that is not there", nil, func(t *testing.T, w *lworld) error {
			return w.root.AssertVirtualInterrupt(lassert(w.root, w.a.ID(), 7, linux70.X64InterruptTypeFixed, 0x30))
		}},
		{linux70.StatusInvalidParameter, "assert to another VTL", nil, func(t *testing.T, w *lworld) error {
			in := lassert(w.root, w.a.ID(), 0, linux70.X64InterruptTypeFixed, 0x30)
			in.TargetVTL = 1
			return w.root.AssertVirtualInterrupt(in)
		}},
		{linux70.StatusInvalidParameter, "assert with rsvd_z1", nil, func(t *testing.T, w *lworld) error {
			in := lassert(w.root, w.a.ID(), 0, linux70.X64InterruptTypeFixed, 0x30)
			in.RsvdZ1 = 1
			return w.root.AssertVirtualInterrupt(in)
		}},
		{linux70.StatusInvalidPartitionState, "assert into an inactive partition", func(t *testing.T, w *lworld) { w.a.SetActive(false) }, func(t *testing.T, w *lworld) error {
			return w.root.AssertVirtualInterrupt(lassert(w.root, w.a.ID(), 0, linux70.X64InterruptTypeFixed, 0x30))
		}},

		{linux70.StatusSuccess, "flush a list", nil, func(t *testing.T, w *lworld) error {
			_, err := w.ac.FlushVirtualAddressList(&linux70.TLBFlush{ProcessorMask: 1, AddressSpace: 0x1000}, []uint64{1, 2, 3})
			return err
		}},
		{linux70.StatusInvalidParameter, "flush a list with the extended range format", nil, func(t *testing.T, w *lworld) error {
			_, err := w.ac.FlushVirtualAddressList(&linux70.TLBFlush{ProcessorMask: 1, Flags: 8}, []uint64{1})
			return err
		}},
	})
}

// TestLinuxPortsAndStats: ports in linux-7.0's layouts (VTLs and
// doorbells not modelled), and statistics pages: the hypervisor places the
// page HVCALL_MAP_STATS_PAGE maps; each area is mapped on its own.
func TestLinuxPortsAndStats(t *testing.T) {
	deletePort := func(c *linux70.Client, owner uint64, id, reserved uint32) error {
		var in linux70.DeletePortInput
		*in.PortPartitionID() = owner
		*in.PortID().Asu32() = id
		*in.Reserved() = reserved
		return c.DeletePort(&in)
	}
	disconnect := func(c *linux70.Client, conn uint64, id uint32, doorbell bool) error {
		var in linux70.DisconnectPortInput
		*in.ConnectionPartitionID() = conn
		*in.ConnectionID().Asu32() = id
		in.BitsC().SetIsDoorbell(doorbell)
		return c.DisconnectPort(&in)
	}
	mapStats := func(c *linux70.Client, typ linux70.StatsObjectType, id linux70.StatsObjectIdentity) (uint64, error) {
		var out linux70.MapStatsPageOutput
		err := c.MapStatsPage(&linux70.MapStatsPageInput{Type: uint32(typ), Identity: id}, &out)
		return out.MapLocation, err
	}
	unmapStats := func(c *linux70.Client, typ linux70.StatsObjectType, id linux70.StatsObjectIdentity) error {
		return c.UnmapStatsPage(&linux70.UnmapStatsPageInput{Type: uint32(typ), Identity: id})
	}
	runLCases(t, []lcase{
		{linux70.StatusSuccess, "create, connect, disconnect, delete a port", nil, func(t *testing.T, w *lworld) error {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
			must(t, w.bc.ConnectPort(lconnect(w.b.ID(), 10, w.a.ID(), 1)))
			must(t, disconnect(w.bc, w.b.ID(), 10, false))
			return deletePort(w.root, w.a.ID(), 1, 0)
		}},
		{linux70.StatusAccessDenied, "create a port in a sibling", nil, func(t *testing.T, w *lworld) error {
			return w.ac.CreatePort(lmsgPort(w.b.ID(), w.a.ID(), 1))
		}},
		{linux70.StatusInvalidPartitionID, "create a port in nothing", nil, func(t *testing.T, w *lworld) error {
			return w.root.CreatePort(lmsgPort(99, w.b.ID(), 1))
		}},
		{linux70.StatusInvalidPortID, "create a port twice", nil, func(t *testing.T, w *lworld) error {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
			return w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1))
		}},
		{linux70.StatusInvalidVPIndex, "create a port for a VP that is not there", nil, func(t *testing.T, w *lworld) error {
			in := lmsgPort(w.a.ID(), w.b.ID(), 1)
			in.PortInfo.MessagePortInfo.TargetVP = 9
			return w.root.CreatePort(in)
		}},
		{linux70.StatusInvalidParameter, "create a port in another VTL", nil, func(t *testing.T, w *lworld) error {
			in := lmsgPort(w.a.ID(), w.b.ID(), 1)
			in.PortVTL = 1
			return w.root.CreatePort(in)
		}},
		{linux70.StatusInvalidParameter, "create a doorbell port", nil, func(t *testing.T, w *lworld) error {
			in := lmsgPort(w.a.ID(), w.b.ID(), 1)
			in.PortInfo.PortType = uint32(linux70.PortTypeDoorbell)
			return w.root.CreatePort(in)
		}},
		{linux70.StatusInvalidPartitionState, "create a port in an inactive partition", func(t *testing.T, w *lworld) { w.a.SetActive(false) }, func(t *testing.T, w *lworld) error {
			return w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1))
		}},
		{linux70.StatusInsufficientMemory, "create a port with an empty pool", func(t *testing.T, w *lworld) {
			_, err := w.root.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: w.b.ID()}, make([]uint64, 32))
			must(t, err)
		}, func(t *testing.T, w *lworld) error {
			return w.bc.CreatePort(lmsgPort(w.b.ID(), w.a.ID(), 1)) // the port's pages come from its creator's pool
		}},
		{linux70.StatusNoResources, "port limit", nil, func(t *testing.T, w *lworld) error {
			w2 := newLWorld(t, sim.Config{Limit: 1})
			must(t, w2.root.CreatePort(lmsgPort(w2.a.ID(), w2.b.ID(), 1)))
			return w2.root.CreatePort(lmsgPort(w2.a.ID(), w2.b.ID(), 2))
		}},

		{linux70.StatusAccessDenied, "delete a sibling's port", nil, func(t *testing.T, w *lworld) error { return deletePort(w.ac, w.b.ID(), 1, 0) }},
		{linux70.StatusInvalidPartitionID, "delete a port of nothing", nil, func(t *testing.T, w *lworld) error { return deletePort(w.root, 99, 1, 0) }},
		{linux70.StatusInvalidPortID, "delete a port that is not there", nil, func(t *testing.T, w *lworld) error { return deletePort(w.root, w.a.ID(), 5, 0) }},
		{linux70.StatusInvalidParameter, "delete a port with the reserved field", nil, func(t *testing.T, w *lworld) error { return deletePort(w.root, w.a.ID(), 1, 1) }},
		{linux70.StatusInvalidPartitionState, "delete a port of an inactive partition", func(t *testing.T, w *lworld) {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
			w.a.SetActive(false)
		}, func(t *testing.T, w *lworld) error { return deletePort(w.root, w.a.ID(), 1, 0) }},

		{linux70.StatusAccessDenied, "connect from a sibling", nil, func(t *testing.T, w *lworld) error {
			return w.ac.ConnectPort(lconnect(w.b.ID(), 10, w.a.ID(), 1))
		}},
		{linux70.StatusInvalidPartitionID, "connect to a port of nothing", nil, func(t *testing.T, w *lworld) error {
			return w.bc.ConnectPort(lconnect(w.b.ID(), 10, 99, 1))
		}},
		{linux70.StatusInvalidConnectionID, "connect with a reserved connection id", func(t *testing.T, w *lworld) {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
		}, func(t *testing.T, w *lworld) error { return w.bc.ConnectPort(lconnect(w.b.ID(), 1<<24, w.a.ID(), 1)) }},
		{linux70.StatusInvalidPortID, "connect to a port that is not there", nil, func(t *testing.T, w *lworld) error {
			return w.bc.ConnectPort(lconnect(w.b.ID(), 10, w.a.ID(), 1))
		}},
		{linux70.StatusInvalidAlignment, "connect a monitor at an unaligned page", func(t *testing.T, w *lworld) {
			in := lmsgPort(w.a.ID(), w.b.ID(), 1)
			in.PortInfo.PortType = uint32(linux70.PortTypeMonitor)
			in.PortInfo.MessagePortInfo = linux70.PortInfoMessagePortInfo{}
			must(t, w.root.CreatePort(in))
		}, func(t *testing.T, w *lworld) error {
			in := lconnect(w.b.ID(), 10, w.a.ID(), 1)
			in.ConnectionInfo.PortType = uint32(linux70.PortTypeMonitor)
			in.ConnectionInfo.MonitorConnectionInfo().MonitorAddress = 0x1001
			return w.bc.ConnectPort(in)
		}},
		{linux70.StatusInvalidParameter, "connect with a doorbell's trigger value", func(t *testing.T, w *lworld) {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
		}, func(t *testing.T, w *lworld) error {
			in := lconnect(w.b.ID(), 10, w.a.ID(), 1)
			in.ConnectionInfo.DoorbellConnectionInfo().TriggerValue = 1
			return w.bc.ConnectPort(in)
		}},
		{linux70.StatusInvalidPartitionState, "connect to an inactive partition", func(t *testing.T, w *lworld) {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
			w.a.SetActive(false)
		}, func(t *testing.T, w *lworld) error { return w.bc.ConnectPort(lconnect(w.b.ID(), 10, w.a.ID(), 1)) }},
		{linux70.StatusInsufficientMemory, "connect with an empty pool", func(t *testing.T, w *lworld) {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
			_, err := w.root.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: w.b.ID()}, make([]uint64, 32))
			must(t, err)
		}, func(t *testing.T, w *lworld) error { return w.bc.ConnectPort(lconnect(w.b.ID(), 10, w.a.ID(), 1)) }},
		{linux70.StatusNoResources, "connection limit", nil, func(t *testing.T, w *lworld) error {
			w2 := newLWorld(t, sim.Config{Limit: 1})
			must(t, w2.root.CreatePort(lmsgPort(w2.a.ID(), w2.b.ID(), 1)))
			must(t, w2.root.CreatePort(lmsgPort(w2.bare.ID(), w2.b.ID(), 2))) // one port per partition under the limit
			must(t, w2.bc.ConnectPort(lconnect(w2.b.ID(), 10, w2.a.ID(), 1)))
			return w2.bc.ConnectPort(lconnect(w2.b.ID(), 11, w2.bare.ID(), 2))
		}},

		{linux70.StatusAccessDenied, "disconnect a sibling's", nil, func(t *testing.T, w *lworld) error { return disconnect(w.ac, w.b.ID(), 10, false) }},
		{linux70.StatusInvalidPartitionID, "disconnect nothing's", nil, func(t *testing.T, w *lworld) error { return disconnect(w.root, 99, 10, false) }},
		{linux70.StatusInvalidConnectionID, "disconnect a connection that is not there", nil, func(t *testing.T, w *lworld) error {
			return disconnect(w.bc, w.b.ID(), 10, false)
		}},
		{linux70.StatusInvalidParameter, "disconnect a doorbell", nil, func(t *testing.T, w *lworld) error { return disconnect(w.bc, w.b.ID(), 10, true) }},
		{linux70.StatusInvalidPartitionState, "disconnect from an inactive partition", func(t *testing.T, w *lworld) {
			must(t, w.root.CreatePort(lmsgPort(w.a.ID(), w.b.ID(), 1)))
			must(t, w.bc.ConnectPort(lconnect(w.b.ID(), 10, w.a.ID(), 1)))
			w.b.SetActive(false)
		}, func(t *testing.T, w *lworld) error { return disconnect(w.root, w.b.ID(), 10, false) }},

		{linux70.StatusSuccess, "map a VP's self and parent areas where the hypervisor places them", nil, func(t *testing.T, w *lworld) error {
			self, err := mapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 1, linux70.StatsAreaSelf))
			must(t, err)
			parent, err := mapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 1, linux70.StatsAreaParent))
			must(t, err)
			if self == parent || len(w.rootPart.Memory(self)) != 4096 || &w.rootPart.Memory(self)[0] != &w.rootPart.Memory(parent)[0] {
				t.Errorf("self at %#x, parent at %#x: not one page shown twice", self, parent)
			}
			must(t, unmapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 1, linux70.StatsAreaSelf)))
			if w.rootPart.Memory(self) != nil || w.rootPart.Memory(parent) == nil {
				t.Error("unmapping the self area unmapped the wrong page")
			}
			return nil
		}},
		{linux70.StatusSuccess, "map a partition's page where the caller says (MAP_STATS_PAGE2)", nil, func(t *testing.T, w *lworld) error {
			var id linux70.StatsObjectIdentity
			id.Partition().PartitionID = w.a.ID()
			err := w.root.MapStatsPage2(&linux70.MapStatsPage2Input{Type: uint32(linux70.StatsObjectPartition), Identity: id, MapLocation: 0x7000})
			if w.rootPart.Memory(0x7000) == nil {
				t.Error("nothing at 0x7000")
			}
			return err
		}},
		{linux70.StatusAccessDenied, "map without AccessStats", nil, func(t *testing.T, w *lworld) error {
			_, err := mapStats(w.nc, linux70.StatsObjectHypervisor, linux70.StatsObjectIdentity{})
			return err
		}},
		{linux70.StatusInvalidPartitionID, "map a page of nothing", nil, func(t *testing.T, w *lworld) error {
			_, err := mapStats(w.root, linux70.StatsObjectVP, lvpStats(99, 0, 0))
			return err
		}},
		{linux70.StatusInvalidVPIndex, "map a page of a VP that is not there", nil, func(t *testing.T, w *lworld) error {
			_, err := mapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 9, 0))
			return err
		}},
		{linux70.StatusOperationDenied, "map an area twice", nil, func(t *testing.T, w *lworld) error {
			_, err := mapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 0, linux70.StatsAreaParent))
			must(t, err)
			_, err = mapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 0, linux70.StatsAreaParent))
			return err
		}},
		{linux70.StatusInvalidParameter, "map an area hv_stats_area_type does not name", nil, func(t *testing.T, w *lworld) error {
			_, err := mapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 0, linux70.StatsAreaCount))
			return err
		}},
		{linux70.StatusInvalidParameter, "map with a VP identity's reserved byte", nil, func(t *testing.T, w *lworld) error {
			id := lvpStats(w.a.ID(), 0, 0)
			id.VP().Reserved = 1
			_, err := mapStats(w.root, linux70.StatsObjectVP, id)
			return err
		}},
		{linux70.StatusInvalidParameter, "map with a partition identity's reserved bytes", nil, func(t *testing.T, w *lworld) error {
			var id linux70.StatsObjectIdentity
			id.Partition().PartitionID = w.a.ID()
			id.Partition().Reserved[4] = 1 // where the 2013 layout has its flags
			_, err := mapStats(w.root, linux70.StatsObjectPartition, id)
			return err
		}},
		{linux70.StatusInsufficientMemory, "map with an empty pool", nil, func(t *testing.T, w *lworld) error {
			c := lclient(linux70sim.New(sim.Config{RootPoolPages: 1}).Root())
			_, err := mapStats(c, linux70.StatsObjectHypervisor, linux70.StatsObjectIdentity{})
			must(t, err)
			var lp linux70.StatsObjectIdentity
			lp.LP().LPIndex = 1
			_, err = mapStats(c, linux70.StatsObjectLogicalProcessor, lp)
			return err
		}},
		{linux70.StatusInvalidPartitionState, "map a page of an uninitialized partition", nil, func(t *testing.T, w *lworld) error {
			var id linux70.StatsObjectIdentity
			id.Partition().PartitionID = w.create(t)
			_, err := mapStats(w.root, linux70.StatsObjectPartition, id)
			return err
		}},
		{linux70.StatusOperationDenied, "unmap a page not mapped", nil, func(t *testing.T, w *lworld) error {
			return unmapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 0, 0))
		}},
		{linux70.StatusAccessDenied, "unmap without AccessStats", nil, func(t *testing.T, w *lworld) error {
			return unmapStats(w.nc, linux70.StatsObjectHypervisor, linux70.StatsObjectIdentity{})
		}},
		{linux70.StatusInvalidPartitionID, "unmap a page of nothing", nil, func(t *testing.T, w *lworld) error {
			return unmapStats(w.root, linux70.StatsObjectVP, lvpStats(99, 0, 0))
		}},
		{linux70.StatusInvalidVPIndex, "unmap a page of a VP that is not there", nil, func(t *testing.T, w *lworld) error {
			return unmapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 9, 0))
		}},
		{linux70.StatusInvalidParameter, "unmap an area hv_stats_area_type does not name", nil, func(t *testing.T, w *lworld) error {
			return unmapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 0, 7))
		}},
		{linux70.StatusInvalidPartitionState, "unmap a page of an inactive partition", func(t *testing.T, w *lworld) { w.a.SetActive(false) }, func(t *testing.T, w *lworld) error {
			return unmapStats(w.root, linux70.StatsObjectVP, lvpStats(w.a.ID(), 0, 0))
		}},
	})
}

// TestLinuxDriverLife is a VMM's partition through the calls the mshv driver
// issues, in its order (mshv_ioctl_create_partition,
// mshv_partition_ioctl_initialize, the memory region and VP ioctls,
// destroy_partition): every pool page comes back.
func TestLinuxDriverLife(t *testing.T) {
	h := linux70sim.New(sim.Config{})
	root := h.Root()
	c := linux70.NewClient(root.Backend())
	before, _ := root.PoolBalance()
	id, err := lcreate(c, linux70.CreatePartitionInput{Flags: driverFlags})
	must(t, err)
	_, err = c.DepositMemory(&linux70.DepositMemory{PartitionID: id}, root.GiveRAM(208)) // HV_INIT_PARTITION_DEPOSIT_PAGES
	must(t, err)
	must(t, c.InitializePartition(&linux70.InitializePartitionInput{PartitionID: id}))
	guest := root.GiveRAM(16)
	must(t, lmap(c, id, 0, linux70.MapGPAReadable|linux70.MapGPAWritable|linux70.MapGPAExecutable, guest...))
	for vp := range uint32(2) {
		must(t, c.CreateVP(&linux70.CreateVP{PartitionID: id, VPIndex: vp}))
	}
	must(t, lsetRegs(c, id, 0, uint64(x64RIP), 0x1000, uint64(linux70.RegisterInterceptSuspend), 0, uint64(linux70.RegisterExplicitSuspend), 0))
	must(t, c.AssertVirtualInterrupt(lassert(c, id, 0, linux70.X64InterruptTypeFixed, 0x20)))
	var prop linux70.GetPartitionPropertyOutput
	must(t, c.GetPartitionProperty(&linux70.GetPartitionPropertyInput{PartitionID: id, PropertyCode: uint32(linux70.PartitionPropertyPrivilegeFlags)}, &prop))
	// destroy_partition: finalize, withdraw everything (until NO_RESOURCES), delete.
	must(t, c.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: id}))
	back := make([]uint64, 512)
	n, err := c.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: id}, back)
	var he *hvcall.Error
	if n != 208 || !errors.As(err, &he) || !errors.Is(err, linux70.StatusNoResources) {
		t.Fatalf("withdrew %d: %v", n, err)
	}
	must(t, c.DeletePartition(&linux70.DeletePartitionInput{PartitionID: id}))
	if after, inUse := root.PoolBalance(); after != before || inUse != 0 || h.Partition(id) != nil {
		t.Errorf("root pool %d -> %d (in use %d); partition %v", before, after, inUse, h.Partition(id))
	}
}

// x64RIP is HV_X64_REGISTER_RIP, which the Linux headers' hv_register_name
// does not list (a VMM names it with the hypervisor's number, 0x00020010,
// as the documents give it: hv.X64RegisterRIP) and the hypervisor has.
const x64RIP = linux70.RegisterName(hv.X64RegisterRIP)

// TestLinuxConcurrentDrivers: goroutines, each a VMM with its own Client on
// the root, run whole partition lives at once in linux-7.0's layouts (under
// -race in CI), while another maps and reads statistics pages and the
// clock advances; the root's pool ends as it began.
func TestLinuxConcurrentDrivers(t *testing.T) {
	h := linux70sim.New(sim.Config{RootPoolPages: 512})
	root := h.Root()
	before, _ := root.PoolBalance()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := linux70.NewClient(root.Backend())
			for range 15 {
				id, err := lcreate(c, linux70.CreatePartitionInput{Flags: driverFlags})
				if err == nil {
					_, err = c.DepositMemory(&linux70.DepositMemory{PartitionID: id}, root.GiveRAM(4))
				}
				if err == nil {
					err = c.InitializePartition(&linux70.InitializePartitionInput{PartitionID: id})
				}
				if err == nil {
					err = c.CreateVP(&linux70.CreateVP{PartitionID: id, VPIndex: uint32(g)})
				}
				if err == nil {
					err = lmap(c, id, 0x10, uint32(linux70.MapGPAReadable), root.GiveRAM(2)...)
				}
				if err == nil {
					err = lsetRegs(c, id, uint32(g), uint64(x64RIP), 0x1000)
				}
				if err == nil {
					err = c.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: id})
				}
				if err == nil {
					_, err = c.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: id}, make([]uint64, 4))
				}
				if err == nil {
					err = c.DeletePartition(&linux70.DeletePartitionInput{PartitionID: id})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := linux70.NewClient(root.Backend())
		for i := range 50 {
			h.Advance(1000)
			var lp linux70.StatsObjectIdentity
			lp.LP().LPIndex = uint32(i % 4)
			var out linux70.MapStatsPageOutput
			if err := c.MapStatsPage(&linux70.MapStatsPageInput{Type: uint32(linux70.StatsObjectLogicalProcessor), Identity: lp}, &out); err != nil {
				errs <- err
				return
			}
			_ = root.Memory(out.MapLocation)
			if err := c.UnmapStatsPage(&linux70.UnmapStatsPageInput{Type: uint32(linux70.StatsObjectLogicalProcessor), Identity: lp}); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if after, inUse := root.PoolBalance(); after != before || inUse != 0 || len(h.Partitions()) != 1 {
		t.Errorf("root pool %d -> %d (in use %d), %d partitions left", before, after, inUse, len(h.Partitions()))
	}
}
