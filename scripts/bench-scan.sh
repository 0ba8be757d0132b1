#!/bin/bash
# make bench: 'ptregs scan' over every libbpf-tools executable (embedded
# objects found and analysed) against llvm-objdump -d -r disassembling the
# same objects once extracted.
set -eu
PTREGS=${1:-build/ptregs}
RUNS=${BENCH_RUNS:-5}
TMP=$(mktemp -d /tmp/ptregs-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

mapfile -t tools < <(dpkg -L libbpf-tools 2>/dev/null | grep '^/usr/sbin/.' | sort)
if [ "${#tools[@]}" -eq 0 ]; then
	echo "bench: libbpf-tools is not installed (make deps)" >&2
	exit 1
fi
OBJDUMP=$(command -v llvm-objdump || ls /usr/bin/llvm-objdump-* | head -1)

# extraction is not timed: it is what the user would have to do first
python3 - "$TMP" "${tools[@]}" <<'PY'
import struct, sys, os
out = sys.argv[1]
for path in sys.argv[2:]:
    data = open(path, 'rb').read()
    i = data.find(b'\x7fELF', 1)
    k = 0
    while i >= 0:
        if struct.unpack_from('<H', data, i + 18)[0] == 247:
            shoff, = struct.unpack_from('<Q', data, i + 0x28)
            shnum, = struct.unpack_from('<H', data, i + 0x3c)
            end = shoff + shnum * 64
            for s in range(shnum):
                off, size = struct.unpack_from('<QQ', data, i + shoff + s * 64 + 0x18)
                typ, = struct.unpack_from('<I', data, i + shoff + s * 64 + 4)
                if typ != 8:
                    end = max(end, off + size)
            name = os.path.join(out, f"{os.path.basename(path)}.{k}.bpf.o")
            open(name, 'wb').write(data[i:i + end])
            k += 1
        i = data.find(b'\x7fELF', i + 1)
PY
nobj=$(ls "$TMP"/*.bpf.o | wc -l)

. "$(dirname "$0")/lib.sh"

"$PTREGS" scan "${tools[@]}" 2>/dev/null | grep '^scanned' | sed 's/^/ptregs: /' || true
us_scan=$(median_us "$PTREGS" scan "${tools[@]}")
us_dump=$(median_us "$OBJDUMP" -d -r "$TMP"/*.bpf.o)
echo "${#tools[@]} executables, $nobj embedded objects"
awk -v a="$us_scan" -v b="$us_dump" -v r="$RUNS" 'BEGIN {
	printf "ptregs scan (find + analyse)   %8.1f ms (median of %d)\n", a / 1000, r
	printf "llvm-objdump -d -r (extracted) %8.1f ms (median of %d)\n", b / 1000, r
	printf "ratio scan/objdump             %8.3f (goal <= 1)\n", a / b
}'
