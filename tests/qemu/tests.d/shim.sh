# The runtime shim (`ptregs run -- CMD`, the host's build/ptregs with
# libptregs-preload.so next to it) against clients that bake the legacy
# pt_regs offsets in at run time, from the host share: Debian's bpftrace
# 0.17 (a fixed register table) and libbpf's USDT support linked into an
# executable (reg_off computed with the UAPI offsetof). Each client runs
# once without the shim and once through it:
#   EXPECT=pkrs    without: every value wrong; with: every value exact
#   EXPECT=legacy  exact both ways (the shim changes nothing)
# and a CO-RE client (libbpf-tools' filelife) must stay exact through it.
# Until build/ptregs has the run subcommand the halves through the shim
# report SKIP; the halves without it still assert.
#
# shellcheck shell=dash disable=SC2154,SC3043,SC2086  # HOST, HOSTDIR: set by /init; local: busybox sh; $outs, $SH_KNAMES: lists

SH_PTREGS=''	# the host's ptregs, inside the chroot, once sh_shim found it

# sh_need: the host share and the chroot into it; 77/1 with a detail
sh_need() {
	if [ -z "$HOST" ]; then echo "detail: no host share (run.sh --host-share)"; return 77; fi
	host_chroot true || { echo "detail: chroot into the host share failed"; return 1; }
}

# sh_shim: 0 when the host's ptregs has `run` (sets SH_PTREGS), else
# prints why not and returns 1
sh_shim() {
	local bin=$HOSTDIR/build/ptregs
	if [ ! -x "$HOST$bin" ]; then
		echo "shim: $bin missing on the host (make -C $HOSTDIR)"; return 1
	fi
	if ! chroot "$HOST" "$bin" help run >/tmp/shim-help.out 2>&1; then
		echo "shim: '$bin help run' failed: $(head -n1 /tmp/shim-help.out)"; return 1
	fi
	if [ ! -e "$HOST$HOSTDIR/build/libptregs-preload.so" ]; then
		echo "shim: $HOSTDIR/build/libptregs-preload.so missing"; return 1
	fi
	SH_PTREGS=$bin
}

# sh_field LINE NAME: the value of NAME= in LINE
sh_field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }

# sh_judge HALF WANT GOT NAMES: compare NAME=value of the line WANT with
# the line GOT for each NAME, print each check, set SH_EXACT and SH_WRONG
# (counts) and append "name=got" to SH_VALS
sh_judge() {
	local half=$1 want=$2 got=$3 n w g
	shift 3
	for n; do
		w=$(sh_field "$want" "$n") g=$(sh_field "$got" "$n")
		if [ -n "$g" ] && [ "$g" = "$w" ]; then
			SH_EXACT=$((SH_EXACT + 1))
			echo "$half: $n = $g (exact)"
		else
			SH_WRONG=$((SH_WRONG + 1))
			echo "$half: $n = ${g:-nothing}, the program passed $w"
		fi
		SH_VALS="$SH_VALS $n=${g:--}"
	done
}

# sh_verdict HALF TOTAL [LABEL]: whether SH_EXACT/SH_WRONG are what $EXPECT
# and HALF (without, with: the fix) call for; sets SH_OK (1 or 0) and
# SH_SUM, and prints them as LABEL (default "HALF shim")
sh_verdict() {
	SH_OK=0
	if [ "$EXPECT" = pkrs ] && [ "$1" = without ]; then
		SH_SUM="$2/$2 wrong"
		[ "$SH_WRONG" = "$2" ] && SH_OK=1
		[ "$SH_OK" = 1 ] || SH_SUM="$SH_WRONG/$2 wrong, expected all"
	else
		SH_SUM="$2/$2 exact"
		[ "$SH_EXACT" = "$2" ] && SH_OK=1
		[ "$SH_OK" = 1 ] || SH_SUM="$SH_EXACT/$2 exact, expected all"
	fi
	echo "${3:-$1 shim}: $SH_SUM"
}

# sh_case HALF TOTAL LABEL NAME WANT GOT FIELD...: sh_judge of FIELDs
# afresh (as NAME), then sh_verdict HALF TOTAL LABEL; status: SH_OK
sh_case() {
	local half=$1 total=$2 label=$3 name=$4 want=$5 got=$6
	shift 6
	SH_EXACT=0 SH_WRONG=0 SH_VALS=''
	sh_judge "$name" "$want" "$got" "$@"
	sh_verdict "$half" "$total" "$label"
	[ "$SH_OK" = 1 ]
}

# bpftrace 0.17 (src/arch/x86_64.cpp: a register table by index, times 8)
# on the known values of /bin/shimprobe, copied to the chroot's /tmp. One
# script reads
#   kprobe ksys_mmap_pgoff (six arguments straight from mmap()): arg0..arg5
#     (offsets 112, 104, 96, 88, 72, 64), func (ip, 128), reg("di");
#   kretprobe ksys_lseek: retval (ax, 80), the offset shimprobe seeks to
#     (not ksys_mmap_pgoff's: its anonymous path tail-calls vm_mmap_pgoff,
#     and in the 6.1.192 pkrs build r8, what offset 80 holds there, is the
#     mapped address at the return too);
#   uprobe sp_seven: arg0..arg5 and sarg0 (a user read at sp (152) + 8);
#   usdt ptregs:two: both register operands (rsi, rdx).
# The two bpftrace processes, without and through the shim, start together
# (their start is what costs time under TCG) and see the same runs of
# shimprobe.
SH_KNAMES='arg0 arg1 arg2 arg3 arg4 arg5 func di'
SH_UNAMES='arg0 arg1 arg2 arg3 arg4 arg5 sarg0'
t_bpftraceshim() {
	local bt=/usr/bin/bpftrace rc pids='' p i half want prog script
	local sdt w1 w2 wseek out outs detail='' t0
	t0=$(date +%s)
	sh_need || return $?
	if [ ! -x "$HOST$bt" ]; then echo "detail: no bpftrace on the host"; return 77; fi
	cp /bin/shimprobe "$HOST"/tmp/shimprobe || { echo "detail: copying shimprobe failed"; return 1; }
	prog=/tmp/shimprobe
	script='
kprobe:ksys_mmap_pgoff /comm == "shimprobe"/ {
	printf("K arg0=%lu arg1=%lu arg2=%lu arg3=%lu arg4=%lu arg5=%lu func=%s di=%lu\n",
	       arg0, arg1, arg2, arg3, arg4, arg5, func, reg("di"));
}
kretprobe:ksys_lseek /comm == "shimprobe"/ { printf("R retval=%lu\n", retval); }
uprobe:'$prog':sp_seven {
	printf("U arg0=%lu arg1=%lu arg2=%lu arg3=%lu arg4=%lu arg5=%lu sarg0=%lu\n",
	       arg0, arg1, arg2, arg3, arg4, arg5, sarg0);
}
usdt:'$prog':ptregs:two { printf("S arg0=%lu arg1=%lu\n", arg0, arg1); exit(); }'
	outs=/tmp/bt-without.out
	: >/tmp/bt-without.out
	chroot "$HOST" $bt -e "$script" >/tmp/bt-without.out 2>&1 &
	pids=$!
	if sh_shim >/tmp/bt-shim.why; then
		: >/tmp/bt-with.out
		chroot "$HOST" "$SH_PTREGS" run --log /tmp/bt-shim.log -- $bt -e "$script" \
			>/tmp/bt-with.out 2>&1 &
		pids="$pids $!" outs="$outs /tmp/bt-with.out"
	fi
	cat /tmp/bt-shim.why
	# started: each has printed "Attaching" or is gone
	i=0
	while [ $i -lt 240 ]; do
		rc=0
		for p in $pids; do kill -0 "$p" 2>/dev/null && rc=1; done
		[ $rc = 0 ] && break
		[ "$(grep -l Attaching $outs | wc -l)" = "$(echo "$outs" | wc -w)" ] && break
		sleep 1; i=$((i + 1))
	done
	echo "bpftrace started after ${i}s ($(($(date +%s) - t0))s into the test)"
	sleep 2
	# shimprobe again every 2 s until every bpftrace has seen the USDT
	# probe (exit()): its values are the same each time
	i=0
	while [ $i -lt 30 ]; do
		"$HOST$prog" >/tmp/shimprobe.out 2>&1 || { cat /tmp/shimprobe.out; break; }
		rc=0
		for p in $pids; do kill -0 "$p" 2>/dev/null && rc=1; done
		[ $rc = 0 ] && break
		sleep 2; i=$((i + 1))
	done
	for p in $pids; do kill "$p" 2>/dev/null; done
	echo "shimprobe ran $((i + 1)) times ($(($(date +%s) - t0))s into the test)"
	echo "== shimprobe (the values passed)"
	cat /tmp/shimprobe.out
	want=$(grep '^mmap ' /tmp/shimprobe.out)
	[ -n "$want" ] || { echo "detail: shimprobe failed"; return 1; }
	sdt=$(grep '^usdt ' /tmp/shimprobe.out)
	w1=$(grep '^sp_seven ' /tmp/shimprobe.out)
	wseek=$(grep '^lseek ' /tmp/shimprobe.out)
	rc=0
	for half in without with; do
		out=/tmp/bt-$half.out
		if [ $half = with ] && [ -z "$SH_PTREGS" ]; then break; fi
		echo "== bpftrace $half the shim"
		cat $out
		[ $half = with ] && [ -e "$HOST"/tmp/bt-shim.log ] && { echo "== shim log"; cat "$HOST"/tmp/bt-shim.log; }
		SH_EXACT=0 SH_WRONG=0 SH_VALS=''
		# func: the symbol of the kprobe's ip
		w2="$want func=ksys_mmap_pgoff di=$(sh_field "$want" arg0)"
		SH_VALS="kprobe"
		sh_judge "$half" "$w2" "$(grep '^K ' $out | head -n1)" $SH_KNAMES
		SH_VALS="$SH_VALS, kretprobe"
		sh_judge "$half" "$wseek" "$(grep '^R ' $out | head -n1)" retval
		SH_VALS="$SH_VALS, uprobe"
		sh_judge "$half/uprobe" "$w1" "$(grep '^U ' $out | head -n1)" $SH_UNAMES
		SH_VALS="$SH_VALS, usdt"
		sh_judge "$half/usdt" "$sdt" "$(grep '^S ' $out | head -n1)" arg0 arg1
		sh_verdict $half 18
		[ $SH_OK = 1 ] || rc=1
		detail="$detail $half shim $SH_SUM: $SH_VALS;"
	done
	detail="passed: kprobe $(echo "$want" | cut -d' ' -f2-7) func=ksys_mmap_pgoff; kretprobe $wseek; uprobe $(echo "$w1" | cut -d' ' -f2-8); usdt $(echo "$sdt" | cut -d' ' -f2-);$detail"
	detail=${detail%;}
	if [ $rc != 0 ]; then echo "detail: $detail"; return 1; fi
	if [ -z "$SH_PTREGS" ]; then
		echo "detail: through the shim SKIP ($(sed 's/^shim: //' /tmp/bt-shim.why)); $detail"
		return 77
	fi
	echo "detail: $detail"
}

# libbpf's USDT support inside an executable (guest/usdtbpf.c: libbpf
# linked statically, glibc dynamically, run in the chroot): it writes
# reg_off = the UAPI offsetof(struct pt_regs, rsi/rdx) = 104/96 into the
# __bpf_usdt_specs map, and bpf_usdt_arg() reads ctx + reg_off.
t_usdtshim() {
	local half out rc=0 want got detail='' skip=''
	sh_need || return $?
	cp /bin/usdtbpf "$HOST"/tmp/usdtbpf || { echo "detail: copying usdtbpf failed"; return 1; }
	sh_shim >/tmp/usdt-shim.why || skip=$(sed 's/^shim: //' /tmp/usdt-shim.why)
	for half in without with; do
		out=/tmp/usdt-$half.out
		if [ $half = without ]; then
			chroot "$HOST" /tmp/usdtbpf >$out 2>&1
		elif [ -n "$skip" ]; then
			break
		else
			chroot "$HOST" "$SH_PTREGS" run --log /tmp/usdt-shim.log -- /tmp/usdtbpf >$out 2>&1
		fi
		echo "== usdtbpf $half the shim (status $?)"
		cat $out
		[ $half = with ] && [ -e "$HOST"/tmp/usdt-shim.log ] && { echo "== shim log"; cat "$HOST"/tmp/usdt-shim.log; }
		want=$(grep '^usdt ' $out) got=$(grep '^bpf ' $out)
		if [ -z "$want" ] || [ -z "$got" ] || [ "$(sh_field "$got" hits)" != 1 ]; then
			echo "$half shim: usdtbpf did not run to the probe"
			detail="$detail $half shim: no reading;"
			rc=1; continue
		fi
		sh_case $half 2 "$half shim" "$half" "$want" "$got" arg0 arg1 || rc=1
		detail="$detail $half shim $SH_SUM:$SH_VALS;"
	done
	detail="passed: $(echo "$want" | cut -d' ' -f2-);${detail%;}"
	if [ $rc != 0 ]; then echo "detail: $detail"; return 1; fi
	if [ -n "$skip" ]; then echo "detail: through the shim SKIP ($skip); $detail"; return 77; fi
	echo "detail: $detail"
}

# The control: a CO-RE client through the shim. libbpf-tools' filelife
# (its kprobes on vfs_open, vfs_unlink, relocated by libbpf against the
# running kernel's BTF) must still read exactly: nothing translated twice.
# Without the shim it is t_filelife (tests.d/clients.sh).
t_coreshim() {
	local rc p
	sh_need || return $?
	if [ ! -x "$HOST/usr/sbin/filelife" ]; then echo "detail: no libbpf-tools on the host"; return 77; fi
	if ! sh_shim >/tmp/core-shim.why; then
		echo "detail: through the shim SKIP ($(sed 's/^shim: //' /tmp/core-shim.why)); without it: t_filelife"
		return 77
	fi
	cl_filelife "$SH_PTREGS" run --log /tmp/filelife-shim.log -- >/tmp/coreshim.out
	rc=$?
	sed 's/^detail: /detail: through ptregs run: /' /tmp/coreshim.out
	echo "== shim log"
	cat "$HOST"/tmp/filelife-shim.log 2>/dev/null
	# a filelife that outlived the SIGINT/SIGTERM to `ptregs run`
	for p in $(pidof filelife 2>/dev/null); do kill "$p"; done
	return $rc
}

# The shim's controls on one libbpf client of the project's own
# (guest/shimctl.c, libbpf static, glibc dynamic), three kprobes on
# ksys_mmap_pgoff reading an mmap()'s six arguments:
#   core_args   CO-RE (kernel names, relocated by libbpf): exact on both
#               kernels, with and without the shim, never translated;
#   uapi_args   UAPI offsets, loaded with its BTF (func_info: a UAPI
#               pt_regs): translated, exact through the shim; without it
#               wrong on the pkrs kernel;
#   varoff_arg  ctx + an offset from a global: refused through the shim
#               where the layouts differ, with the shim's message; loaded
#               everywhere else.
SC_NAMES='arg0 arg1 arg2 arg3 arg4 arg5'
t_shimctl() {
	local half out rc=0 want skip='' detail='' vo log=/tmp/ctl-shim.log
	sh_need || return $?
	cp /bin/shimctl "$HOST"/tmp/shimctl || { echo "detail: copying shimctl failed"; return 1; }
	sh_shim >/tmp/ctl-shim.why || skip=$(sed 's/^shim: //' /tmp/ctl-shim.why)
	for half in without with; do
		out=/tmp/ctl-$half.out
		rm -f "$HOST$log"
		if [ $half = without ]; then
			chroot "$HOST" /tmp/shimctl >$out 2>&1
		elif [ -n "$skip" ]; then
			break
		else
			chroot "$HOST" "$SH_PTREGS" run --log $log -- /tmp/shimctl >$out 2>&1
		fi
		echo "== shimctl $half the shim (status $?)"
		cat $out
		want=$(grep '^mmap ' $out)
		if [ -z "$want" ] || [ "$(sh_field "$(grep '^core ' $out)" hits)" != 1 ] ||
		   [ "$(sh_field "$(grep '^uapi ' $out)" hits)" != 1 ]; then
			echo "$half shim: shimctl did not run to the probe"
			detail="$detail $half shim: no reading;"
			rc=1; continue
		fi
		# the CO-RE program: exact whatever the kernel and the shim
		SH_EXACT=0 SH_WRONG=0 SH_VALS='core'
		sh_judge "$half/core" "$want" "$(grep '^core ' $out)" $SC_NAMES
		if [ $SH_EXACT != 6 ]; then
			echo "$half shim: the CO-RE program read $SH_EXACT/6 exactly"; rc=1
		fi
		detail="$detail $half shim: core $SH_EXACT/6 exact,"
		sh_case $half 6 "$half shim" "$half/uapi" "$want" "$(grep '^uapi ' $out)" $SC_NAMES || rc=1
		detail="$detail uapi $SH_SUM,"
		vo=$(grep '^varoff ' $out)
		if [ "$EXPECT" = pkrs ] && [ $half = with ]; then
			if echo "$vo" | grep -q refused &&
			   grep -q "^ptregs-run: prog 'varoff_arg': 1 access cannot be translated, not loaded: " $out; then
				echo "$half shim: varoff_arg refused, with the message"
				detail="$detail varoff refused;"
			else
				echo "$half shim: varoff_arg: '$vo', expected refused with the shim's message"
				rc=1; detail="$detail varoff not refused;"
			fi
		elif [ "$vo" = "varoff loaded" ]; then
			echo "$half shim: varoff_arg loaded"
			detail="$detail varoff loaded;"
		else
			echo "$half shim: varoff_arg: '$vo', expected loaded"
			rc=1; detail="$detail varoff not loaded;"
		fi
		[ $half = with ] || continue
		echo "== shim log"
		cat "$HOST$log" 2>/dev/null
		if [ "$EXPECT" = pkrs ]; then
			grep -q "^ptregs-run: prog 'core_args' (kprobe): left as it is \[BTF: pt_regs with kernel names\]" "$HOST$log" &&
			grep -q "^ptregs-run: prog 'uapi_args' (kprobe): 6 insns rewritten, .*\[evidence: BTF: pt_regs with UAPI names\]" "$HOST$log" ||
				{ echo "with shim: the log does not say core_args left, uapi_args translated"; rc=1; }
		elif [ -s "$HOST$log" ]; then
			echo "with shim: the log is not empty on a kernel of the same layout"; rc=1
		fi
	done
	detail="passed: $(echo "$want" | cut -d' ' -f2-);${detail%;}"
	if [ $rc != 0 ]; then echo "detail: $detail"; return 1; fi
	if [ -n "$skip" ]; then echo "detail: through the shim SKIP ($skip); $detail"; return 77; fi
	echo "detail: $detail"
}

# make bench's guest part (scripts/bench-run.sh --guest), not a test of
# the default set: BPF_PROG_LOAD of bpftrace 0.17's programs for
# tests/bench/loads.bt (build/bench/loads.o, written by bpftrace
# --emit-elf on the host) by the host's loader, through glibc's syscall()
# and through the preload's in turn (loader pairbench), which translates
# them for real on the pkrs kernel; the medians of 31 rounds, a process
# each (their ratios spread by +-5%: 31 put the median within about 1%).
# Prints "shimbench: plain P us, translated T us, ratio R; ..." and the
# same as its detail.
t_shimbench() {
	local elf=$HOSTDIR/build/bench/loads.o loader=$HOSTDIR/build/tests/run/loader
	local preload=$HOSTDIR/build/libptregs-preload.so
	local n=${SHIMBENCH_LOADS:-100} rounds=${SHIMBENCH_ROUNDS:-31} r out ps='' qs='' rs=''
	local bp bt bp2 bt2 br p t
	sh_need || return $?
	sh_shim >/tmp/bench-shim.why || { echo "detail: $(cat /tmp/bench-shim.why)"; return 77; }
	[ -e "$HOST$elf" ] || { echo "detail: $elf missing on the host"; return 77; }
	# each program loaded through glibc's syscall() and through the
	# preload's in turn (scripts/bench-run.sh says why); a process per
	# round, since how a process's pages fall into QEMU's TLB moves its
	# costs by several per cent
	for r in $(seq "$rounds"); do
		out=$(chroot "$HOST" $loader pairbench $n $preload $elf) ||
			{ echo "detail: pairbench: $out"; return 1; }
		set -- $out
		p=$1 t=$2
		# not a benchmark of a preload that does nothing
		[ "${3:-0}" -gt 0 ] || { echo "detail: the preload translated none of the programs: $out"; return 1; }
		echo "round $r: plain $p us, through the preload $t us ($3 programs translated)"
		ps="$ps $p" qs="$qs $t" rs="$rs $(awk -v a="$t" -v b="$p" 'BEGIN { printf "%.4f", a / b }')"
	done
	bp=$(sh_median $ps) bt=$(sh_median $qs) br=$(sh_median $rs)
	# what a user waits for: a whole bpftrace run of the same probes that
	# exits once attached (BEGIN), plain and through ptregs run
	{ cat "$HOST$HOSTDIR/tests/bench/loads.bt"; echo 'BEGIN { exit(); }'; } >"$HOST"/tmp/loads-run.bt
	bp2='' bt2=''
	for r in 1 2 3; do
		p=$(sh_elapsed_ms chroot "$HOST" bpftrace /tmp/loads-run.bt) || { echo "detail: bpftrace: $p"; return 1; }
		t=$(sh_elapsed_ms chroot "$HOST" "$SH_PTREGS" run -- bpftrace /tmp/loads-run.bt) ||
			{ echo "detail: bpftrace through the shim: $t"; return 1; }
		echo "bpftrace run $r: plain $p ms, through ptregs run $t ms"
		bp2=$(printf '%s\n%s\n' "$bp2" "$p" | sed '/^$/d' | sort -n | head -n1)
		bt2=$(printf '%s\n%s\n' "$bt2" "$t" | sed '/^$/d' | sort -n | head -n1)
	done
	br=$(printf '%.3f' "$br")
	echo "shimbench: plain $bp us, translated $bt us, ratio $br; bpftrace run plain $bp2 ms, translated $bt2 ms"
	echo "detail: shimbench: plain $bp us, translated $bt us, ratio $br ($n loads of each program both ways, median of $rounds rounds); whole bpftrace run $bp2 ms, $bt2 ms"
}

# sh_median N...: the median of the numbers (the lower middle of an even count)
sh_median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# sh_elapsed_ms CMD...: run CMD (output discarded), print its wall time in
# ms (/proc/uptime: 10 ms steps); its status
sh_elapsed_ms() {
	local a b st
	a=$(cut -d' ' -f1 /proc/uptime)
	"$@" >/tmp/elapsed.out 2>&1
	st=$?
	b=$(cut -d' ' -f1 /proc/uptime)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%d\n", (b - a) * 1000 }'
	[ $st = 0 ] || { tail -n 3 /tmp/elapsed.out >&2; return $st; }
}
