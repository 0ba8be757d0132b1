#!/bin/bash
# Debian's libbpf-tools as outside objects: every BPF object embedded in
# the executables is found (counted here independently of ptregs), their
# context reads are CO-RE so none breaks, and javagc, which attaches USDT
# probes through its statically linked libbpf, is listed as a USDT user.
set -u
PTREGS=${PTREGS:-build/ptregs}
TMP=$(mktemp -d /tmp/ptregs-lbt.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

mapfile -t tools < <(dpkg -L libbpf-tools 2>/dev/null | grep '^/usr/sbin/.' | sort)
if [ "${#tools[@]}" -eq 0 ]; then
	# make test installs the package: there its absence is a failure
	if [ "${PTREGS_REQUIRE_ALL:-0}" = 1 ]; then
		echo "FAIL: libbpf-tools not installed, PTREGS_REQUIRE_ALL=1" >&2
		echo "libbpf-tools: 0 passed, 1 failed (package not installed)"
		exit 1
	fi
	echo "libbpf-tools: 0 passed, 0 failed, 1 skipped (package not installed)"
	exit 0
fi

# embedded BPF ELF objects, found by their headers: EM_BPF, little-endian 64-bit
expected=$(python3 - "${tools[@]}" <<'PY'
import struct, sys
n = 0
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    i = data.find(b'\x7fELF', 1)
    while i >= 0:
        if data[i + 4] == 2 and data[i + 5] == 1 and struct.unpack_from('<H', data, i + 18)[0] == 247:
            n += 1
        i = data.find(b'\x7fELF', i + 1)
print(n)
PY
)
"$PTREGS" scan -j --all "${tools[@]}" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "scan exit $rc (expected 0: nothing breaks)"
python3 - "$TMP/out" "$expected" "${#tools[@]}" <<'PY' && ok || bad "libbpf-tools findings"
import json, sys
d = json.load(open(sys.argv[1]))
expected, ntools = int(sys.argv[2]), int(sys.argv[3])
s = d['summary']
problems = []
if s['objects'] != expected:
    problems.append(f"found {s['objects']} embedded objects, headers say {expected}")
if s['hosts'] != ntools:
    problems.append(f"{s['hosts']} of {ntools} executables embed BPF")
for k in ('breaks', 'fails_to_load', 'breaks_host_libbpf', 'errors'):
    if s[k]:
        problems.append(f"{s[k]} {k}")
if s['relocated'] < 50:
    problems.append(f"only {s['relocated']} relocated context reads")
if any(f['verdict'] not in ('relocated', 'safe-abi', 'unchanged') for f in d['findings']):
    problems.append('non-CO-RE findings: ' + str([f for f in d['findings'] if f['verdict'] != 'relocated'][:3]))
usdt = {u['file']: u for u in d['usdt']}
if '/usr/sbin/javagc' not in usdt:
    problems.append('javagc not listed as a USDT user')
for p in problems:
    print('  ' + p, file=sys.stderr)
print(f"libbpf-tools: {ntools} executables, {s['objects']} objects, {s['programs']} programs, "
      f"{s['relocated']} relocated reads, USDT users: {sorted(usdt)}")
sys.exit(1 if problems else 0)
PY
echo "libbpf-tools: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
