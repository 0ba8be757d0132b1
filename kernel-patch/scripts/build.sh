#!/bin/bash
# Build the unpatched and the patched kernel from the same configuration and
# fail when the patched build has compiler or objtool warnings the unpatched
# one does not have.
#
# Usage: build.sh [--base|--patched|--both] [--full] [--jobs N] [--target T]
#   --base      build only the unpatched tree
#   --patched   build only the patched tree (the warning check still needs
#               a previous build of the unpatched tree)
#   --both      both trees (default)
#   --full      rebuild every object ("make clean" first; ccache keeps this
#               cheap) so the warning sets are complete
#   --each      also build every shorter prefix of the series (patch 1,
#               patches 1-2, ...) in build/linux-<ver>-step, so each patch
#               is known to build, without new warnings, on its own (with
#               the libbpf, perf and BPF selftest programs a patch changes)
#   --each-boot like --each, and boot every prefix in QEMU (amd model,
#               tests/qemu/run.sh: the entry tests, and the BTF layout,
#               perf_event BPF and kprobe BPF tests whose expectations
#               follow the layout: the legacy one before
#               "Add pkrs as the first member of struct pt_regs" and pkrs
#               from it on)
#   --jobs N    parallel jobs (default: $PTREGS_JOBS or 2)
#   --target T  make target (default: bzImage; modules are not needed)
#   --debian-config
#               compile-check instead: Debian's own configuration
#               (/usr/src/linux-config-6.1, amd64_none_amd64; Xen PV, KVM,
#               SEV, IBT, PTI and the rest the test config leaves out),
#               target arch/x86/ (built-in and modular objects, each
#               checked by objtool), in build/linux-<ver>-debian-{base,
#               ptregs}; the same comparison of warnings. Debug info and
#               module signing keys are switched off (neither changes
#               which code is compiled).
#
# Layout under $PTREGS_CACHE (default /var/cache/ptregs):
#   build/config/<hash>.config   .config generated from tinyconfig + fragment
#   build/linux-<ver>-base/      O= build directory of the unpatched tree
#   build/linux-<ver>-ptregs/    O= build directory of the patched tree
#   build/linux-<ver>-step/      O= build directory for --each
#   build/logs/<tree>.log        log of the last build of each tree
#   build/linux-<ver>-ptregs/tools-libbpf/  libbpf of the patched tree
#                                (libbpf.a, headers under root/usr/include)
#   build/linux-<ver>-ptregs/tools-perf/perf  perf of the patched tree
#   build/<O>/ptregs-warnings.txt  normalized warnings of each tree
#   ccache/                      CCACHE_DIR
#
# Builds are incremental: only what changed since the previous build of a
# tree is recompiled. The warning set of a tree is kept across incremental
# builds: warnings of sources recompiled in a run are replaced by that run's
# warnings, the rest carry over. Use --full for an authoritative set.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kpdir=$(dirname "$here")
fragment=$kpdir/config/ptregs.config
patched_fragment=$kpdir/config/ptregs-patched.config
cache=${PTREGS_CACHE:-/var/cache/ptregs}
jobs=${PTREGS_JOBS:-2}
which=both
full=0
each=0
each_boot=0
target=bzImage
debian=0
debian_config=${PTREGS_DEBIAN_CONFIG:-/usr/src/linux-config-6.1/config.amd64_none_amd64.xz}

while [ $# -gt 0 ]; do
	case $1 in
	--base) which=base ;;
	--patched) which=patched ;;
	--both) which=both ;;
	--full) full=1 ;;
	--each) each=1 ;;
	--each-boot) each=1 each_boot=1 ;;
	--jobs) jobs=$2; shift ;;
	--target) target=$2; shift ;;
	--debian-config) debian=1 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "build: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done

msg() { echo "build: $*" >&2; }
die() { echo "build: error: $*" >&2; exit 1; }

for t in gcc ccache make flex bison bc pahole; do
	command -v $t >/dev/null || die "$t not found (run scripts/install-deps.sh)"
done
[ -f "$fragment" ] || die "config fragment not found: $fragment"

if [ "$which" = base ]; then
	env=$("$here/prepare-tree.sh" --base-only --print-env)
else
	env=$("$here/prepare-tree.sh" --print-env)
fi
eval "$env"

export CCACHE_DIR=$cache/ccache
# No CCACHE_BASEDIR: ccache would turn the absolute source paths into
# relative ones, which defeats -fmacro-prefix-map and puts
# "../../src/linux-<version>[-ptregs]/" into every __FILE__ string.
# NOHASHDIR lets builds of one tree in different O= directories share.
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
# Reproducible build identity: identical sources give identical objects.
export KBUILD_BUILD_USER=ptregs KBUILD_BUILD_HOST=ptregs
export KBUILD_BUILD_TIMESTAMP="1970-01-01"
export KBUILD_BUILD_VERSION=1
mkdir -p "$CCACHE_DIR" "$cache/build/logs" "$cache/build/config"

# One build at a time per cache (the machine is shared; builds use -j$jobs).
exec 8>"$cache/build/.lock"
flock -n 8 || die "another build.sh is running on $cache"

kmake() { # $1 = source tree, $2 = build dir, rest = make arguments
	local src=$1 out=$2 localversion=
	shift 2
	# uname -r tells the kernels apart: 6.1.y and 6.1.y-ptregs
	[ "$src" = "$PTREGS_BASE_TREE" ] || localversion=-ptregs
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		LOCALVERSION="$localversion" "$@"
}

# Options of fragment $1 that .config $2 does not have as given.
fragment_missing() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | while read -r line; do
		case $line in
		*=n) grep -qx "# ${line%=n} is not set" "$2" || echo "$line" ;;
		*) grep -qx "$line" "$2" || echo "$line" ;;
		esac
	done
}

# ---- configuration: generated once per (source, fragment) -------------------
flavor=
if [ "$debian" -eq 1 ]; then
	[ -f "$debian_config" ] ||
		die "$debian_config not found (apt-get install linux-config-6.1)"
	flavor=-debian
	[ "$target" = bzImage ] && target=arch/x86/
	cfg_key=$( { echo "$PTREGS_VERSION"; cat "$PTREGS_BASE_TREE/.ptregs-base"; xzcat "$debian_config"; } |
		sha256sum | cut -c1-16)
	cfg=$cache/build/config/debian-$cfg_key.config
	if [ ! -f "$cfg" ]; then
		tmp=$cache/build/config/tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		msg "generating config: $(basename "$debian_config")"
		xzcat "$debian_config" >"$tmp/.config"
		"$PTREGS_BASE_TREE/scripts/config" --file "$tmp/.config" \
			--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
			--disable MODULE_SIG_ALL --disable DEBUG_INFO_BTF \
			--disable DEBUG_INFO_DWARF5 --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
			--enable DEBUG_INFO_NONE
		kmake "$PTREGS_BASE_TREE" "$tmp" -s olddefconfig >/dev/null
		mv "$tmp/.config" "$cfg"
		rm -rf "$tmp"
	fi
fi
cfg_key=$( { echo "$PTREGS_VERSION"; cat "$PTREGS_BASE_TREE/.ptregs-base"; cat "$fragment"; } |
	sha256sum | cut -c1-16)
[ "$debian" -eq 1 ] || cfg=$cache/build/config/$cfg_key.config
if [ ! -f "$cfg" ]; then
	tmp=$cache/build/config/tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	msg "generating config: tinyconfig + $(basename "$fragment")"
	kmake "$PTREGS_BASE_TREE" "$tmp" -s tinyconfig >/dev/null
	"$PTREGS_BASE_TREE/scripts/kconfig/merge_config.sh" -m -O "$tmp" "$tmp/.config" "$fragment" >/dev/null
	kmake "$PTREGS_BASE_TREE" "$tmp" -s olddefconfig >/dev/null
	missing=$(fragment_missing "$fragment" "$tmp/.config")
	if [ -n "$missing" ]; then
		echo "build: error: these fragment options did not survive olddefconfig (unmet dependencies?):" >&2
		printf '  %s\n' $missing >&2	# one option per line
		rm -rf "$tmp"
		exit 1
	fi
	mv "$tmp/.config" "$cfg"
	rm -rf "$tmp"
fi
msg "config: $cfg"

# ---- warnings -----------------------------------------------------------
# Print the normalized compiler, assembler, linker and objtool warnings of a
# log: source/build directories and line/column numbers and code offsets are
# removed so the two trees can be compared.
warnings_of() { # $1 = log, $2 = source tree, $3 = build dir
	grep -E -i 'warning:|objtool:' "$1" |
	sed -e "s|$2/||g" -e "s|$3/||g" \
	    -e 's|^\(\.\./\)*||' \
	    -e 's|:[0-9]\+:[0-9]\+:|:|g' -e 's|:[0-9]\+:|:|g' \
	    -e 's|+0x[0-9a-f]\+|+0x?|g' -e 's|0x[0-9a-f]\{6,\}|0x?|g' |
	LC_ALL=C sort -u || true
}

# Sources (relative to the tree) recompiled in a log made with V=0.
recompiled_of() { # $1 = log
	sed -n 's/^  \(CC\|AS\|CC \[M\]\|AS \[M\]\) *\(.*\)\.o$/\2/p' "$1" | LC_ALL=C sort -u
}

build_tree() { # $1 = name, $2 = source tree
	local name=$1 src=$2
	local out=$cache/build/linux-$PTREGS_VERSION$flavor-$name
	local log=$cache/build/logs/linux-$PTREGS_VERSION$flavor-$name.log
	local store=$out/ptregs-warnings.txt
	local fresh=0 start end rc

	mkdir -p "$out"
	if [ ! -f "$out/vmlinux" ] && [ "$debian" -eq 0 ] || [ ! -f "$store" ]; then
		fresh=1
	fi
	# The patched tree adds options: they take their defaults, except
	# those its own fragment sets (checked like the common ones).
	local want=$cfg
	if [ "$src" != "$PTREGS_BASE_TREE" ] && [ "$debian" -eq 0 ]; then
		want=$out/.config.want
		cat "$cfg" "$patched_fragment" >"$want"
	fi
	if ! cmp -s "$want" "$out/.config.ptregs"; then
		cp "$want" "$out/.config"
		kmake "$src" "$out" -s olddefconfig >/dev/null
		if [ "$want" != "$cfg" ]; then
			missing=$(fragment_missing "$patched_fragment" "$out/.config")
			# A prefix of the series (--each) lacks the options later
			# patches add: only those its Kconfig defines must be set.
			if [ "$name" = step ] && [ -n "$missing" ]; then
				local m kept=''
				for m in $missing; do
					m=${m%%=*}
					git -C "$src" grep -q -E "^(menu)?config ${m#CONFIG_}\$" -- '*Kconfig*' &&
						kept="$kept $m"
				done
				missing=${kept# }
			fi
			[ -z "$missing" ] ||
				die "[$name] options of $(basename "$patched_fragment") not set after olddefconfig:" $missing
		fi
		cp "$want" "$out/.config.ptregs"
	fi
	if [ "$full" -eq 1 ]; then
		msg "[$name] make clean"
		kmake "$src" "$out" -s clean >/dev/null
		fresh=1
	fi

	msg "[$name] building $target in $out (log: $log)"
	start=$(date +%s)
	rc=0
	kmake "$src" "$out" -j"$jobs" "$target" >"$log" 2>&1 || rc=$?
	end=$(date +%s)
	if [ "$rc" -ne 0 ]; then
		grep -E -B2 -A8 'error:|Error [0-9]' "$log" | head -n 60 >&2 || tail -n 40 "$log" >&2
		die "[$name] build failed after $((end - start))s; full log: $log"
	fi
	msg "[$name] built in $((end - start))s"

	warnings_of "$log" "$src" "$out" >"$out/ptregs-warnings.run"
	if [ "$fresh" -eq 1 ]; then
		cp "$out/ptregs-warnings.run" "$store"
	else
		# carry over warnings of sources this run did not recompile
		recompiled_of "$log" >"$out/ptregs-recompiled.run"
		{
			grep -v -F -f <(sed 's|$|.|' "$out/ptregs-recompiled.run") "$store" || true
			cat "$out/ptregs-warnings.run"
		} | LC_ALL=C sort -u >"$store.new"
		mv "$store.new" "$store"
	fi
	echo "$((end - start))" >"$out/ptregs-build-seconds"
}

# libbpf of a tree, as a distribution builds it from the same source
# (static library and headers): build/<O>/tools-libbpf/{libbpf.a,root/}.
build_libbpf() { # $1 = source tree, $2 = O build directory
	local out=$2/tools-libbpf log=$cache/build/logs/$(basename "$2")-libbpf.log
	mkdir -p "$out"
	msg "building $1/tools/lib/bpf in $out (log: $log)"
	if ! { make -C "$1/tools/lib/bpf" OUTPUT="$out/" -j"$jobs" "$out/libbpf.a" &&
		make -C "$1/tools/lib/bpf" OUTPUT="$out/" DESTDIR="$out/root" prefix=/usr \
			install_headers; } >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "building libbpf of $1 failed; full log: $log"
	fi
	! grep -E 'warning:' "$log" >&2 || die "libbpf of $1 has warnings; full log: $log"
}

# perf of a tree with the features its BPF prologue needs (libbpf of the
# same tree, libelf, libdw) and little else: build/<O>/tools-perf/perf.
perf_flags="NO_LIBPYTHON=1 NO_LIBPERL=1 NO_GTK2=1 NO_SLANG=1 NO_LIBUNWIND=1
	NO_LIBNUMA=1 NO_LIBCRYPTO=1 NO_LIBAUDIT=1 NO_JVMTI=1 NO_LIBBABELTRACE=1
	NO_DEMANGLE=1 NO_LIBCAP=1 NO_SDT=1 NO_LIBPFM4=1 NO_BPF_SKEL=1
	NO_LIBZSTD=1 NO_LZMA=1 NO_AIO=1"
build_perf() { # $1 = source tree, $2 = O build directory
	local out=$2/tools-perf log=$cache/build/logs/$(basename "$2")-perf.log start
	mkdir -p "$out"
	msg "building $1/tools/perf in $out (log: $log)"
	start=$(date +%s)
	# shellcheck disable=SC2086  # one word per option
	if ! make -C "$1/tools/perf" O="$out" $perf_flags -j"$jobs" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "building perf of $1 failed; full log: $log"
	fi
	"$out/perf" version --build-options | grep -q 'bpf: \[ on' ||
		die "perf of $1 was built without libbpf (its BPF prologue is what is tested); full log: $log"
	msg "perf built in $(($(date +%s) - start))s"
}

base_O=$cache/build/linux-$PTREGS_VERSION$flavor-base
patched_O=$cache/build/linux-$PTREGS_VERSION$flavor-ptregs
step_O=$cache/build/linux-$PTREGS_VERSION-step

new_warnings() { # $1 = build dir; prints warnings the base build does not have
	[ -f "$base_O/ptregs-warnings.txt" ] ||
		die "no warning set for the unpatched tree; run: $0 --base"
	LC_ALL=C comm -13 "$base_O/ptregs-warnings.txt" "$1/ptregs-warnings.txt"
}

# boot_step I TREE: boot the step build of patches 1-I in QEMU
boot_step() {
	local expect=legacy log=$cache/build/logs/step-$1-boot.log
	git -C "$2" grep -q -E '^[[:space:]]*unsigned long pkrs;' -- \
		arch/x86/include/asm/ptrace.h && expect=pkrs
	msg "[step] booting patches 1-$1 (expect $expect)"
	"$kpdir/../tests/qemu/run.sh" --kernel "$step_O/arch/x86/boot/bzImage" \
		--expect "$expect" --log "$log" --host-share \
		--tests boot,layout,ptrace,compat,syscall,syscall32,exceptions,signal,fork,stacks,perfbpf,uprobe,kprobebpf \
		>/dev/null ||
		die "patches 1-$1 do not pass the QEMU boot tests (log: $log)"
}

# The user space a patch changes, built at that prefix as well: libbpf
# (warnings are errors), perf (-Werror, its default) and the BPF selftest
# programs it changes (clang -Wall -Werror against the prefix's vmlinux.h
# and libbpf headers).
tools_step() { # $1 = commit, $2 = tree
	local files f
	files=$(git -C "$2" diff-tree --no-commit-id --name-only -r "$1")
	if printf '%s\n' "$files" | grep -q -e '^tools/lib/bpf/' -e '^tools/perf/' \
		-e '^tools/testing/selftests/bpf/progs/'; then
		build_libbpf "$2" "$step_O"
	fi
	if printf '%s\n' "$files" | grep -q '^tools/perf/'; then
		build_perf "$2" "$step_O"
	fi
	for f in $(printf '%s\n' "$files" | grep '^tools/testing/selftests/bpf/progs/.*\.c$'); do
		mkdir -p "$step_O/tools-bpf-progs"
		[ -s "$step_O/tools-bpf-progs/vmlinux.h" ] && [ "$step_O/tools-bpf-progs/vmlinux.h" -nt "$step_O/vmlinux" ] ||
			bpftool btf dump file "$step_O/vmlinux" format c >"$step_O/tools-bpf-progs/vmlinux.h" ||
			die "bpftool btf dump of $step_O/vmlinux failed"
		msg "[step] clang $f"
		clang -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror \
			-I"$step_O/tools-bpf-progs" -I"$step_O/tools-libbpf/root/usr/include" \
			-I"$2/tools/testing/selftests/bpf" -c "$2/$f" \
			-o "$step_O/tools-bpf-progs/$(basename "$f" .c).o" ||
			die "$f does not build at this prefix"
	done
}

# Build base..ptregs~1, base..ptregs~2, ... in the patched worktree at a
# detached HEAD, then put the worktree back on the "ptregs" branch.
build_each() {
	local tree=$PTREGS_PATCHED_TREE commits n i=0 c new
	commits=$(git -C "$tree" rev-list --reverse base..ptregs)
	n=$(printf '%s\n' "$commits" | grep -c .)
	trap 'git -C "$tree" checkout -q -f ptregs' EXIT
	for c in $commits; do
		i=$((i + 1))
		[ "$i" -lt "$n" ] || break
		git -C "$tree" checkout -q -f --detach "$c"
		msg "[step] patch $i/$n: $(git -C "$tree" log -1 --format=%s "$c")"
		build_tree step "$tree"
		new=$(new_warnings "$step_O")
		if [ -n "$new" ]; then
			echo "build: error: with patches 1-$i the build has new warnings:" >&2
			printf '%s\n' "$new" | sed 's/^/  /' >&2
			exit 1
		fi
		tools_step "$c" "$tree"
		[ "$each_boot" -eq 0 ] || boot_step "$i" "$tree"
	done
	git -C "$tree" checkout -q -f ptregs
	trap - EXIT
}

case $which in
base|both) build_tree base "$PTREGS_BASE_TREE" ;;
esac
case $which in
patched|both)
	[ "$each" -eq 0 ] || build_each
	build_tree ptregs "$PTREGS_PATCHED_TREE"
	if [ "$debian" -eq 0 ]; then
		build_libbpf "$PTREGS_PATCHED_TREE" "$patched_O"
		build_perf "$PTREGS_PATCHED_TREE" "$patched_O"
	fi
	;;
esac

for o in "$base_O" "$patched_O"; do
	[ -f "$o/ptregs-warnings.txt" ] || continue
	echo "$(basename "$o"):"
	if [ -f "$o/vmlinux" ]; then
		echo "  bzImage: $o/arch/x86/boot/bzImage"
		echo "  vmlinux: $o/vmlinux"
	fi
	echo "  warnings: $(wc -l <"$o/ptregs-warnings.txt") ($o/ptregs-warnings.txt)"
done

if [ "$which" != base ]; then
	new=$(new_warnings "$patched_O")
	if [ -n "$new" ]; then
		echo "build: error: the patched build has new warnings:" >&2
		printf '%s\n' "$new" | sed 's/^/  /' >&2
		exit 1
	fi
	msg "no new warnings in the patched build"
fi
