#!/bin/bash
# ptregs check on a fixture root: a small dpkg database and the files of
# its packages (a UAPI-built object, a CO-RE one, an executable embedding
# an object, a program whose DWARF has the kernel's struct pt_regs and one
# with it only in its build-id debug file, a known consumer, a file of no
# package); the report is pinned by tests/check/expected/. Bad inputs: a
# corrupt kernel image, a package without a kernel, a dpkg database that
# cannot be read, no kernel at all.
# Usage: PTREGS=build/ptregs BPF_OBJS=build/bpf PTREGS_FIXTURES=build/fixtures tests/cli/check.sh
set -u
PTREGS=${PTREGS:-build/ptregs}
OBJS=${BPF_OBJS:-build/bpf}
FX=${PTREGS_FIXTURES:-build/fixtures}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
EXPECTED=$HERE/../check/expected
TMP=$(mktemp -d /tmp/ptregs-checkcli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"

# json_check NAME PYTHON_EXPR [FILE]: EXPR over d, the parsed FILE (default out)
json_check() {
	if python3 -c "import json,sys; d=json.load(open('$TMP/${3:-out}')); sys.exit(0 if ($2) else 1)"; then
		ok
	else
		bad "$1: $2"
		head -c 600 "$TMP/${3:-out}" >&2
	fi
}
# lines NAME COUNT PATTERN out|err: COUNT lines of $TMP/FILE match PATTERN
lines() {
	local n
	n=$(grep -c -- "$3" "$TMP/$4")
	[ "$n" = "$2" ] && ok || bad "$1: $n lines match '$3' in $4, expected $2"
}
# golden NAME FILE: stdout, the root's path written ROOT, equals FILE
golden() {
	sed "s|$R|ROOT|g; s|$TOP/||g; s|\.build-id/[0-9a-f]*/[0-9a-f]*\.debug|.build-id/NN/ID.debug|g" \
		"$TMP/out" >"$TMP/golden"
	if [ -n "${PTREGS_UPDATE_GOLDEN:-}" ]; then
		cp "$TMP/golden" "$2"
	fi
	if diff -u "$2" "$TMP/golden" >"$TMP/diff"; then
		ok
	else
		bad "$1: report differs from $2"
		head -40 "$TMP/diff" >&2
	fi
}

# ---- the fixture root --------------------------------------------------------
R=$TMP/root
mkdir -p "$R/var/lib/dpkg/info" "$R/usr/lib/uapi-probes" "$R/usr/lib/core-probes" \
	"$R/usr/bin" "$R/opt/local" "$R/boot"
pkg() { # NAME VERSION FILE... (status "install ok installed")
	local name=$1 version=$2
	shift 2
	printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: %s\nDescription: %s\n a fixture of tests/cli/check.sh\n\n' \
		"$name" "$version" "$name" >>"$R/var/lib/dpkg/status"
	printf '/.\n/usr\n' >"$R/var/lib/dpkg/info/$name.list"
	for f; do echo "$f" >>"$R/var/lib/dpkg/info/$name.list"; done
}
cp "$OBJS/uapi/kprobe_args.bpf.o" "$R/usr/lib/uapi-probes/args.bpf.o"
cp "$OBJS/uapi/kprobe_args.bpf.o" "$R/opt/local/stray.bpf.o"
cp "$FX/skel_host" "$R/usr/bin/skel-tool"
cp "$FX/regs_dwarf" "$R/usr/bin/regs-reader"
printf '#!/bin/sh\n' >"$R/usr/bin/bpftrace"
pkg uapi-probes 1.0-1 /usr/lib/uapi-probes /usr/lib/uapi-probes/args.bpf.o
pkg skel-tool 1.1-2 /usr/bin/skel-tool
pkg regs-reader 0.5-1 /usr/bin/regs-reader
pkg bpftrace 0.17.0-1 /usr/bin/bpftrace
# held (apt-mark hold): installed all the same
sed -i '/^Package: bpftrace$/,/^$/s/^Status: install ok installed$/Status: hold ok installed/' \
	"$R/var/lib/dpkg/status"
pkg unrelated 3.0-1 /usr/bin/unrelated
# a package removed but its list left: owns nothing
printf 'Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n' >>"$R/var/lib/dpkg/status"
echo /usr/bin/unrelated >"$R/var/lib/dpkg/info/gone.list"
if [ -e "$OBJS/core/kprobe_args.bpf.o" ]; then
	cp "$OBJS/core/kprobe_args.bpf.o" "$R/usr/lib/core-probes/args.bpf.o"
	pkg core-probes 2.0-1 /usr/lib/core-probes/args.bpf.o
else
	missing core-probes "no CO-RE build of kprobe_args (no /sys/kernel/btf/vmlinux)"
fi
# a kernel module with the kernel's pt_regs in its DWARF: it belongs to its
# kernel and is rebuilt with the new one, never a user (found by .modinfo,
# here under usr/lib/modules, where merged /usr has /lib/modules)
cat >"$TMP/mod.c" <<'EOF'
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
unsigned long fx_first_arg(struct pt_regs *regs) { return regs->di; }
EOF
printf 'license=GPL\0name=fx\0' >"$TMP/modinfo"
mkdir -p "$R/usr/lib/modules/6.1.0-fx/kernel" "$TMP/mods" "$TMP/nomods"
if gcc -g -O0 -c -o "$TMP/nomods/fx.o" "$TMP/mod.c" &&
	objcopy --add-section .modinfo="$TMP/modinfo" "$TMP/nomods/fx.o" \
		"$R/usr/lib/modules/6.1.0-fx/kernel/fx.ko"; then
	cp "$R/usr/lib/modules/6.1.0-fx/kernel/fx.ko" "$TMP/mods/fx.ko"
	pkg linux-image-fx 6.1.0-1 /usr/lib/modules/6.1.0-fx/kernel/fx.ko
	module=yes
else
	missing module "gcc -g -c or objcopy --add-section failed"
	module=
fi
# the kernel's pt_regs only in the build-id debug file of a stripped copy
id=$(readelf -n "$FX/regs_dwarf" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
if [ -n "$id" ]; then
	mkdir -p "$R/usr/lib/debug/.build-id/${id:0:2}"
	objcopy --only-keep-debug "$FX/regs_dwarf" "$R/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
	objcopy --strip-debug "$FX/regs_dwarf" "$R/usr/bin/regs-stripped"
	pkg regs-stripped 0.5-1 /usr/bin/regs-stripped
else
	missing build-id "regs_dwarf has no build id"
fi

# ---- the report ---------------------------------------------------------------
run report 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs -J 2
golden report "$EXPECTED/report.txt"
has report "^  package uapi-probes 1.0-1 (amd64)$" out
has report "^    ROOT/usr/lib/uapi-probes/args.bpf.o$" golden
has report "remedy: ptregs fix ROOT/usr/lib/uapi-probes/args.bpf.o" golden
has report "^  package skel-tool 1.1-2 (amd64)$" out
has report "ptregs fix --to builtin:pkrs ROOT/usr/bin/skel-tool" golden
has report "^  no package$" out
has report "ROOT/usr/bin/regs-reader: its debug info defines the kernel's struct pt_regs (168 bytes" golden
has report "package bpftrace 0.17.0-1 (amd64)" out
has report "^verdict: " out
if [ -e "$R/usr/lib/core-probes/args.bpf.o" ]; then
	# the CO-RE build reads through relocations: never listed
	if grep -q core-probes "$TMP/out"; then bad "report: the CO-RE object is listed"; else ok; fi
fi
run report-json 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs -j
json_check report-json "d['layout_changed'] and d['fields_moved'] == 21"
json_check report-json "sorted({f['package'] for f in d['files']}, key=str) == sorted({'uapi-probes', 'skel-tool', None}, key=str)"
json_check report-json "all(f['remedy'] for f in d['files'])"
json_check report-json "[k['package'] for k in d['known_consumers']] == ['bpftrace']"
users="['regs-reader']"
[ -n "$id" ] && users="['regs-reader', 'regs-stripped']"
json_check report-json "sorted(u['file'].rsplit('/', 1)[1] for u in d['debug_info_users']) == $users"
json_check report-json "d['running'] is None and d['summary']['files_breaking'] == 3"
json_check report-json "d['running_not_checked'].startswith('another --root')"
# the module is not a user; the same object without .modinfo is
if [ -n "$module" ]; then
	json_check report-json "not [u for u in d['debug_info_users'] if '/modules/' in u['file']]"
	run module 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs -j "$TMP/mods" "$TMP/nomods"
	json_check module "[u['file'].rsplit('/', 1)[1] for u in d['debug_info_users']] == ['fx.o']"
fi
run summary 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --summary
lines summary 5 . out
has summary "^details: .* check --kernel builtin:pkrs$" out
run sarif 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --sarif "$TMP/check.sarif"
if python3 -c "import json; d=json.load(open('$TMP/check.sarif')); assert d['version'] == '2.1.0' and d['runs'][0]['results']" 2>/dev/null; then ok; else bad "sarif: no results in $TMP/check.sarif"; fi
# debug-info users (PTREGS009) and known consumers (PTREGS010, located at the
# dpkg status file) are results too, their rules listed
results="[('PTREGS009', 'usr/bin/regs-reader', 'regs-reader')"
[ -n "$id" ] && results="$results, ('PTREGS009', 'usr/bin/regs-stripped', 'regs-stripped')"
results="$results, ('PTREGS010', 'var/lib/dpkg/status', 'bpftrace')]"
sarif_results="d['runs'][0]['results']"
json_check sarif "sorted((r['ruleId'], r['locations'][0]['physicalLocation']['artifactLocation']['uri'], r['properties']['package']) for r in $sarif_results if r['ruleId'] in ('PTREGS009', 'PTREGS010')) == $results" check.sarif
json_check sarif "{'PTREGS009', 'PTREGS010'} <= {r['id'] for r in d['runs'][0]['tool']['driver']['rules']}" check.sarif
json_check sarif "all(r['properties']['remedy'] and r['level'] == 'error' for r in $sarif_results if r['ruleId'] in ('PTREGS009', 'PTREGS010'))" check.sarif
json_check sarif "[r['properties']['evidence'] for r in $sarif_results if r['ruleId'] == 'PTREGS010'][0].startswith('tests/qemu/')" check.sarif
# a known consumer outside its version range is not listed
printf 'Package: bpftrace\nVersion: >= 0.20\nBreaks: x\nEvidence: y\nRemedy: z\n' >"$TMP/consumers"
run consumers-range 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --consumers "$TMP/consumers" -j
json_check consumers-range "d['known_consumers'] == []"
printf 'Package: bpftrace\nVersion: << 0.17.0-2\nBreaks: x\nEvidence: y\nRemedy: z\n' >"$TMP/consumers"
run consumers-range2 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --consumers "$TMP/consumers" -j
json_check consumers-range2 "[k['package'] for k in d['known_consumers']] == ['bpftrace']"
printf 'Package: bpftrace\nVersion: any\nBreaks: x\nEvidence: y\nRemedy: z' >"$TMP/consumers"
run consumers-no-final-newline 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --consumers "$TMP/consumers" -j
json_check consumers-no-final-newline "[k['remedy'] for k in d['known_consumers']] == ['z']"
printf 'Package: bpftrace\nVersion: any\nBreaks: x\n' >"$TMP/consumers"
run consumers-incomplete 2 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --consumers "$TMP/consumers"
has consumers-incomplete "lacks Breaks, Evidence or Remedy" err
run consumers-missing 2 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --consumers "$TMP/nope"
has consumers-missing "nope: No such file" err
# given paths instead of ROOT/usr and ROOT/opt
run paths 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs -j "$R/opt"
json_check paths "{f['package'] for f in d['files']} == {None} and d['summary']['files_scanned'] == 1"
# no layout change: said, nothing else looked at
run same 0 check --root "$R" --from builtin:legacy --kernel builtin:legacy
has same "every register where it was (168 bytes)" out
lines same 3 . out
# from a FRED kernel (6.9+) back to a classic one (6.1): the union aliases
# over cs and ss (csx, fred_cs, ssx, fred_ss) are on one side only and move
# nothing
run fred-to-legacy 0 check --root "$R" --from builtin:fred --kernel builtin:legacy
has fred-to-legacy "every register where it was (168 bytes)" out
lines fred-to-legacy 3 . out
run legacy-to-fred 0 check --root "$R" --from builtin:legacy --kernel builtin:fred -j
json_check legacy-to-fred "d['layout_changed'] is False"
# a FRED kernel to PKRS: the registers both have move; a program built
# against the classic 21-register pt_regs has OLD's layout by the fields
# both have, and is reported
users="['regs-reader']"
[ -n "$id" ] && users="['regs-reader', 'regs-stripped']"
run fred-to-pkrs 1 check --root "$R" --from builtin:fred --kernel builtin:pkrs -j
json_check fred-to-pkrs "d['fields_moved'] == 21"
json_check fred-to-pkrs "sorted(u['file'].rsplit('/', 1)[1] for u in d['debug_info_users']) == $users"
if [ -r /sys/kernel/btf/vmlinux ] && "$PTREGS" layout /sys/kernel/btf/vmlinux 2>/dev/null | grep -q ' csx '; then
	run host-fred-to-pkrs 1 check --root "$R" --from /sys/kernel/btf/vmlinux --kernel builtin:pkrs -j
	json_check host-fred-to-pkrs "sorted(u['file'].rsplit('/', 1)[1] for u in d['debug_info_users']) == $users"
fi
run same-json 0 check --root "$R" --from builtin:legacy --kernel builtin:legacy -j
json_check same-json "d['layout_changed'] is False"
# no files, no dpkg: the consumers are not checked, said so
run no-files 1 check --root "$R" --from builtin:legacy --kernel builtin:pkrs --no-files -j
json_check no-files "d['files'] == [] and d['summary']['files_scanned'] == 0"
mkdir -p "$TMP/bare/usr"
cp "$OBJS/uapi/kprobe_args.bpf.o" "$TMP/bare/usr/x.bpf.o"
run no-dpkg 1 check --root "$TMP/bare" --from builtin:legacy --kernel builtin:pkrs
has no-dpkg "^known consumers: not checked (.*var/lib/dpkg/status: No such file or directory)" out
has no-dpkg "^  (no dpkg database)$" out

# the running programs, not listable without privileges: the verdict says
# they were not checked, and why (text, --summary, JSON)
if setpriv --reuid=65534 --regid=65534 --clear-groups "$PTREGS" --version >/dev/null 2>&1; then
	asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif su nobody -s /bin/sh -c "$(printf '%q' "$PTREGS") --version" >/dev/null 2>&1; then
	asnobody() { su nobody -s /bin/sh -c "$(printf '%q ' "$@")"; }
fi
if [ "$(type -t asnobody)" = function ]; then
	chmod 711 "$TMP"
	printf '# no entries\n' >"$TMP/no-consumers"
	chmod 644 "$TMP/no-consumers"
	unpriv() { # NAME ARGS...: as nobody, exit 0 expected
		local name=$1 rc
		shift
		asnobody "$PTREGS" check --from builtin:legacy --kernel builtin:pkrs --no-files \
			--consumers "$TMP/no-consumers" "$@" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' "$TMP/err"; then
			bad "$name: sanitizer report"
		elif [ "$rc" = 0 ]; then
			ok
		else
			bad "$name: exit $rc, expected 0"
			head -5 "$TMP/err" >&2
		fi
	}
	not_checked="the running BPF programs were not checked (cannot list them: Operation not permitted: needs root)"
	unpriv unprivileged
	has unprivileged "^verdict: nothing on this machine reads the wrong registers on the new kernel; $not_checked\$" out
	has unprivileged "^running BPF programs: not checked (cannot list them: " out
	has unprivileged "cannot list the running BPF programs (Operation not permitted: needs root); going on without them" err
	unpriv unprivileged-summary --summary
	has unprivileged-summary "^verdict: .*; $not_checked\$" out
	unpriv unprivileged-json -j
	json_check unprivileged-json "d['running'] is None and d['running_not_checked'] == 'cannot list the running BPF programs: Operation not permitted: needs root'"
	chmod 700 "$TMP"
else
	echo "SKIP: unprivileged: neither setpriv nor su runs $PTREGS as nobody" >&2
	skip=$((skip + 1))
fi
# dpkg file lists that cannot be read: a warning naming each, the rest read
cp -a "$R" "$TMP/badlist"
rm "$TMP/badlist/var/lib/dpkg/info/regs-reader.list" "$TMP/badlist/var/lib/dpkg/info/uapi-probes.list"
mkdir "$TMP/badlist/var/lib/dpkg/info/regs-reader.list"
ln -s "$TMP/nonexistent" "$TMP/badlist/var/lib/dpkg/info/uapi-probes.list"
run dpkg-list-unreadable 1 check --root "$TMP/badlist" --from builtin:legacy --kernel builtin:pkrs -j
has dpkg-list-unreadable "warning: .*badlist/var/lib/dpkg/info/regs-reader.list: Is a directory" err
has dpkg-list-unreadable "warning: .*badlist/var/lib/dpkg/info/uapi-probes.list: No such file or directory" err
json_check dpkg-list-unreadable "[u['package'] for u in d['debug_info_users'] if u['file'].endswith('/regs-reader')] == ['no package'] and 'skel-tool' in {f['package'] for f in d['files']}"

# ---- bad inputs ----------------------------------------------------------------
head -c 600 /dev/zero >"$TMP/bad-image"
printf 'HdrS' | dd of="$TMP/bad-image" bs=1 seek=514 conv=notrunc 2>/dev/null
printf '\x55\xaa' | dd of="$TMP/bad-image" bs=1 seek=510 conv=notrunc 2>/dev/null
printf '\x0f\x02' | dd of="$TMP/bad-image" bs=1 seek=518 conv=notrunc 2>/dev/null
run corrupt-bzimage 2 check --root "$R" --from builtin:legacy --kernel "$TMP/bad-image"
has corrupt-bzimage "bad-image: truncated kernel image" err
lines corrupt-bzimage 0 . out
printf '!<arch>\n' >"$TMP/empty.deb"
run deb-without-data 2 check --root "$R" --from builtin:legacy --kernel "$TMP/empty.deb"
has deb-without-data "empty.deb: no data.tar member: not a Debian package" err
mkdir -p "$TMP/pkgroot/DEBIAN" "$TMP/pkgroot/usr/share/doc/x"
printf 'Package: x\nVersion: 1\nArchitecture: all\nMaintainer: x <x@x>\nDescription: x\n' >"$TMP/pkgroot/DEBIAN/control"
echo x >"$TMP/pkgroot/usr/share/doc/x/README"
if dpkg-deb --build "$TMP/pkgroot" "$TMP/nokernel.deb" >/dev/null 2>&1; then
	run deb-without-kernel 2 check --root "$R" --from builtin:legacy --kernel "$TMP/nokernel.deb"
	has deb-without-kernel "nokernel.deb: no boot/vmlinuz-\* in the package" err
else
	missing deb-without-kernel "dpkg-deb failed"
fi
run no-kernel 2 check --root "$R" --from builtin:legacy
has no-kernel "no kernel named (--kernel) and no .*boot/vmlinuz-\* other than the running kernel's" err
run kernel-missing 2 check --root "$R" --from builtin:legacy --kernel "$TMP/none"
has kernel-missing "none: No such file or directory" err
cp -a "$R" "$TMP/baddb"
rm "$TMP/baddb/var/lib/dpkg/status"
mkdir "$TMP/baddb/var/lib/dpkg/status"
run dpkg-unreadable 2 check --root "$TMP/baddb" --from builtin:legacy --kernel builtin:pkrs
has dpkg-unreadable "dpkg database: .*var/lib/dpkg/status: Is a directory" err
cp -a "$R" "$TMP/garbled"
printf 'Package: a\nStatus: install ok installed\nthis is no field\n' >"$TMP/garbled/var/lib/dpkg/status"
run dpkg-garbled 2 check --root "$TMP/garbled" --from builtin:legacy --kernel builtin:pkrs
has dpkg-garbled "not a dpkg status file" err
run usage-jobs 3 check --root "$R" --kernel builtin:pkrs -J 0
run usage-option 3 check --bogus
run help 0 help check
has help "--kernel NEW" out

# ---- the kernel postinst hook: a summary, never a failure ------------------------
HOOK=$HERE/../../btf-tools/kernel-postinst
mkdir -p "$TMP/bin"
ln -sf "$(cd "$(dirname "$PTREGS")" && pwd)/$(basename "$PTREGS")" "$TMP/bin/ptregs"
hook() { # NAME EXPECTED-OUTPUT-PATTERN ARGS...: exit 0 always
	local name=$1 want=$2 rc
	shift 2
	PATH=$TMP/bin:$PATH PTREGS_DEFAULTS=$TMP/defaults sh "$HOOK" "$@" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then bad "$name: the hook exited $rc"; return; fi
	ok
	if [ -z "$want" ]; then
		[ -s "$TMP/out" ] && bad "$name: said something: $(head -3 "$TMP/out")" || ok
	else
		has "$name" "$want" out
	fi
}
: >"$TMP/defaults"
if [ -r /sys/kernel/btf/vmlinux ]; then
	cp /sys/kernel/btf/vmlinux "$TMP/vmlinuz-same"
	hook hook-same "^ptregs: pt_regs: every register where it was" 6.1.0-test "$TMP/vmlinuz-same"
else
	missing hook-same "no /sys/kernel/btf/vmlinux"
fi
hook hook-missing-image "" 6.1.0-test "$TMP/no-such-image"
hook hook-bad-image "^ptregs: .*truncated kernel image" 6.1.0-test "$TMP/bad-image"
echo PTREGS_CHECK=no >"$TMP/defaults"
hook hook-off "" 6.1.0-test "$TMP/bad-image"
printf 'PTREGS_CHECK=yes\nif then fi (\nexit 1\n' >"$TMP/defaults"
hook hook-broken-defaults "^ptregs: .*truncated kernel image" 6.1.0-test "$TMP/bad-image"
printf 'PTREGS_CHECK_TIMEOUT=0.001\n' >"$TMP/defaults"
hook hook-timeout "^ptregs: gave up after 0.001s; run: ptregs check --kernel " 6.1.0-test "$TMP/bad-image"

echo "check-cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
