# Tests of the ptregs QEMU initramfs, sourced by /init (for the list) and by
# "sh -c" under timeout(1) for each run. The environment comes from /init:
# EXPECT RELEASE HOSTDIR HOST and the CPUID facts (vendor pks pku ospke).
#
# shellcheck disable=SC2154  # vendor, pks, pku, ospke: set by /init from cpuid
# Each test prints what it did; its last line starting with "detail: " is
# the detail of the verdict. Exit status 0 PASS, 77 SKIP, anything else FAIL.

t_boot() {
	local rel fail=0
	rel=$(uname -r)
	echo "uname -a: $(uname -a)"
	if [ -n "$RELEASE" ] && [ "$rel" != "$RELEASE" ]; then
		echo "uname -r is $rel, expected $RELEASE"; fail=1
	fi
	[ "$(uname -m)" = x86_64 ] || { echo "uname -m is $(uname -m)"; fail=1; }
	# fork, exec, a pipe, a timer, a 64-bit and a 32-bit static program
	[ "$(echo pipe-ok | cat)" = pipe-ok ] || { echo "pipe failed"; fail=1; }
	sleep 0.1 || fail=1
	/bin/ptrace-child32 >/dev/null 2>&1; rc=$?
	[ $rc = 10 ] || { echo "32-bit program exited $rc, expected 10"; fail=1; }
	grep -q ptregs.tests= /proc/cmdline || { echo "cmdline lost"; fail=1; }
	echo "detail: $rel $(uname -m), fork/exec/pipe/timer ok, 32-bit exec ok"
	return $fail
}

t_ptrace() { /bin/ptrace-regs 64; }

t_compat() { /bin/ptrace-regs 32 /bin/ptrace-child32; }

# ELF core dumps: NT_PRSTATUS of a 64-bit and an IA32 process killed by
# ud2 holds the exact registers. The "traps:" console line of an unhandled
# SIGILL is switched off meanwhile (run.sh fails runs that print one).
t_core() {
	local trace rc=0
	mkdir -p /tmp/cores
	trace=$(cat /proc/sys/debug/exception-trace 2>/dev/null)
	echo 0 >/proc/sys/debug/exception-trace 2>/dev/null
	echo '/tmp/cores/core.%p' >/proc/sys/kernel/core_pattern
	/bin/coreregs /tmp/cores /bin/ptrace-child32 || rc=1
	[ -n "$trace" ] && echo "$trace" >/proc/sys/debug/exception-trace
	return $rc
}

# Registers across timer interrupts and signal delivery, and the signal
# frames' saved registers: native, IA32 compat and x32 (when built).
t_signal() {
	local rc=0 d='' abi
	for abi in 64 32 x32; do
		local bin=/bin/sigregs${abi#64}
		if [ ! -x $bin ]; then echo "SKIP: $abi: $bin not built"; d="$d $abi: not built;"; continue; fi
		$bin >/tmp/sig$abi.out 2>&1 || rc=1
		grep -v '^detail: ' /tmp/sig$abi.out
		d="$d $abi: $(sed -n 's/^detail: //p' /tmp/sig$abi.out);"
	done
	echo "detail:$d"
	return $rc
}

# NMIs from user mode (run.sh --nmi injects one every 50 ms): the registers
# of a 2-second loop survive them, in 64-bit and 32-bit code. NMIs that
# arrive while the CPU is in the kernel exercise the kernel-mode NMI path.
nmi_count() { awk '/^ *NMI:/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }' /proc/interrupts; }
t_nmi() {
	local rc=0 d='' abi before after
	if [ "$NMI" != 1 ]; then echo "detail: no NMIs injected (run.sh --nmi)"; return 77; fi
	for abi in 64 32; do
		before=$(nmi_count)
		/bin/sigregs${abi#64} --no-signals 2 >/tmp/nmi$abi.out 2>&1 || rc=1
		after=$(nmi_count)
		grep -v '^detail: ' /tmp/nmi$abi.out
		echo "$abi: NMIs $before -> $after"
		[ "$after" -gt "$before" ] || { echo "$abi: no NMI arrived"; rc=1; }
		d="$d $abi: $(sed -n 's/^detail: \([a-z]*\).*/\1/p' /tmp/nmi$abi.out) over $((after - before)) NMIs;"
	done
	echo "detail:$d"
	return $rc
}

t_perfbpf() { /bin/perfbpf /lib/ptregs/perfbpf.bpf.o "$EXPECT"; }

# BPF uprobe context (struct pt_regs) with known user registers: CO-RE
# must be exact everywhere; UAPI offsets exact on legacy, one register off
# on pkrs (see guest/uprobe.c).
t_uprobe() { /bin/uprobe /lib/ptregs/uprobe.bpf.o "$EXPECT"; }

# A writable /tmp for the chroot. When the project itself lives under the
# host's /tmp (a CI checkout, say), it stays visible: bound aside first,
# then bound back into the tmpfs at its own path.
host_tmpfs() {
	case "$HOSTDIR/" in
	/tmp/*)
		mkdir -p /run/hostdir &&
			mount -o bind "$HOST$HOSTDIR" /run/hostdir &&
			mount -t tmpfs tmpfs $HOST/tmp &&
			mkdir -p "$HOST$HOSTDIR" &&
			mount -o bind /run/hostdir "$HOST$HOSTDIR"
		;;
	*) mount -t tmpfs tmpfs $HOST/tmp ;;
	esac
}

# Run a command of the host inside the host share, against this kernel.
host_chroot() {
	for d in proc sys dev tmp sys/kernel/debug sys/kernel/tracing; do
		grep -q " $HOST/$d " /proc/mounts && continue
		case $d in
		proc) mount -t proc proc $HOST/proc ;;
		sys) mount -t sysfs sysfs $HOST/sys ;;
		dev) mount -t devtmpfs devtmpfs $HOST/dev ;;
		tmp) host_tmpfs ;;
		sys/kernel/debug) mount -t debugfs debugfs $HOST/$d ;;
		sys/kernel/tracing) mount -t tracefs tracefs $HOST/$d ;;
		esac || return 1
	done
	# The chroot must see this kernel, not the host's.
	[ "$(cat $HOST/proc/sys/kernel/osrelease)" = "$(uname -r)" ] || {
		echo "$HOST/proc is not the guest's"; return 1; }
	chroot $HOST "$@"
}

t_layout() {
	local bin=$HOSTDIR/build/ptregs json size pkrs r15
	if [ -z "$HOST" ]; then echo "detail: no host share (run.sh --host-share)"; return 77; fi
	if [ ! -x "$HOST$bin" ]; then echo "detail: $bin missing on the host (make -C $HOSTDIR)"; return 77; fi
	json=$(host_chroot "$bin" -j layout /sys/kernel/btf/vmlinux) || {
		echo "$json"; echo "detail: ptregs layout failed"; return 1; }
	echo "$json"
	# the first "size" is the struct's own
	size=$(echo "$json" | sed -n 's/^[^}]*"kind":"struct","size":\([0-9]*\).*/\1/p')
	pkrs=$(echo "$json" | sed -n 's/.*{"name":"pkrs","offset":\([0-9]*\).*/\1/p')
	r15=$(echo "$json" | sed -n 's/.*{"name":"r15","offset":\([0-9]*\).*/\1/p')
	local got="size=$size pkrs=${pkrs:-none} r15=$r15"
	case "${EXPECT:-any}" in
	legacy) [ "$size" = 168 ] && [ -z "$pkrs" ] && [ "$r15" = 0 ] ;;
	pkrs) [ "$size" = 176 ] && [ "$pkrs" = 0 ] && [ "$r15" = 8 ] ;;
	*) { [ "$size" = 168 ] && [ -z "$pkrs" ]; } || { [ "$size" = 176 ] && [ "$pkrs" = 0 ]; } ;;
	esac
	rc=$?
	echo "detail: pt_regs $got (expect ${EXPECT:-legacy or pkrs})"
	return $rc
}

# PKS: what the CPU enumerates (CPUID from user mode), what the kernel
# enumerates (/proc/cpuinfo "pks"), and the IA32_PKRS value kernel code runs
# with (MSR 0x6E1 read through /dev/cpu/N/msr, in kernel context): with PKS
# enabled every kernel context starts with the default value
# (ptregs.pkrs_default, 0x55555554 unless given).
# pks_msr_verdict DETAIL RDMSR_STATUS NCPUS FILE: on a model without PKS,
# rdmsr's output FILE must hold IA32_PKRS = 0 for each of the NCPUS CPUs
# (TCG keeps the MSR readable there); prints the detail, returns 0 or 1
pks_msr_verdict() {
	local nread msrs
	nread=$(grep -c '^cpu[0-9]* 0' "$4")
	msrs=$(sed -n 's/^cpu[0-9]* \(0.*\)/\1/p' "$4" | sort -u | tr '\n' ' ' | sed 's/ $//')
	if [ "$2" != 0 ] || [ "$nread" != "$3" ]; then
		echo "detail: $1: CPU model has no PKS; MSR 0x6E1 read on $nread of $3 CPUs (rdmsr status $2): not checked"
		return 1
	fi
	case "$msrs" in
	0) echo "detail: $1: CPU model has no PKS; MSR 0x6E1 reads 0 on every CPU (never written)"; return 0 ;;
	*) echo "detail: $1: CPU model has no PKS but MSR 0x6E1 holds $msrs: the kernel wrote it"; return 1 ;;
	esac
}

t_pks() {
	local flag=0 pkuflag=0 msrs='' want=${PKRS_DEFAULT:-0x55555554}
	grep -m1 '^flags' /proc/cpuinfo | grep -qw pks && flag=1
	grep -m1 '^flags' /proc/cpuinfo | grep -qw pku && pkuflag=1
	dmesg | grep -v -i 'command line' | grep -i -E 'pks|pkrs|protection keys' | head -5
	if [ "$pks" = 1 ]; then
		/bin/rdmsr 0x6e1 >/tmp/pkrs.out 2>&1
		cat /tmp/pkrs.out
		msrs=$(sed -n 's/^cpu[0-9]* //p' /tmp/pkrs.out | sort -u | tr '\n' ' ' | sed 's/ $//')
	fi
	local d="cpuid.pks=$pks cpuinfo.pks=$flag cpuid.pku=$pku cpuinfo.pku=$pkuflag ospke=$ospke"
	[ "$pks" = 1 ] && d="$d pkrs=${msrs:-n/a}"
	if [ "$pku" = 1 ] && [ "$ospke" != 1 ]; then
		echo "detail: $d: CPU has PKU but CR4.PKE is clear"; return 1
	fi
	if [ "$pks" = 0 ]; then
		[ "$flag" = 1 ] && { echo "detail: $d: kernel claims PKS the CPU lacks"; return 1; }
		# Without PKS the kernel must not touch IA32_PKRS. TCG keeps
		# the MSR readable and writable on any model, so a write the
		# kernel made shows: every CPU must read 0 (or fault).
		# A CPU whose MSR could not be read proves nothing: every
		# online CPU must give a value.
		/bin/rdmsr 0x6e1 >/tmp/pkrs.out 2>&1
		local r=$?
		cat /tmp/pkrs.out
		pks_msr_verdict "$d" $r "$(grep -c ^processor /proc/cpuinfo)" /tmp/pkrs.out
		return

	fi
	if [ "$flag" = 0 ]; then
		if [ "$EXPECT" = pkrs ]; then
			echo "detail: $d: CPU has PKS, the patched kernel does not enumerate it"; return 1
		fi
		echo "detail: $d: kernel has no PKS support"; return 77
	fi
	case "$msrs" in
	"") echo "detail: $d: PKS enumerated; PKRS not readable (CONFIG_X86_MSR?)"; return 1 ;;
	"$(printf '%#x' $want)") echo "detail: $d: PKS enumerated, kernel context PKRS is the default"; return 0 ;;
	*) echo "detail: $d: kernel context PKRS differs from the default $want"; return 1 ;;
	esac
}

# The host's bpftrace against this kernel: a kprobe on vfs_write reads
# arg1 and arg2 through bpftrace's fixed pt_regs offset table (rsi at 104,
# rdx at 96) while dd writes a known count; a tracefs kprobe event on the
# same call fetches rsi, rdx and rcx by name (the kernel's own layout, right
# on both). On the legacy layout arg1 is rsi and arg2 rdx = 1234; on the
# pkrs one every register sits 8 bytes further, so offset 104 holds rdx
# (1234) and 96 rcx (vfs_write's fourth argument, the position pointer
# ksys_write passes): both asserted, value by value.
BT_EVENT=ptregs_bt/w

# bt_judge EXPECT BPFTRACE_LINE EVENT_LINE: bpftrace's "VFS_WRITE arg1=N
# arg2=N" against the tracefs event's "si=N dx=N cx=N" of the same write;
# prints the detail, returns 0 or 1
bt_judge() {
	local bt=$2 ev=$3 a1 a2 si dx cx w1 w2 what
	a1=$(echo "$bt" | tr ' ' '\n' | sed -n 's/^arg1=//p')
	a2=$(echo "$bt" | tr ' ' '\n' | sed -n 's/^arg2=//p')
	si=$(echo "$ev" | tr ' ' '\n' | sed -n 's/^si=//p')
	dx=$(echo "$ev" | tr ' ' '\n' | sed -n 's/^dx=//p')
	cx=$(echo "$ev" | tr ' ' '\n' | sed -n 's/^cx=//p')
	if [ -z "$a1" ] || [ -z "$a2" ]; then echo "detail: bpftrace printed nothing"; return 1; fi
	if [ -z "$dx" ] || [ -z "$cx" ] || [ -z "$si" ]; then
		echo "detail: no tracefs event of dd's write (bpftrace arg1 $a1 arg2 $a2)"; return 1
	fi
	if [ "$dx" != 1234 ]; then echo "detail: the tracefs event saw rdx = $dx, not dd's 1234"; return 1; fi
	if [ "$1" = pkrs ]; then
		w1=$dx w2=$cx what="arg1 = rdx = $dx, arg2 = rcx = $cx: one register off on the pkrs layout, as expected"
	else
		w1=$si w2=$dx what="arg1 = rsi = $si, arg2 = rdx = $dx (dd bs=1234)"
	fi
	if [ "$a1" = "$w1" ] && [ "$a2" = "$w2" ]; then echo "detail: bpftrace $what"; return 0; fi
	echo "detail: bpftrace arg1 $a1 arg2 $a2, expected $w1 and $w2 on $1 (tracefs: rsi $si rdx $dx rcx $cx)"
	return 1
}

t_bpftrace() {
	local bt=/usr/bin/bpftrace out tr=/sys/kernel/tracing ev
	if [ -z "$HOST" ]; then echo "detail: no host share (run.sh --host-share)"; return 77; fi
	if [ ! -x "$HOST$bt" ]; then echo "detail: no bpftrace on the host"; return 77; fi
	host_chroot true || { echo "detail: chroot into the host share failed"; return 1; }
	echo "-:$BT_EVENT" >>$tr/kprobe_events 2>/dev/null
	echo "p:$BT_EVENT vfs_write si=%si:u64 dx=%dx:u64 cx=%cx:u64" >>$tr/kprobe_events ||
		{ echo "detail: kprobe event on vfs_write rejected"; return 1; }
	echo 'comm == "dd"' >$tr/events/$BT_EVENT/filter
	out=/tmp/bpftrace.out
	chroot $HOST $bt -e 'kprobe:vfs_write /comm == "dd"/ { printf("VFS_WRITE arg1=%lu arg2=%lu\n", arg1, arg2); exit(); }' >$out 2>&1 &
	local pid=$! i=0
	while ! grep -q Attaching $out 2>/dev/null && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
	sleep 1
	echo >$tr/trace
	echo 1 >$tr/events/$BT_EVENT/enable
	dd if=/dev/zero of=/dev/null bs=1234 count=1 2>/dev/null
	echo 0 >$tr/events/$BT_EVENT/enable
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	kill $pid 2>/dev/null
	cat $out
	ev=$(grep ' dx=1234 ' $tr/trace | head -n1)
	echo "tracefs: $ev"
	echo "-:$BT_EVENT" >>$tr/kprobe_events
	bt_judge "$EXPECT" "$(grep -m1 '^VFS_WRITE ' $out)" "$ev"
}

# Not a smoke test: a self-test of run.sh, which must fail a run whose
# kernel log holds a warning although every test passed.
t_selftest() {
	echo "<4>WARNING: ptregs harness self-test, this run must fail" >/dev/kmsg
	echo "detail: wrote a WARNING to the kernel log"
}

# protection_keys: whether it found PKU and OSPKE ("has pkeys: 1"; with 0
# it runs only the unsupported-CPU case), which of its numbered cases
# passed and in how many iterations, and whether it got to its end.
pkeys_cases() { # name, output
	local has cases iters fin
	has=$(sed -n 's/^has pkeys: \([0-9]*\).*/\1/p' "$2" | head -n1)
	cases=$(sed -n 's/^test *\([0-9]*\) PASSED.*/\1/p' "$2" | sort -n -u | tr '\n' ' ')
	iters=$(sed -n 's/^test *[0-9]* PASSED (iteration \([0-9]*\)).*/\1/p' "$2" | sort -n -u | tail -n1)
	grep -q '^done (all tests OK)' "$2" && fin=1 || fin=0
	echo "pkeys $1 has_pkeys=${has:-none} done=$fin iterations=${iters:-0} cases=$(echo "$cases" | wc -w): ${cases% }"
}

# The upstream x86 selftests, vm/protection_keys and the rseq selftests
# (rseq/cases: a case per line) built from the same kernel source by
# selftests.sh, run from the host share. Each prints
# "selftest NAME PASS|FAIL status seconds"; the verdicts are compared
# between kernels on the host, so this test passes once they all ran.
# Segfaults are what several of them test: the console's "segfault at" and
# "traps:" lines are switched off meanwhile.
t_selftests() {
	local dir=$HOSTDIR/build/qemu/selftests trace n=0 b name s e rc args
	if [ -z "$HOST" ]; then echo "detail: no host share (run.sh --host-share)"; return 77; fi
	if [ ! -d "$HOST$dir/x86" ]; then echo "detail: $dir not built (tests/qemu/selftests.sh)"; return 77; fi
	trace=$(cat /proc/sys/debug/exception-trace 2>/dev/null)
	echo 0 >/proc/sys/debug/exception-trace 2>/dev/null
	for b in "$HOST$dir"/x86/* "$HOST$dir"/vm/*; do
		[ -x "$b" ] || continue
		name=${b#"$HOST$dir"/}
		s=$(date +%s)
		case $name in
		vm/protection_keys*)
			# Each iteration's pkey_alloc_exhaust case forks and the
			# parent exits 0 (become_child()); the last descendant
			# prints "done (all tests OK)" and any of them an
			# assert() and a non-zero exit. Wait for the last writer
			# of the pipe and judge by the output; line-buffered, so
			# no fork copies unwritten lines.
			{ host_chroot timeout -k 5 120 stdbuf -oL "${b#"$HOST"}" </dev/null 2>&1
			  echo "exit status $?"; } | timeout 150 cat >/tmp/selftest.out
			rc=1
			if grep -q '^exit status 0$' /tmp/selftest.out &&
			   grep -q '^done (all tests OK)' /tmp/selftest.out; then
				rc=0
			fi
			;;
		*)
			host_chroot timeout -k 5 120 "${b#"$HOST"}" >/tmp/selftest.out 2>&1 </dev/null
			rc=$?
			;;
		esac
		e=$(date +%s)
		tail -n 3 /tmp/selftest.out | sed "s|^|[$name] |"
		case $name in
		vm/protection_keys*) pkeys_cases "$name" /tmp/selftest.out ;;
		esac
		echo "selftest $name $([ $rc = 0 ] && echo PASS || echo FAIL) $rc $((e - s))"
		n=$((n + 1))
	done
	# rseq: one line per case of rseq/cases (NAME PROGRAM ARGUMENTS); a
	# kernel without the system call fails each at once (the cases would
	# spin on an unset cpu_id until their timeout)
	if [ -f "$HOST$dir/rseq/cases" ]; then
		while read -r name b args; do
			if ! grep -q ' __x64_sys_rseq$' /proc/kallsyms; then
				echo "[$name] no rseq system call (CONFIG_RSEQ)"
				echo "selftest $name FAIL nosys 0"
				n=$((n + 1))
				continue
			fi
			s=$(date +%s)
			# shellcheck disable=SC2086  # $args: the case's arguments
			host_chroot env LD_LIBRARY_PATH="$dir/rseq" \
				timeout -k 5 400 "$dir/rseq/$b" $args >/tmp/selftest.out 2>&1 </dev/null
			rc=$?
			e=$(date +%s)
			tail -n 3 /tmp/selftest.out | sed "s|^|[$name] |"
			echo "selftest $name $([ $rc = 0 ] && echo PASS || echo FAIL) $rc $((e - s))"
			n=$((n + 1))
		done <"$HOST$dir/rseq/cases"
	fi
	[ -n "$trace" ] && echo "$trace" >/proc/sys/debug/exception-trace
	echo "detail: $n selftests ran"
	[ $n -gt 0 ]
}

# More tests, one file per area: tests.d/*.sh (copied to /lib/ptregs/tests.d).
for f in /lib/ptregs/tests.d/*.sh; do
	[ -e "$f" ] && . "$f"
done
