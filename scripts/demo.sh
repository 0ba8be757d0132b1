#!/bin/bash
# make demo: the pt_regs layouts, what the PKRS change does to them, where
# this machine's kernel stands, and which BPF programs would read the wrong
# registers: the bundled examples and the BPF tools installed here.
set -u
PTREGS=${1:-build/ptregs}
EXAMPLES=${2:-build/bpf}
CACHE=${PTREGS_CACHE:-/var/cache/ptregs}

hr() { printf '\n== %s\n\n' "$*"; }

hr "x86_64 struct pt_regs as Linux 6.1 lays it out (builtin:legacy)"
"$PTREGS" layout builtin:legacy

hr "With PKRS saved as its first member (builtin:pkrs), compared field by field"
"$PTREGS" diff builtin:legacy builtin:pkrs
rc=$?
echo "(exit status $rc: 12 means changed incompatibly)"

cat <<'TXT'

A BPF program or profiler built with the old offsets keeps reading offset
112 for the first argument; on the PKRS kernel that is si, the second one.
The verifier accepts it: every old offset is still inside the struct.
TXT

if [ -r /sys/kernel/btf/vmlinux ]; then
	hr "This machine's kernel ($(uname -r)) against the 6.1 layout"
	"$PTREGS" diff builtin:legacy /sys/kernel/btf/vmlinux
	rc=$?
	case $rc in
	0) echo "=> same layout as 6.1: programs built for it read the right registers here." ;;
	4) echo "=> changed, but every 6.1 register slot is where it was: old programs still read the right registers." ;;
	12) echo "=> registers moved: programs with 6.1 offsets read the wrong registers here." ;;
	*) echo "=> could not compare (exit $rc)" ;;
	esac
	if "$PTREGS" diff -q builtin:pkrs /sys/kernel/btf/vmlinux; then
		echo "=> this kernel carries the PKRS layout."
	fi
else
	hr "This machine's kernel has no BTF (/sys/kernel/btf/vmlinux): skipped"
fi

hr "Bundled example programs built against the UAPI headers ($EXAMPLES/uapi)"
"$PTREGS" scan "$EXAMPLES/uapi" >/tmp/ptregs-demo.$$ 2>&1
sed -n '1,12p' /tmp/ptregs-demo.$$
echo "    ..."
grep -E '^(scanned|usdt|verdict)' /tmp/ptregs-demo.$$
if [ -d "$EXAMPLES/core" ]; then
	hr "The same programs built with CO-RE ($EXAMPLES/core)"
	"$PTREGS" scan "$EXAMPLES/core" 2>&1 | grep -E '^(scanned|usdt|verdict)|breaks|suspect'
fi
rm -f /tmp/ptregs-demo.$$

tools=$(dpkg -L libbpf-tools 2>/dev/null | grep '^/usr/sbin/.' | sort)
if [ -n "$tools" ]; then
	hr "BPF tools installed on this machine (libbpf-tools: skeletons embedded in the executables)"
	# shellcheck disable=SC2086
	"$PTREGS" scan $tools 2>&1 | grep -E '^(scanned|usdt|verdict)|breaks:|fails-to-load:|suspect:'
fi

for k in "$CACHE"/build/linux-*-ptregs/vmlinux; do
	[ -r "$k" ] || continue
	base=${k%-ptregs/vmlinux}-base/vmlinux
	hr "The 6.1 kernels built here: what the series changes in every kernel type"
	if [ -r "$base" ]; then
		"$PTREGS" diff --all "$base" "$k" | grep -E '^(---|\+\+\+|struct|union|added|removed)|types compared'
	fi
	"$PTREGS" diff -q builtin:pkrs "$k" && echo "=> its pt_regs matches builtin:pkrs: pkrs at 0, 176 bytes."
	break
done

img=$(ls "$CACHE"/build/linux-*-ptregs/arch/x86/boot/bzImage 2>/dev/null | head -1)
hr "Upgrade check of this machine against ${img:-builtin:pkrs}: packages, known consumers, running programs"
"$PTREGS" check --kernel "${img:-builtin:pkrs}" 2>&1 | grep -vE '^      (evidence|remedy|[a-z_]+, insn)' | head -40

hr "Fixing the example programs ($EXAMPLES/uapi), then scanning them again"
cat <<'TXT'
Each object is fixed with CO-RE relocations (portable: right on the old
kernel and the new); an object with accesses CO-RE cannot express is
retargeted to the PKRS layout instead (--to builtin:pkrs: right there only);
what neither can fix is listed with its remedy.
TXT
work=$(mktemp -d /tmp/ptregs-demo-fix.XXXXXX)
mkdir -p "$work/portable" "$work/pkrs"
left=()
for o in "$EXAMPLES"/uapi/*.bpf.o; do
	b=${o##*/}
	if "$PTREGS" fix -o "$work/portable/$b" "$o" >"$work/out" 2>&1; then
		echo "  $b: $(head -n1 "$work/out" | sed -e "s|^[^:]*: ||" -e "s|; written to.*||")"
		continue
	fi
	rm -f "$work/portable/$b"
	if "$PTREGS" fix --to builtin:pkrs -o "$work/pkrs/$b" "$o" >"$work/out" 2>&1; then
		echo "  $b: $(head -n1 "$work/out" | sed -e "s|^[^:]*: ||" -e "s|; written to.*||")"
		continue
	fi
	rm -f "$work/pkrs/$b"
	left+=("$o")
done
echo
echo "Scan of the portable ones (old layout to new):"
"$PTREGS" scan "$work/portable" 2>&1 | grep -E '^(scanned|verdict)'
if ls "$work/pkrs"/*.o >/dev/null 2>&1; then
	echo "Scan of the retargeted ones (they now hold the PKRS offsets):"
	"$PTREGS" scan --from builtin:pkrs --to builtin:pkrs "$work/pkrs" 2>&1 | grep -E '^(scanned|verdict)'
fi
if [ ${#left[@]} -gt 0 ]; then
	echo
	echo "Not fixable in the object (the fixer says why, and what to do instead):"
	for o in "${left[@]}"; do
		"$PTREGS" fix -n "$o" 2>&1 | grep -E '^  LEFT' | sed -E 's/^  LEFT +[^ ]+ insn [0-9]+ \(([^)]*)\): ([a-z-]+): /\1: \2: /' |
			awk -F': ' '!seen[$2 FS $3]++' | head -3 | sed "s|^|  ${o##*/}: |"
	done
	echo "(docs/migration.md sends each verdict to its remedy)"
fi
rm -rf "$work"
exit 0
