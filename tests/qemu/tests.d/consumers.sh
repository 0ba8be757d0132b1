# The known consumers of btf-tools/known-consumers are evidence, not
# hearsay (amd variant, from the host share):
#   drgn  Debian's drgn on /proc/kcore with the running kernel's vmlinux:
#         a task blocked in a system call; its entry registers read by
#         member name (DWARF) agree with /proc/PID/syscall on both kernels;
#         the stack trace drgn builds from that struct pt_regs object, and
#         its trace of the task through the entry frame, give the user ip
#         and sp on the unpatched kernel and other registers on the patched
#         one (drgn reads pt_regs at fixed offsets)
#   bcc   Debian's BCC compiles a kprobe against the running kernel's
#         headers: its six arguments exact on both kernels
#
# shellcheck shell=dash disable=SC2154,SC3043  # HOST, HOSTDIR, EXPECT: set by /init; local: busybox sh

# cs_vmlinux: the running kernel's vmlinux, from build/qemu/kernels
cs_vmlinux() {
	local key=patched img
	[ "$EXPECT" = legacy ] && key=base
	img=$(sed -n "s/^$key=//p" "$HOST$HOSTDIR/build/qemu/kernels" 2>/dev/null)
	[ -n "$img" ] || return 1
	echo "${img%/arch/x86/boot/bzImage}/vmlinux"
}

t_drgn() {
	local vml pid sc pc sp out rc ip dsp dpc orig detail
	if [ -z "$HOST" ]; then echo "detail: no host share (run.sh --host-share)"; return 77; fi
	if [ ! -e "$HOST/usr/lib/python3/dist-packages/drgn/__init__.py" ]; then
		echo "detail: no python3-drgn on the host"; return 77
	fi
	host_chroot true || { echo "detail: chroot into the host share failed"; return 1; }
	[ -r /proc/kcore ] || { echo "detail: no /proc/kcore (CONFIG_PROC_KCORE)"; return 1; }
	vml=$(cs_vmlinux) && [ -e "$HOST$vml" ] ||
		{ echo "detail: the running kernel's vmlinux is not known ($HOSTDIR/build/qemu/kernels)"; return 77; }
	sleep 600 &
	pid=$!
	sleep 1
	# NR arg0..arg5 sp pc of the blocked system call, from the kernel itself
	sc=$(cat /proc/$pid/syscall)
	sp=$(echo "$sc" | awk '{ print $8 }') pc=$(echo "$sc" | awk '{ print $9 }')
	out=/tmp/drgn.out
	chroot "$HOST" /usr/bin/python3 "$HOSTDIR/tests/qemu/guest/drgnregs.py" $pid "$vml" >$out 2>&1
	rc=$?
	kill $pid 2>/dev/null
	echo "== /proc/$pid/syscall: $sc"
	echo "== drgnregs.py (exit $rc)"
	cat $out
	[ $rc = 0 ] || { echo "detail: drgn failed (exit $rc)"; return 1; }
	ip=$(sed -n 's/^regs .* ip=\(0x[0-9a-f]*\).*/\1/p' $out)
	orig=$(sed -n 's/^regs .* orig_ax=\(0x[0-9a-f]*\).*/\1/p' $out)
	dpc=$(sed -n 's/^drgn pc=\(0x[0-9a-f]*\).*/\1/p' $out)
	dsp=$(sed -n 's/^drgn pc=.* sp=\(0x[0-9a-f]*\)$/\1/p' $out)
	if [ "$ip" != "$pc" ] || ! grep -q "^regs .* sp=$sp " $out; then
		echo "detail: drgn's pt_regs by name (ip $ip) disagrees with /proc/$pid/syscall (pc $pc sp $sp)"
		return 1
	fi
	echo "regs by name: ip=$ip sp=$sp, as /proc/$pid/syscall says"
	detail="task $pid in syscall $(echo "$sc" | cut -d' ' -f1), ip $ip sp $sp (DWARF = /proc/PID/syscall)"
	if [ "$EXPECT" = legacy ]; then
		if [ "$dpc" = "$ip" ] && [ "$dsp" = "$sp" ] && grep -q "^trace .* $ip\( \|$\)" $out; then
			echo "detail: $detail; drgn's stack trace from the pt_regs: pc $dpc sp $dsp; its trace of the task through the entry frame reaches $ip"
			return 0
		fi
		echo "detail: $detail; drgn: pc $dpc sp $dsp, trace $(sed -n 's/^trace //p' $out): expected $ip and $sp"
		return 1
	fi
	# pkrs: drgn's rip is the slot at 128, orig_ax in the new layout; its
	# rsp the slot at 152, flags
	if [ "$dpc" = "$orig" ] && [ "$dpc" != "$ip" ] && grep -q "^regs .* flags=$dsp$" $out &&
	   ! grep -q "^trace .* $ip\( \|$\)" $out; then
		echo "detail: $detail; drgn reads the wrong registers, no error: its stack trace from the pt_regs starts at pc $dpc (orig_ax) sp $dsp (flags), and its trace of the task through the entry frame never reaches $ip"
		return 0
	fi
	echo "detail: $detail; drgn: pc $dpc sp $dsp, trace $(sed -n 's/^trace //p' $out): expected orig_ax $orig and flags, and not $ip"
	return 1
}

t_bcc() {
	local out rc want got
	if [ -z "$HOST" ]; then echo "detail: no host share (run.sh --host-share)"; return 77; fi
	if [ ! -e "$HOST/usr/lib/python3/dist-packages/bcc/__init__.py" ]; then
		echo "detail: no python3-bpfcc on the host"; return 77
	fi
	host_chroot true || { echo "detail: chroot into the host share failed"; return 1; }
	[ -r /sys/kernel/kheaders.tar.xz ] ||
		{ echo "detail: no /sys/kernel/kheaders.tar.xz (CONFIG_IKHEADERS)"; return 1; }
	out=/tmp/bcc.out
	chroot "$HOST" /usr/bin/python3 "$HOSTDIR/tests/qemu/guest/bccargs.py" >$out 2>&1
	rc=$?
	cat $out
	want=$(sed -n 's/^mmap //p' $out) got=$(sed -n 's/^bcc //p' $out)
	if [ $rc = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ]; then
		echo "detail: BCC, compiled against this kernel's headers, read $got exactly"
		return 0
	fi
	echo "detail: BCC (exit $rc) read '${got:-nothing}', the program passed '$want'"
	return 1
}
