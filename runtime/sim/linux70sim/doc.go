// Package linux70sim is the simulated hypervisor (runtime/sim) answering with
// the ABI of the Linux kernel's include/hyperv headers, the registry's
// linux-7.0 version: generated/linux70's call codes, hypercall input and
// output values (spec/linux_hvcall.yaml), statuses and parameter blocks. The
// headers declare no types for partition ids, VP indexes, GPA page numbers
// or privilege masks: those are plain integers here, as in the headers.
// Register names and partition property codes are the hypervisor's, which
// the headers' enums list only in part (hv_register_name has no RIP): a
// name any version of the registry gives is accepted.
//
// It models what the mshv driver (drivers/hv/mshv_root_main.c,
// mshv_root_hv_call.c) issues for a VMM, as far as the registry gives the
// calls' parameter blocks: create a partition (with the creation flags and
// isolation properties of hv_input_create_partition; Partition.CreationFlags
// and IsolationProperties show what it was created with), initialize,
// finalize and delete it, get and set its properties, deposit and withdraw
// memory (a call that finds a pool short fails with
// HV_STATUS_INSUFFICIENT_MEMORY, so that a driver deposits and retries, as
// mshv_root_hv_call.c does), map and unmap GPA pages (HV_MAP_GPA_* flags and
// 2 MB pages), create and delete VPs, get and set VP registers (the
// suspend registers a run loop uses included), assert virtual interrupts;
// and ports and statistics pages (the hypervisor places a page it maps with
// HVCALL_MAP_STATS_PAGE; each hv_stats_area_type is mapped on its own).
// Calls lists them, and for every other linux-7.0 call why not: where the
// registry has no parameter block for a call (HVCALL_INSTALL_INTERCEPT,
// HVCALL_GET_VP_STATE, HVCALL_SET_VP_STATE, HVCALL_GET_GPA_PAGES_ACCESS_STATES
// are such), it says so.
//
// # Extending it
//
// The sim has no CPU. runtime/mshvsim builds the mshv driver's ioctls and a
// scripted guest raising intercept messages on this package (VP.Registers
// and VP.SetRegisters read and write a step's registers under one lock); a
// DISPATCH_VP-style run loop would build on it too. The points to build on:
//
//   - VP is one handle per VP while the VP lives; a new file of this package
//     can add methods to it (VP.Run, say) and keep per-VP state with
//     v.e.Attach(key, make), which lives as long as the VP.
//   - VP.Register and VP.SetRegister read and write registers with the
//     checks and effects of the register calls (SynIC pages, end of
//     message); VP.Intercept says whether an installed intercept covers an
//     access and counts it. Intercepts cannot be installed through
//     linux-7.0's calls until the registry gives HVCALL_INSTALL_INTERCEPT's
//     block: the engine's handler (engine/interrupt.go) then serves it with
//     one line in engine/linux70.go.
//   - Partition.Memory shows the overlay pages (SynIC message page, where an
//     intercept message would be delivered), and the GPA map the calls
//     build decides what a guest access reaches.
//   - The engine (runtime/sim/internal/engine) is where behaviour shared by
//     every version goes; linux-7.0's parameter layouts are adapted in
//     engine/linux70.go, one adapt step per call.
package linux70sim
