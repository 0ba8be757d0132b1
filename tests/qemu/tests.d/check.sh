# ptregs check in the guest, on the programs running there (amd variant):
# guest/shimctl keeps a CO-RE kprobe (kernel names) and a UAPI-built one
# (loaded with its BTF) attached, and a bpftrace 0.17 one-liner runs; the
# host's ptregs check (no files) against the patched kernel's bzImage
# (build/qemu/kernels, written by check.sh):
#   EXPECT=legacy  names the UAPI program and bpftrace's (id, name, each
#                  instruction, register before and after, the holder, the
#                  UAPI one's pin in bpffs and its source lines from the
#                  kernel's line info), not the CO-RE one: exit 1
#   EXPECT=pkrs    the image is the running kernel's: no layout change,
#                  exit 0
#
# shellcheck shell=dash disable=SC2154,SC3043  # HOST, HOSTDIR: set by /init; local: busybox sh

t_checklive() {
	local img rc hold bt i ids core uapi py pin
	sh_need || return $?
	sh_shim >/tmp/checklive.why || { echo "detail: $(cat /tmp/checklive.why)"; return 77; }
	img=$(sed -n 's/^patched=//p' "$HOST$HOSTDIR/build/qemu/kernels" 2>/dev/null)
	if [ -z "$img" ] || [ ! -e "$HOST$img" ]; then
		echo "detail: the patched kernel image is not known ($HOSTDIR/build/qemu/kernels)"
		return 77
	fi
	if [ "$EXPECT" = pkrs ]; then
		chroot "$HOST" "$SH_PTREGS" check --kernel "$img" --no-files >/tmp/check.out 2>&1
		rc=$?
		cat /tmp/check.out
		if [ $rc = 0 ] && grep -q "every register where it was (176 bytes)" /tmp/check.out; then
			echo "detail: checked against its own image $img: no layout change, exit 0"
			return 0
		fi
		echo "detail: checked against its own image: exit $rc, expected 0 and no layout change"
		return 1
	fi
	cp /bin/shimctl "$HOST"/tmp/shimctl || { echo "detail: copying shimctl failed"; return 1; }
	chroot "$HOST" /tmp/shimctl hold >/tmp/hold.out 2>&1 &
	hold=$!
	chroot "$HOST" /usr/bin/bpftrace -e 'kprobe:ksys_read { @[arg2] = count(); }' \
		>/tmp/bt.out 2>&1 &
	bt=$!
	i=0
	while [ $i -lt 180 ]; do
		grep -q '^held' /tmp/hold.out && grep -q Attaching /tmp/bt.out && break
		kill -0 $hold 2>/dev/null && kill -0 $bt 2>/dev/null || break
		sleep 1; i=$((i + 1))
	done
	echo "held and attached after ${i}s"
	cat /tmp/hold.out /tmp/bt.out
	ids=$(sed -n 's/^held core_args=\([0-9]*\) uapi_args=\([0-9]*\)$/\1 \2/p' /tmp/hold.out)
	core=${ids% *} uapi=${ids#* }
	# the UAPI program pinned in bpffs too: check names the pin
	pin=/sys/fs/bpf/ptregs_checklive
	if [ -n "$ids" ]; then
		grep -q " $HOST/sys/fs/bpf " /proc/mounts || mount -t bpf bpf "$HOST"/sys/fs/bpf ||
			echo "mounting bpffs failed"
		rm -f "$HOST$pin"
		host_chroot bpftool prog pin id "$uapi" "$pin" || echo "bpftool prog pin id $uapi failed"
	fi
	chroot "$HOST" "$SH_PTREGS" check --kernel "$img" --no-files -j >"$HOST"/tmp/check.json 2>/tmp/check.err
	rc=$?
	chroot "$HOST" "$SH_PTREGS" check --kernel "$img" --no-files >/tmp/check.out 2>&1
	kill $hold $bt 2>/dev/null
	for p in $(pidof bpftrace 2>/dev/null); do kill "$p"; done
	rm -f "$HOST$pin"
	echo "== ptregs check --kernel $img --no-files (exit $rc)"
	cat /tmp/check.out /tmp/check.err
	if [ -z "$ids" ] || ! grep -q Attaching /tmp/bt.out; then
		echo "detail: shimctl or bpftrace did not start"
		return 1
	fi
	# judged by the host's python3 on the JSON, one line per check
	py='import json, sys
d = json.load(open("/tmp/check.json"))
core, uapi = int(sys.argv[1]), int(sys.argv[2])
run = {p["id"]: p for p in d["running"]}
ok = True
def check(what, cond):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok = ok and cond
moves = lambda p: [(f["insn"], f["offset"], f["old_field"], f["new_field"]) for f in p["findings"]]
check("the CO-RE program (%d) is not named" % core, core in run and run[core]["findings"] == [])
u = run.get(uapi, {"findings": [], "evidence": "", "holders": ""})
check("uapi_args (%d): %s" % (uapi, moves(u)),
      {(f[1], f[2], f[3]) for f in moves(u)} == {(112, "di", "si"), (104, "si", "dx"), (96, "dx", "cx"),
                                                 (88, "cx", "ax"), (72, "r8", "r9"), (64, "r9", "r10")})
check("uapi_args evidence and holder", u["evidence"] == "BTF: pt_regs with UAPI names" and "shimctl[" in (u["holders"] or ""))
check("uapi_args pinned: %s" % u.get("pinned"), u.get("pinned") == "/sys/fs/bpf/ptregs_checklive")
src = [f.get("source") for f in u["findings"]]
check("uapi_args findings carry their source lines (kernel line info): %s" %
      sorted({(s["file"].rsplit("/", 1)[-1], s["line"]) for s in src if s}),
      bool(src) and all(s and s["file"].endswith(".c") and s["line"] > 0 for s in src))
bts = [p for p in d["running"] if p["holders"] and "bpftrace[" in p["holders"] and p["findings"]]
check("bpftrace: %s" % [(p["id"], p["name"], moves(p)) for p in bts],
      len(bts) >= 1 and any(("dx", "cx") in [(f[2], f[3]) for f in moves(p)] for p in bts))
check("bpftrace: no BTF", all(p["evidence"] == "no BTF" for p in bts))
sys.exit(0 if ok else 1)'
	if [ $rc = 1 ] && chroot "$HOST" python3 -c "$py" "$core" "$uapi" >/tmp/check.judge 2>&1; then
		cat /tmp/check.judge
		echo "detail: against $img: uapi_args ($uapi) and bpftrace's program named with their registers, core_args ($core) not; exit 1"
		return 0
	fi
	cat /tmp/check.judge
	echo "detail: against $img: exit $rc, expected 1 with uapi_args and bpftrace named and core_args not"
	return 1
}
