#!/bin/sh
# import-linux-intercepts.sh imports the x64 intercept message payloads an
# mshv VMM decodes from MSHV_RUN_VP (I/O port, MSR, CPUID, exception, halt,
# unrecoverable exception, ...) and the x64 local APIC state that
# MSHV_GET/SET_VP_STATE carry for MSHV_VP_STATE_LAPIC into
# spec/linux_intercepts.yaml. The kernel's include/hyperv headers
# (spec/import-linux.sh) define the message header, hv_message, the memory
# and APIC EOI payloads and hv_message_type, but not these; Microsoft's mshv
# user-space headers do. They are taken from
# the include/uapi/hyperv headers of the public tree lantianyu/linux at
# dfb0e4721532 (hvgdk_mini.h, hvgdk.h, hvhdk_mini.h, hvhdk.h, one commit, so
# the four agree): the whole set is read and laid out, and only the items
# named below are written (hvgen import -only), each cited as
# "lantianyu/linux <path>:<line> @ dfb0e4721532" so that no reader takes it
# for upstream. The types they use (hv_x64_intercept_message_header,
# hv_x64_segment_register, hv_u128) are upstream's, from spec/import-linux.sh;
# hvgen check verifies the offsets and sizes these items state against them.
# spec/linux_intercepts_import.txt lists those types and the import's totals.
#
# Usage: spec/import-linux-intercepts.sh TREE_DIR VERSION
#
#   TREE_DIR  a directory holding include/uapi/hyperv/{hvgdk_mini,hvgdk,hvhdk_mini,hvhdk}.h
#             as they are in lantianyu/linux at dfb0e4721532
#   VERSION   the registry version the items belong to (linux-7.0)
#
# The headers test __ARM64__ (not a compiler macro) for their arm64
# branches, so the import defines it in the arm64 run. CI never runs this;
# the YAML it writes is committed and no header text enters the repository.
set -eu
if [ $# -ne 2 ]; then
	sed -n '2,28p' "$0" >&2
	exit 2
fi
root=$1
version=$2
cd "$(dirname "$0")/.."
only=hv_x64_io_port_access_info,hv_x64_io_port_intercept_message,hv_x64_msr_intercept_message
only=$only,hv_x64_cpuid_intercept_message,hv_x64_exception_info,hv_x64_exception_intercept_message
only=$only,hv_x64_invalid_vp_register_message,hv_x64_unrecoverable_exception_message
only=$only,hv_x64_unsupported_feature_message,HV_UNSUPPORTED_FEATURE_INTERCEPT,HV_UNSUPPORTED_FEATURE_TASK_SWITCH_TSS
only=$only,hv_x64_halt_message,hv_x64_interruption_deliverable_message,HV_X64_PENDING_INTERRUPT,HV_X64_PENDING_NMI
only=$only,HV_X64_PENDING_EXCEPTION,hv_x64_sint_deliverable_message,hv_x64_sipi_intercept_message
only=$only,hv_x64_hypercall_intercept_message,HV_HYPERCALL_INTERCEPT_MAX_XMM_REGISTERS,hv_cache_type
only=$only,hv_local_interrupt_controller_state
go run ./cmd/hvgen import -prelude linux -version "$version" -root "$root" \
	-repo lantianyu/linux -commit dfb0e4721532 -D arm64:__ARM64__ -only "$only" \
	-area linux_intercepts -o spec/linux_intercepts.yaml \
	include/uapi/hyperv/hvgdk_mini.h include/uapi/hyperv/hvgdk.h \
	include/uapi/hyperv/hvhdk_mini.h include/uapi/hyperv/hvhdk.h 2>spec/linux_intercepts_import.txt || {
	cat spec/linux_intercepts_import.txt >&2
	exit 1
}
tail -n 1 spec/linux_intercepts_import.txt
