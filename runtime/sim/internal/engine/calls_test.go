package engine_test

import (
	"errors"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// world is a simulated machine for the status tables: the root, two active
// children a and b with every privilege, 32 pool pages and VPs 0 and 1, and
// a child with no privileges.
type world struct {
	h        *wdk2013sim.Hypervisor
	root     *hv.Client
	a, b     *wdk2013sim.Partition
	ac, bc   *hv.Client
	bare     *wdk2013sim.Partition
	barec    *hv.Client
	rootPart *wdk2013sim.Partition
}

const allPrivileges = ^hv.PartitionPrivilegeMask(0)

func newWorld(t *testing.T) *world {
	t.Helper()
	h := wdk2013sim.New(sim.Config{LogicalProcessors: 2, RootPoolPages: 64, Limit: 16})
	w := &world{h: h, rootPart: h.Root(), root: hv.NewClient(observe(h.Root().Backend()))}
	w.a = h.CreateChild(h.Root(), allPrivileges, 32, 2)
	w.b = h.CreateChild(h.Root(), allPrivileges, 32, 2)
	w.bare = h.CreateChild(h.Root(), 0, 8, 1)
	w.ac, w.bc, w.barec = hv.NewClient(observe(w.a.Backend())), hv.NewClient(observe(w.b.Backend())), hv.NewClient(observe(w.bare.Backend()))
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// callCase is one documented status condition of one call.
type callCase struct {
	want  hv.Status
	name  string
	setup func(*testing.T, *world)
	call  func(*testing.T, *world) error
}

func runCases(t *testing.T, cases []callCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.want.String()+"/"+c.name, func(t *testing.T) {
			w := newWorld(t)
			if c.setup != nil {
				c.setup(t, w)
			}
			err := c.call(t, w)
			if c.want == hv.StatusSuccess {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var st hv.Status
			if !errors.As(err, &st) || st != c.want {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

// create makes an uninitialized child of the root through the call.
func (w *world) create(t *testing.T) hv.PartitionID {
	t.Helper()
	var out hv.CreatePartitionOutput
	must(t, w.root.CreatePartition(&hv.CreatePartitionInput{}, &out))
	return out.NewPartitionID
}

// deposit gives n fresh pages of root RAM to a partition's pool.
func (w *world) deposit(t *testing.T, id hv.PartitionID, n int) {
	t.Helper()
	var pages []hv.GPAPageNumber
	for _, g := range w.rootPart.GiveRAM(n) {
		pages = append(pages, hv.GPAPageNumber(g))
	}
	_, err := w.root.DepositMemory(&hv.DepositMemoryInput{PartitionID: id}, pages)
	must(t, err)
}

// active makes an initialized child with pool pages left over.
func (w *world) active(t *testing.T) hv.PartitionID {
	t.Helper()
	id := w.create(t)
	w.deposit(t, id, 8)
	must(t, w.root.InitializePartition(&hv.InitializePartitionInput{PartitionID: id}))
	return id
}

func (w *world) finalized(t *testing.T) hv.PartitionID {
	t.Helper()
	id := w.active(t)
	must(t, w.root.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: id}))
	return id
}

func TestPartitionCalls(t *testing.T) {
	create := func(c *hv.Client, in hv.CreatePartitionInput) error {
		var out hv.CreatePartitionOutput
		return c.CreatePartition(&in, &out)
	}
	runCases(t, []callCase{
		{hv.StatusSuccess, "create", nil, func(t *testing.T, w *world) error { return create(w.root, hv.CreatePartitionInput{}) }},
		{hv.StatusAccessDenied, "create without CreatePartitions", nil, func(t *testing.T, w *world) error { return create(w.barec, hv.CreatePartitionInput{}) }},
		{hv.StatusInvalidParameter, "create flags", nil, func(t *testing.T, w *world) error { return create(w.root, hv.CreatePartitionInput{Flags: 1}) }},
		{hv.StatusInvalidParameter, "create proximity flags", nil, func(t *testing.T, w *world) error {
			return create(w.root, hv.CreatePartitionInput{ProximityDomainInfo: hv.ProximityDomainInfo{Flags: 2}})
		}},
		{hv.StatusPartitionTooDeep, "grandchild", nil, func(t *testing.T, w *world) error { return create(w.ac, hv.CreatePartitionInput{}) }},
		{hv.StatusInsufficientMemory, "create with an empty pool", nil, func(t *testing.T, w *world) error {
			h := wdk2013sim.New(sim.Config{RootPoolPages: 1})
			c := hv.NewClient(observe(h.Root().Backend()))
			must(t, create(c, hv.CreatePartitionInput{}))
			return create(c, hv.CreatePartitionInput{})
		}},
		{hv.StatusNoResources, "partition limit", nil, func(t *testing.T, w *world) error {
			h := wdk2013sim.New(sim.Config{Limit: 1})
			c := hv.NewClient(observe(h.Root().Backend()))
			must(t, create(c, hv.CreatePartitionInput{}))
			return create(c, hv.CreatePartitionInput{})
		}},

		{hv.StatusSuccess, "initialize", nil, func(t *testing.T, w *world) error { w.active(t); return nil }},
		{hv.StatusAccessDenied, "initialize a sibling", nil, func(t *testing.T, w *world) error {
			return w.ac.InitializePartition(&hv.InitializePartitionInput{PartitionID: w.create(t)})
		}},
		{hv.StatusInvalidPartitionID, "initialize nothing", nil, func(t *testing.T, w *world) error {
			return w.root.InitializePartition(&hv.InitializePartitionInput{PartitionID: 99})
		}},
		{hv.StatusInvalidPartitionState, "initialize twice", nil, func(t *testing.T, w *world) error {
			return w.root.InitializePartition(&hv.InitializePartitionInput{PartitionID: w.active(t)})
		}},
		{hv.StatusInsufficientMemory, "initialize with an empty pool", nil, func(t *testing.T, w *world) error {
			return w.root.InitializePartition(&hv.InitializePartitionInput{PartitionID: w.create(t)})
		}},
		{hv.StatusNoResources, "active limit", nil, func(t *testing.T, w *world) error {
			h := wdk2013sim.New(sim.Config{Limit: 2}) // the root is one of the two active partitions
			w2 := &world{h: h, root: hv.NewClient(observe(h.Root().Backend())), rootPart: h.Root()}
			w2.active(t)
			id := w2.create(t)
			w2.deposit(t, id, 2)
			return w2.root.InitializePartition(&hv.InitializePartitionInput{PartitionID: id})
		}},

		{hv.StatusSuccess, "finalize", nil, func(t *testing.T, w *world) error { w.finalized(t); return nil }},
		{hv.StatusAccessDenied, "finalize a sibling", nil, func(t *testing.T, w *world) error {
			return w.ac.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: w.b.ID()})
		}},
		{hv.StatusInvalidPartitionID, "finalize nothing", nil, func(t *testing.T, w *world) error {
			return w.root.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: 99})
		}},
		{hv.StatusOperationDenied, "finalize a parent", func(t *testing.T, w *world) { w.h.CreateChild(w.a, 0, 0, 0) }, func(t *testing.T, w *world) error {
			return w.root.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: w.a.ID()})
		}},
		{hv.StatusInvalidPartitionState, "finalize an uninitialized partition", nil, func(t *testing.T, w *world) error {
			return w.root.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: w.create(t)})
		}},

		{hv.StatusSuccess, "delete uninitialized", nil, func(t *testing.T, w *world) error {
			return w.root.DeletePartition(&hv.DeletePartitionInput{PartitionID: w.create(t)})
		}},
		{hv.StatusAccessDenied, "delete a sibling", nil, func(t *testing.T, w *world) error {
			return w.ac.DeletePartition(&hv.DeletePartitionInput{PartitionID: w.b.ID()})
		}},
		{hv.StatusInvalidPartitionID, "delete nothing", nil, func(t *testing.T, w *world) error {
			return w.root.DeletePartition(&hv.DeletePartitionInput{PartitionID: 99})
		}},
		{hv.StatusOperationDenied, "delete with pages in the pool", nil, func(t *testing.T, w *world) error {
			return w.root.DeletePartition(&hv.DeletePartitionInput{PartitionID: w.finalized(t)})
		}},
		{hv.StatusInvalidPartitionState, "delete an active partition", func(t *testing.T, w *world) { w.h.CreateChild(w.rootPart, 0, 0, 0) }, func(t *testing.T, w *world) error {
			return w.root.DeletePartition(&hv.DeletePartitionInput{PartitionID: w.bare.ID() + 1})
		}},
	})
}

func TestPartitionProperties(t *testing.T) {
	get := func(c *hv.Client, id hv.PartitionID, code hv.PartitionPropertyCode) error {
		var out hv.GetPartitionPropertyOutput
		return c.GetPartitionProperty(&hv.GetPartitionPropertyInput{PartitionID: id, PropertyCode: code}, &out)
	}
	set := func(c *hv.Client, id hv.PartitionID, code hv.PartitionPropertyCode, v uint64) error {
		return c.SetPartitionProperty(&hv.SetPartitionPropertyInput{PartitionID: id, PropertyCode: code, PropertyValue: hv.PartitionProperty(v)})
	}
	runCases(t, []callCase{
		{hv.StatusSuccess, "get the defaults", nil, func(t *testing.T, w *world) error {
			for code, want := range map[hv.PartitionPropertyCode]hv.PartitionProperty{hv.PartitionPropertyCPUCap: 0x10000, hv.PartitionPropertyCPUWeight: 0x64, hv.PartitionPropertyCPUReserve: 0} {
				var out hv.GetPartitionPropertyOutput
				must(t, w.root.GetPartitionProperty(&hv.GetPartitionPropertyInput{PartitionID: w.a.ID(), PropertyCode: code}, &out))
				if out.PropertyValue != want {
					t.Errorf("%v is %#x, want %#x", code, out.PropertyValue, want)
				}
			}
			return nil
		}},
		{hv.StatusSuccess, "get", nil, func(t *testing.T, w *world) error {
			must(t, set(w.root, w.a.ID(), hv.PartitionPropertyCPUWeight, 300))
			var out hv.GetPartitionPropertyOutput
			must(t, w.root.GetPartitionProperty(&hv.GetPartitionPropertyInput{PartitionID: w.a.ID(), PropertyCode: hv.PartitionPropertyCPUWeight}, &out))
			if out.PropertyValue != 300 {
				t.Errorf("weight reads back %d", out.PropertyValue)
			}
			return nil
		}},
		{hv.StatusAccessDenied, "get a sibling's", nil, func(t *testing.T, w *world) error { return get(w.ac, w.b.ID(), hv.PartitionPropertyCPUCap) }},
		{hv.StatusInvalidPartitionID, "get of nothing", nil, func(t *testing.T, w *world) error { return get(w.root, 99, hv.PartitionPropertyCPUCap) }},
		{hv.StatusUnknownProperty, "get unknown", nil, func(t *testing.T, w *world) error { return get(w.root, w.a.ID(), 0x7777) }},
		{hv.StatusInvalidPartitionState, "get of inactive", nil, func(t *testing.T, w *world) error {
			return get(w.root, w.create(t), hv.PartitionPropertyCPUCap)
		}},

		{hv.StatusSuccess, "set the root's own", nil, func(t *testing.T, w *world) error {
			return set(w.root, w.rootPart.ID(), hv.PartitionPropertyCPUCap, 0x8000)
		}},
		{hv.StatusAccessDenied, "set a sibling's", nil, func(t *testing.T, w *world) error { return set(w.ac, w.b.ID(), hv.PartitionPropertyCPUCap, 1) }},
		{hv.StatusInvalidPartitionID, "set of nothing", nil, func(t *testing.T, w *world) error { return set(w.root, 99, hv.PartitionPropertyCPUCap, 1) }},
		{hv.StatusUnknownProperty, "set unknown", nil, func(t *testing.T, w *world) error { return set(w.root, w.a.ID(), 0x7777, 1) }},
		{hv.StatusPropertyValueOutOfRange, "reserve above 100%", nil, func(t *testing.T, w *world) error {
			must(t, set(w.root, w.a.ID(), hv.PartitionPropertyCPUReserve, 0x10000*6/10)) // 2 VPs: 120% of 200%
			return set(w.root, w.b.ID(), hv.PartitionPropertyCPUReserve, 0x10000/2)      // +100%
		}},
		{hv.StatusPropertyValueOutOfRange, "static privilege", nil, func(t *testing.T, w *world) error {
			return set(w.root, w.bare.ID(), hv.PartitionPropertyPrivilegeFlags, 1<<36)
		}},
		{hv.StatusObjectInUse, "debug channel taken", nil, func(t *testing.T, w *world) error {
			must(t, set(w.root, w.a.ID(), hv.PartitionPropertyDebugChannelID, 7))
			return set(w.root, w.b.ID(), hv.PartitionPropertyDebugChannelID, 7)
		}},
		{hv.StatusInvalidParameter, "bad vendor", nil, func(t *testing.T, w *world) error {
			return set(w.root, w.a.ID(), hv.PartitionPropertyProcessorVendor, 99)
		}},
		{hv.StatusInvalidPartitionState, "set of inactive", nil, func(t *testing.T, w *world) error {
			return set(w.root, w.create(t), hv.PartitionPropertyCPUCap, 1)
		}},
		{hv.StatusInsufficientMemory, "virtual TLB larger than the pool", nil, func(t *testing.T, w *world) error {
			return set(w.root, w.a.ID(), hv.PartitionPropertyVirtualTLBPageCount, 33)
		}},

		{hv.StatusSuccess, "own ID", nil, func(t *testing.T, w *world) error {
			var out hv.GetPartitionIDOutput
			must(t, w.ac.GetPartitionID(&out))
			if out.PartitionID != w.a.ID() {
				t.Errorf("ID %d, want %d", out.PartitionID, w.a.ID())
			}
			return nil
		}},
		{hv.StatusAccessDenied, "own ID without AccessPartitionId", nil, func(t *testing.T, w *world) error {
			var out hv.GetPartitionIDOutput
			return w.barec.GetPartitionID(&out)
		}},
	})
}

func TestGetNextChildPartition(t *testing.T) {
	next := func(c *hv.Client, parent, prev hv.PartitionID) (hv.PartitionID, error) {
		var out hv.GetNextChildPartitionOutput
		err := c.GetNextChildPartition(&hv.GetNextChildPartitionInput{ParentID: parent, PreviousChildID: prev}, &out)
		return out.NextChildID, err
	}
	runCases(t, []callCase{
		{hv.StatusSuccess, "walk", nil, func(t *testing.T, w *world) error {
			var got []hv.PartitionID
			for id := hv.PartitionIDInvalid; ; {
				n, err := next(w.root, w.rootPart.ID(), id)
				must(t, err)
				if n == hv.PartitionIDInvalid {
					break
				}
				got, id = append(got, n), n
			}
			if len(got) != 3 || got[0] != w.a.ID() || got[1] != w.b.ID() || got[2] != w.bare.ID() {
				t.Errorf("children %v", got)
			}
			return nil
		}},
		{hv.StatusAccessDenied, "another's children", nil, func(t *testing.T, w *world) error {
			_, err := next(w.ac, w.rootPart.ID(), 0)
			return err
		}},
		{hv.StatusInvalidPartitionID, "no such parent", nil, func(t *testing.T, w *world) error {
			_, err := next(w.root, 99, 0)
			return err
		}},
		{hv.StatusInvalidPartitionID, "previous not a child", nil, func(t *testing.T, w *world) error {
			_, err := next(w.root, w.rootPart.ID(), w.rootPart.ID())
			return err
		}},
	})
}
