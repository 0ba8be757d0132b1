# `ptregs fix` against the kernel: the guest's UAPI-built BPF programs as
# they were compiled and as the host's build/ptregs fix rewrote them at
# initramfs time (guest/programs, kinds fix and fixto):
#   *.portable.bpf.o  portable: CO-RE relocations on a local type with the
#                     kernel's names; must read exactly on both kernels;
#   *.pkrs.bpf.o      --to builtin:pkrs: offsets of the pkrs layout; exact
#                     on the pkrs kernel, one register off the other way on
#                     the legacy one (or refused by the verifier, when a
#                     read lands past the legacy context);
#   shimctl-pkrs      the skeleton executable shimctl, its embedded object
#                     retargeted with --to builtin:pkrs.
# Each test also runs the unfixed program in the same boot: legacy exact,
# pkrs one register off. The loaders (guest/kprobe.c, uprobe.c, perfbpf.c)
# check the values; their expectation words: exact, down (legacy offsets
# on the pkrs layout), up (pkrs offsets on the legacy layout).
#
# shellcheck shell=dash disable=SC2154,SC3043,SC2086  # HOST, EXPECT: set by /init; local: busybox sh; $SC_NAMES: a list

FX_DETAIL='' FX_RC=0

# fx_run LABEL CMD...: run CMD, print its output under LABEL, add
# "LABEL: its detail" to FX_DETAIL; FX_RC=1 when it failed
fx_run() {
	local label=$1 out=/tmp/fx.out st=0
	shift
	"$@" >$out 2>&1 || st=$?
	echo "== $label: $* (status $st)"
	cat $out
	FX_DETAIL="$FX_DETAIL${FX_DETAIL:+; }$label: $(sed -n 's/^detail: //p' $out | tail -n1)"
	[ $st = 0 ] || FX_RC=1
}

# fx_to: what a program retargeted for pkrs reads on this kernel
fx_to() {
	case $EXPECT in
	pkrs) echo exact ;;
	legacy) echo up ;;
	*) return 1 ;;
	esac
}

fx_done() {
	echo "detail: $FX_DETAIL"
	return $FX_RC
}

# kprobe, the syscall wrapper's pattern, a probe read through ctx, a
# kretprobe, and the same three with ptregs/compat.bpf.h (guest/kprobe.c)
t_fixkprobe() {
	local to
	[ -e /sys/kernel/btf/vmlinux ] || { echo "detail: no kernel BTF"; return 77; }
	to=$(fx_to) || { echo "detail: no layout expected (run.sh --expect)"; return 77; }
	fx_run unfixed /bin/kprobe /lib/ptregs/kprobe.bpf.o "$EXPECT" 0
	fx_run portable /bin/kprobe /lib/ptregs/kprobe.portable.bpf.o exact 0
	fx_run "--to pkrs" /bin/kprobe /lib/ptregs/kprobe.pkrs.bpf.o "$to" 0
	fx_done
}

# every register of a uprobe context (guest/uprobe.c)
t_fixuprobe() {
	local to
	[ -e /sys/kernel/btf/vmlinux ] || { echo "detail: no kernel BTF"; return 77; }
	to=$(fx_to) || { echo "detail: no layout expected (run.sh --expect)"; return 77; }
	fx_run unfixed /bin/uprobe /lib/ptregs/uprobe.bpf.o "$EXPECT"
	fx_run portable /bin/uprobe /lib/ptregs/uprobe.portable.bpf.o exact
	fx_run "--to pkrs" /bin/uprobe /lib/ptregs/uprobe.pkrs.bpf.o "$to"
	fx_done
}

# perf_event: the struct pt_regs CO-RE read over &ctx->regs, relocation
# dropped by the fix (guest/perfbpf.c); --to leaves it (it cannot drop a
# relocation), so there is no retargeted copy
t_fixperf() {
	[ -e /sys/kernel/btf/vmlinux ] || { echo "detail: no kernel BTF"; return 77; }
	fx_to >/dev/null || { echo "detail: no layout expected (run.sh --expect)"; return 77; }
	fx_run unfixed /bin/perfbpf /lib/ptregs/perfbpf.bpf.o "$EXPECT"
	fx_run portable /bin/perfbpf /lib/ptregs/perfbpf.portable.bpf.o exact
	fx_done
}

# A skeleton executable (libbpf, glibc dynamic: runs in the host share's
# chroot) fixed with --to: shimctl's uapi_args reads mmap()'s six
# arguments on ksys_mmap_pgoff (di si dx cx r8 r9); unfixed: exact on
# legacy, one register down on pkrs (arg0..2 and arg4 read the next
# argument; cx's and r9's offsets hold ax and r10 there); retargeted:
# exact on pkrs, one register up on legacy (arg1..3 and arg5 read the
# previous argument; di's and r8's hold orig_ax and ax). The CO-RE
# core_args exact in both.
# fx_shifted LINE WANT PAIRS: every "got:want" pair of argument numbers
# has got's value in LINE equal to want's in WANT
fx_shifted() {
	local line=$1 want=$2 p
	shift 2
	for p; do
		[ "$(sh_field "$line" arg${p%:*})" = "$(sh_field "$want" arg${p#*:})" ] || return 1
	done
}

t_fixskel() {
	local prog out want uapi ok core exact wrong rc=0 detail='' should
	sh_need || return $?
	fx_to >/dev/null || { echo "detail: no layout expected (run.sh --expect)"; return 77; }
	for prog in shimctl shimctl-pkrs; do
		cp /bin/$prog "$HOST"/tmp/$prog || { echo "detail: copying $prog failed"; return 1; }
		out=/tmp/fx-$prog.out
		chroot "$HOST" /tmp/$prog >$out 2>&1
		echo "== $prog (status $?)"
		cat $out
		want=$(grep '^mmap ' $out)
		if [ -z "$want" ] || [ "$(sh_field "$(grep '^uapi ' $out)" hits)" != 1 ] ||
		   [ "$(sh_field "$(grep '^core ' $out)" hits)" != 1 ]; then
			echo "$prog: did not run to the probe"
			detail="$detail $prog: no reading;"
			rc=1; continue
		fi
		SH_EXACT=0 SH_WRONG=0 SH_VALS=''
		sh_judge "$prog/core" "$want" "$(grep '^core ' $out)" $SC_NAMES
		core=$SH_EXACT
		[ $core = 6 ] || { echo "$prog: the CO-RE program read $core/6 exactly"; rc=1; }
		SH_EXACT=0 SH_WRONG=0 SH_VALS=''
		sh_judge "$prog/uapi" "$want" "$(grep '^uapi ' $out)" $SC_NAMES
		exact=$SH_EXACT wrong=$SH_WRONG
		uapi=$(grep '^uapi ' $out)
		case $prog/$EXPECT in
		shimctl/legacy|shimctl-pkrs/pkrs) should=exact ok=0
			[ $exact = 6 ] && ok=1 ;;
		shimctl/pkrs) should="one register down" ok=0
			[ $wrong = 6 ] && fx_shifted "$uapi" "$want" 0:1 1:2 2:3 4:5 && ok=1 ;;
		*) should="one register up" ok=0
			[ $wrong -ge 4 ] && fx_shifted "$uapi" "$want" 1:0 2:1 3:2 5:4 && ok=1 ;;
		esac
		if [ $ok = 1 ]; then
			echo "$prog: uapi_args $should ($exact/6 exact), as expected"
		else
			echo "$prog: uapi_args $exact/6 exact, expected $should"; rc=1
			should="not $should"
		fi
		detail="$detail $prog: uapi_args $should, $exact/6 exact (${SH_VALS# }), core_args $core/6 exact;"
	done
	echo "detail: passed: $(echo "$want" | cut -d' ' -f2-);${detail%;}"
	return $rc
}
