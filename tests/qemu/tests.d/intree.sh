# The user space the kernel tree itself builds, as a distribution builds it
# from the same source (kernel-patch/scripts/build.sh: tools-libbpf,
# tools-perf): libbpf's USDT support and perf's BPF prologue take register
# offsets from the running kernel's BTF; and the kernel's check of the
# context a kprobe program declares.
#
# sh_need, sh_field and sh_case are those of tests.d/shim.sh.
#
# shellcheck shell=dash disable=SC2154,SC3043  # HOST: set by /init; local: busybox sh

# usdtbpf (tests.d/shim.sh: t_usdtshim) twice, with nothing in between:
#   /bin/usdtbpf       Debian's libbpf.a: reg_off = UAPI offsetof, wrong
#                      on the pkrs kernel, exact on the legacy one;
#   /bin/usdtbpf-tree  the patched tree's libbpf.a: exact on both.
t_usdttree() {
	local prog out want got half label rc=0 detail=''
	sh_need || return $?
	if [ ! -x /bin/usdtbpf-tree ]; then
		echo "detail: /bin/usdtbpf-tree missing (no libbpf of the patched tree: make kernel)"
		return 77
	fi
	for prog in usdtbpf usdtbpf-tree; do
		cp /bin/$prog "$HOST"/tmp/$prog || { echo "detail: copying $prog failed"; return 1; }
		out=/tmp/$prog.intree.out
		chroot "$HOST" /tmp/$prog >$out 2>&1
		echo "== $prog (status $?)"
		cat $out
		want=$(grep '^usdt ' $out) got=$(grep '^bpf ' $out)
		if [ -z "$want" ] || [ -z "$got" ] || [ "$(sh_field "$got" hits)" != 1 ]; then
			detail="$detail $prog: did not run to the probe;"
			rc=1; continue
		fi
		half=with label="tree libbpf"
		[ $prog = usdtbpf ] && half=without label="Debian libbpf"
		sh_case $half 2 "$label" "$prog" "$want" "$got" arg0 arg1 || rc=1
		detail="$detail $prog ($label) $SH_SUM:$SH_VALS;"
	done
	echo "detail: passed $(echo "$want" | cut -d' ' -f2-);${detail%;}"
	return $rc
}

# perf's BPF prologue (guest/perfprologue.bpf.c: raw register arguments of
# ksys_mmap_pgoff for /tmp/shimprobe's mmap()), through `perf record -e
# OBJECT`, in the chroot:
#   Debian's perf (/usr/bin/perf): UAPI offsets, wrong on the pkrs kernel,
#                                  exact on the legacy one;
#   the patched tree's perf (build.sh: tools-perf, its path in
#   /lib/ptregs/tree-perf): offsets from the kernel's BTF, exact on both.
t_perfprologue() {
	local perf tree label half out want got line rc=0 detail=''
	sh_need || return $?
	tree=$(cat /lib/ptregs/tree-perf 2>/dev/null)
	if [ -z "$tree" ] || [ ! -x "$HOST$tree" ]; then
		echo "detail: no perf of the patched tree (make kernel builds it: tools-perf)"; return 1
	fi
	if [ ! -x "$HOST/usr/bin/perf" ]; then echo "detail: no Debian perf on the host (linux-perf)"; return 1; fi
	cp /bin/shimprobe "$HOST"/tmp/shimprobe && cp /lib/ptregs/perfprologue.bpf.o "$HOST"/tmp/ ||
		{ echo "detail: copying to the chroot failed"; return 1; }
	for perf in /usr/bin/perf "$tree"; do
		label=tree; [ "$perf" = /usr/bin/perf ] && label=debian
		out=/tmp/perfprologue-$label.out
		echo > /sys/kernel/tracing/trace
		host_chroot "$perf" record -e /tmp/perfprologue.bpf.o -o /tmp/perfprologue.data \
			-- /tmp/shimprobe >$out 2>&1
		echo "== $label perf ($perf) record: status $?"
		cat $out
		grep ptregs-prologue /sys/kernel/tracing/trace >/tmp/perfprologue-$label.trace
		cat /tmp/perfprologue-$label.trace
		want=$(grep '^mmap ' $out)
		# one line of NAME=VALUE pairs from the eight trace lines
		got=$(sed 's/.*ptregs-prologue //' /tmp/perfprologue-$label.trace | tr '\n' ' ')
		if [ -z "$want" ] || [ "$(echo "$got" | tr ' ' '\n' | grep -c '^arg')" != 6 ]; then
			detail="$detail $label perf: no reading;"
			rc=1; continue
		fi
		for line in $(echo "$got" | tr ' ' '\n' | grep '^err='); do
			[ "$line" = err=0 ] || { detail="$detail $label perf: prologue $line;"; rc=1; }
		done
		half=with; [ $label = debian ] && half=without
		sh_case $half 6 "$label perf" "$label" "$want" "$got" arg0 arg1 arg2 arg3 arg4 arg5 ||
			rc=1
		detail="$detail $label perf $SH_SUM:$SH_VALS;"
	done
	echo "detail: passed $(echo "$want" | cut -d' ' -f2-7);${detail%;}"
	return $rc
}

# The kernel's check of a kprobe program's declared context (the pkrs
# kernel only: kernel.bpf_refuse_foreign_pt_regs): bpftool loads
#   foreignregs.bpf.o           context: the UAPI struct pt_regs (168
#                               bytes), read at its fixed offsets
#   foreignregs-core.bpf.o      context: kernel member names (CO-RE)
#   foreignregs.portable.bpf.o  the first after ptregs fix --portable: its
#                               read relocated, its context retyped
# with the sysctl 0 (warn: loads, one kernel log line naming fr_uapi) and
# 1 (refused, with the reason in the verifier log); the other two load
# without a word both ways. The legacy kernel has no such sysctl and
# loads all three.
t_foreignregs() {
	local sysctl=/proc/sys/kernel/bpf_refuse_foreign_pt_regs mode obj pin st rc=0 detail='' out
	sh_need || return $?
	cp /lib/ptregs/foreignregs.bpf.o /lib/ptregs/foreignregs-core.bpf.o \
		/lib/ptregs/foreignregs.portable.bpf.o "$HOST"/tmp/ ||
		{ echo "detail: copying to the chroot failed"; return 1; }
	grep -q " $HOST/sys/fs/bpf " /proc/mounts || mount -t bpf bpf "$HOST"/sys/fs/bpf ||
		{ echo "detail: mounting bpffs failed"; return 1; }
	if [ "$EXPECT" != pkrs ]; then
		[ -e $sysctl ] && { echo "detail: $sysctl exists on the unpatched kernel"; return 1; }
		for obj in foreignregs foreignregs-core foreignregs.portable; do
			pin=$(echo $obj | tr . _)	# bpffs: no '.' in names
			rm -f "$HOST"/sys/fs/bpf/"$pin"
			host_chroot bpftool prog load /tmp/$obj.bpf.o /sys/fs/bpf/"$pin" >/tmp/$obj.out 2>&1
			st=$?; rm -f "$HOST"/sys/fs/bpf/"$pin"
			cat /tmp/$obj.out
			[ $st = 0 ] || { rc=1; detail="$detail $obj refused (status $st);"; continue; }
			detail="$detail $obj loaded;"
		done
		dmesg | grep -q 'struct pt_regs layout' && { rc=1; detail="$detail a kernel warning on the unpatched kernel;"; }
		echo "detail: no sysctl;${detail%;}"
		return $rc
	fi
	[ -e $sysctl ] || { echo "detail: $sysctl missing"; return 1; }
	for mode in 0 1; do
		echo $mode > $sysctl
		for obj in foreignregs foreignregs-core foreignregs.portable; do
			pin=$(echo $obj | tr . _)
			dmesg -c >/dev/null
			rm -f "$HOST"/sys/fs/bpf/"$pin"
			host_chroot bpftool -d prog load /tmp/$obj.bpf.o /sys/fs/bpf/"$pin" >/tmp/$obj.out 2>&1
			st=$?; rm -f "$HOST"/sys/fs/bpf/"$pin"
			out=$(dmesg | grep 'struct pt_regs layout')
			echo "== sysctl $mode, $obj: status $st"
			grep -E 'pt_regs|refused' /tmp/$obj.out
			echo "kernel log: ${out:-nothing}"
			case $obj.$mode in
			foreignregs.0) echo "$out" | grep -q "program fr_uapi (fr_uapi) was compiled for another struct pt_regs layout (168 bytes, 'rbp'), not the kernel's (176 bytes); it likely reads the wrong registers$" &&
				[ $st = 0 ] && ! grep -q refused /tmp/$obj.out || rc=1 ;;
			foreignregs.1) echo "$out" | grep -q "program fr_uapi (fr_uapi) .*registers, refused$" &&
				[ $st != 0 ] && grep -q 'refused: kernel.bpf_refuse_foreign_pt_regs is set' /tmp/$obj.out || rc=1 ;;
			*) [ -z "$out" ] && [ $st = 0 ] || rc=1 ;;
			esac
			detail="$detail sysctl $mode $obj: $([ $st = 0 ] && echo loaded || echo refused)$([ -n "$out" ] && echo ', warned');"
		done
	done
	echo 0 > $sysctl
	echo "detail:${detail%;}"
	return $rc
}
