#!/bin/sh
# import-linux-registers.sh imports the x64 register names an mshv VMM sets
# and reads through HVCALL_SET_VP_REGISTERS / HVCALL_GET_VP_REGISTERS (the
# general-purpose registers, RIP and RFLAGS, the segment, table and control
# registers, the virtualized MSRs, the FP and XMM registers and the pending
# interruption and interrupt state) into spec/linux_registers.yaml. The
# kernel's hv_register_name (include/hyperv/hvgdk_mini.h, imported by
# spec/import-linux.sh) lists only the registers Linux itself uses, none of
# these; the mshv user-space headers of the public tree lantianyu/linux at
# dfb0e4721532 (include/uapi/hyperv/hvgdk_mini.h, the tree
# spec/import-linux-intercepts.sh takes the intercept messages from) list
# them in their hv_register_name. Each is selected as
# hv_register_name.NAME (hvgen import -only): it is written as a constant of
# the registry's hv_register_name, for x64 only (the header lists them under
# its x86_64 branch), cited "lantianyu/linux <path>:<line> @ dfb0e4721532".
# spec/linux_registers_import.txt records the import's totals.
#
# Usage: spec/import-linux-registers.sh TREE_DIR VERSION
#
#   TREE_DIR  a directory holding include/uapi/hyperv/{hvgdk_mini,hvgdk,hvhdk_mini,hvhdk}.h
#             as they are in lantianyu/linux at dfb0e4721532
#   VERSION   the registry version the items belong to (linux-7.0)
#
# CI never runs this; the YAML it writes is committed and no header text
# enters the repository.
set -eu
if [ $# -ne 2 ]; then
	sed -n '2,24p' "$0" >&2
	exit 2
fi
root=$1
version=$2
cd "$(dirname "$0")/.."
only=
for r in RAX RCX RDX RBX RSP RBP RSI RDI R8 R9 R10 R11 R12 R13 R14 R15 RIP RFLAGS \
	XMM0 XMM1 XMM2 XMM3 XMM4 XMM5 XMM6 XMM7 XMM8 XMM9 XMM10 XMM11 XMM12 XMM13 XMM14 XMM15 \
	FP_MMX0 FP_MMX1 FP_MMX2 FP_MMX3 FP_MMX4 FP_MMX5 FP_MMX6 FP_MMX7 FP_CONTROL_STATUS XMM_CONTROL_STATUS \
	CR0 CR2 CR3 CR4 CR8 XFEM ES CS SS DS FS GS LDTR TR IDTR GDTR \
	TSC EFER KERNEL_GS_BASE APIC_BASE PAT SYSENTER_CS SYSENTER_EIP SYSENTER_ESP STAR LSTAR CSTAR SFMASK \
	INITIAL_APIC_ID TSC_AUX DELIVERABILITY_NOTIFICATIONS PENDING_DEBUG_EXCEPTION; do
	only=$only${only:+,}hv_register_name.HV_X64_REGISTER_$r
done
only=$only,hv_register_name.HV_REGISTER_PENDING_INTERRUPTION,hv_register_name.HV_REGISTER_INTERRUPT_STATE
go run ./cmd/hvgen import -prelude linux -version "$version" -root "$root" \
	-repo lantianyu/linux -commit dfb0e4721532 -D arm64:__ARM64__ -only "$only" \
	-area linux_registers -o spec/linux_registers.yaml \
	include/uapi/hyperv/hvgdk_mini.h include/uapi/hyperv/hvgdk.h \
	include/uapi/hyperv/hvhdk_mini.h include/uapi/hyperv/hvhdk.h 2>spec/linux_registers_import.txt || {
	cat spec/linux_registers_import.txt >&2
	exit 1
}
tail -n 1 spec/linux_registers_import.txt
