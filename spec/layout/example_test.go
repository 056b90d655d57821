package layout_test

import (
	"fmt"
	"log"

	"github.com/hvgen/hvgen/spec/layout"
)

// A tool reads the resolved ABI (what hvgen check accepts, laid out on both
// architectures) without going through the JSON export.
func Example() {
	abi, err := layout.LoadDir("..") // the registry in spec/
	if err != nil {
		log.Fatal(err)
	}
	v := abi.Version("linux-7.0")
	region := v.Type("x64", "mshv_user_mem_region")
	fmt.Println("mshv_user_mem_region:", region.Size, "bytes")
	for _, f := range region.Fields {
		fmt.Printf("  %#02x %s (%d)\n", f.Offset, f.Spec.Name, f.Size)
	}
	for _, arch := range []string{"x64", "arm64"} {
		req := v.Layout[arch].Ioctls["MSHV_SET_GUEST_MEMORY"]
		fmt.Printf("MSHV_SET_GUEST_MEMORY on %s: %#x, fds %v\n", arch, req.Request, req.Spec.Fds)
	}
	for _, h := range v.Registry.Hypercalls {
		if h.Name == "HVCALL_SET_PARTITION_PROPERTY" {
			fmt.Println(h.Name, "passes through from", h.Passthrough.Fds, "async:", h.Passthrough.Async)
		}
	}
	// Output:
	// mshv_user_mem_region: 32 bytes
	//   0x00 size (8)
	//   0x08 guest_pfn (8)
	//   0x10 userspace_addr (8)
	//   0x18 flags (1)
	//   0x19 rsvd (7)
	// MSHV_SET_GUEST_MEMORY on x64: 0x4020b802, fds [partition]
	// MSHV_SET_GUEST_MEMORY on arm64: 0x4020b802, fds [partition]
	// HVCALL_SET_PARTITION_PROPERTY passes through from [partition] async: true
}
