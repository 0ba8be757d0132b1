#!/bin/bash
# Compile and objtool-check, in the unpatched and the patched tree, the x86
# assembly that uses struct pt_regs but that the QEMU test kernel leaves out
# (Xen PV, KVM VMX/SVM entry, SEV #VC handlers, IBT, EFI mixed mode, PVH,
# kexec, hibernation), then compare their disassembly.
#
# Usage: check-coverage.sh [--jobs N]
#
# The configuration is tinyconfig + config/ptregs.config +
# config/coverage.config. Only the objects listed below are built (with
# their directories' objtool runs), not a whole kernel. Fails on a build
# error, on warnings only the patched tree has, or on an object whose code
# differs although the series so far promises no code change (set
# PTREGS_COVERAGE_ALLOW_DIFF=1 once the series changes the layout).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kpdir=$(dirname "$here")
cache=${PTREGS_CACHE:-/var/cache/ptregs}
jobs=${PTREGS_JOBS:-2}
[ "${1:-}" = "--jobs" ] && jobs=$2

msg() { echo "check-coverage: $*" >&2; }
die() { echo "check-coverage: error: $*" >&2; exit 1; }

eval "$("$here/prepare-tree.sh" --print-env)"

export CCACHE_DIR=$cache/ccache CCACHE_NOHASHDIR=1	# see build.sh
export KBUILD_BUILD_USER=ptregs KBUILD_BUILD_HOST=ptregs
export KBUILD_BUILD_TIMESTAMP="1970-01-01" KBUILD_BUILD_VERSION=1

objects="
arch/x86/entry/entry_64.o
arch/x86/entry/entry_64_compat.o
arch/x86/entry/thunk_64.o
arch/x86/kernel/head_64.o
arch/x86/kernel/ftrace_64.o
arch/x86/kernel/relocate_kernel_64.o
arch/x86/kernel/sev.o
arch/x86/lib/retpoline.o
arch/x86/xen/xen-asm.o
arch/x86/kvm/vmx/vmenter.o
arch/x86/kvm/svm/vmenter.o
arch/x86/platform/pvh/head.o
arch/x86/platform/efi/efi_thunk_64.o
arch/x86/power/hibernate_asm_64.o
arch/x86/boot/compressed/idt_handlers_64.o
arch/x86/boot/compressed/head_64.o
arch/x86/boot/compressed/mem_encrypt.o
"

kmake() { # $1 = tree, $2 = O, rest = make arguments
	local src=$1 out=$2
	shift 2
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

build_cov() { # $1 = name, $2 = tree
	local name=$1 src=$2 out log
	out=$cache/build/linux-$PTREGS_VERSION-coverage-$name
	log=$cache/build/logs/linux-$PTREGS_VERSION-coverage-$name.log
	mkdir -p "$out" "$cache/build/logs"
	kmake "$src" "$out" -s tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$kpdir/config/ptregs.config" "$kpdir/config/coverage.config" >/dev/null 2>&1
	kmake "$src" "$out" -s olddefconfig >/dev/null
	local line missing=
	while read -r line; do
		grep -qx "$line" "$out/.config" || missing="$missing $line"
	done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$kpdir/config/coverage.config")
	[ -z "$missing" ] || die "coverage options not set (unmet dependencies?):$missing"
	msg "[$name] building $(printf '%s\n' "$objects" | grep -c .) objects in $out (log: $log)"
	# Build them one by one: a missing rule for one object must not hide
	# the others.
	{
		kmake "$src" "$out" -j"$jobs" prepare
		for o in $objects; do
			# -j1: a single-object target can be reached through two
			# directories (lib-y), and parallel descents race on it
			kmake "$src" "$out" -j1 "$o" || echo "check-coverage: FAILED $o"
		done
	} >"$log" 2>&1
	if grep -q '^check-coverage: FAILED' "$log"; then
		grep -E 'error|FAILED' "$log" | head -n 30 >&2
		die "[$name] build failed; log: $log"
	fi
	grep -E -i 'warning:|objtool:' "$log" |
		sed -e "s|$src/||g" -e "s|$out/||g" -e 's|:[0-9]\+:[0-9]\+:|:|g' -e 's|+0x[0-9a-f]\+|+0x?|g' |
		LC_ALL=C sort -u >"$out/ptregs-warnings.txt" || true
}

build_cov base "$PTREGS_BASE_TREE"
build_cov ptregs "$PTREGS_PATCHED_TREE"

B=$cache/build/linux-$PTREGS_VERSION-coverage-base
P=$cache/build/linux-$PTREGS_VERSION-coverage-ptregs
rc=0
new=$(LC_ALL=C comm -13 "$B/ptregs-warnings.txt" "$P/ptregs-warnings.txt")
if [ -n "$new" ]; then
	echo "check-coverage: new warnings in the patched tree:" >&2
	printf '  %s\n' "$new" >&2
	rc=1
fi
for o in $objects; do
	if ! cmp -s <(objdump -dr "$B/$o" | tail -n +3) <(objdump -dr "$P/$o" | tail -n +3); then
		echo "check-coverage: code differs: $o" >&2
		[ "${PTREGS_COVERAGE_ALLOW_DIFF:-0}" = 1 ] || rc=1
	else
		echo "check-coverage: identical code: $o" >&2
	fi
done
[ "$rc" -eq 0 ] && msg "OK: all objects build, no new warnings"
exit "$rc"
