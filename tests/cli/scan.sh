#!/bin/bash
# ptregs scan from the command line: exit statuses, bad inputs, formats.
# Usage: PTREGS=build/ptregs BPF_OBJS=build/bpf PTREGS_FIXTURES=build/fixtures tests/cli/scan.sh
set -u
PTREGS=${PTREGS:-build/ptregs}
OBJS=${BPF_OBJS:-build/bpf}
FX=${PTREGS_FIXTURES:-build/fixtures}
HERE=$(dirname "$0")
TMP=$(mktemp -d /tmp/ptregs-scan.XXXXXX)
trap 'chmod -R u+rwx "$TMP"; rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"

UAPI=$OBJS/uapi
PTREGS_ABS=$(realpath "$PTREGS")
UAPI_ABS=$(realpath "$UAPI")
run help 0 help scan && has help "breaks-host-libbpf" out
run no-path 3 scan
run global-bogus 3 --bogus scan "$UAPI/handwritten.bpf.o"

# exit statuses: 1 breaks, 0 clean, --strict counts suspect ones
run uapi-breaks 1 scan "$UAPI/handwritten.bpf.o"
has uapi-breaks "handwritten.bpf.c:20:13: breaks: load ctx+112 (8 bytes): di before, si after" out
has uapi-breaks "| out_a = r->di;" out
run suspect-only 0 scan "$UAPI/sizeof_regs.bpf.o" && has_count suspect-only 1 suspect
run suspect-strict 1 scan --strict "$UAPI/sizeof_regs.bpf.o"
run clean-perf-member 0 scan --from builtin:legacy --to builtin:legacy "$UAPI/handwritten.bpf.o"
has_count clean-perf-member 0 breaks
# findings whose only bad verdicts are fails-to-load, or breaks-host-libbpf:
# exit 1 all the same (between equal layouts nothing breaks)
run fails-to-load-only 1 scan --from builtin:legacy --to builtin:legacy "$UAPI/kprobe_args.bpf.o"
has_count fails-to-load-only 0 breaks && has_count fails-to-load-only 2 fails-to-load
has_count fails-to-load-only 0 breaks-host-libbpf
run host-libbpf-only 1 scan --from builtin:legacy --to builtin:legacy "$UAPI/usdt.bpf.o"
has_count host-libbpf-only 0 breaks && has_count host-libbpf-only 0 fails-to-load
has_count host-libbpf-only 2 breaks-host-libbpf
if [ -d "$OBJS/core" ]; then
	run core-clean 0 scan "$OBJS/core/kprobe_args.bpf.o" && has_count core-clean 8 relocated
	run core-host-libbpf-only 1 scan "$OBJS/core/usdt.bpf.o"
	has_count core-host-libbpf-only 0 breaks && has_count core-host-libbpf-only 2 breaks-host-libbpf
	# core_relo records for a section with no line_info (a fuzzer find):
	# those records match no program, so their loads count as plain ones
	python3 "$HERE/elfpatch.py" "$OBJS/core/kprobe_args.bpf.o" "$TMP/orphan.o" btf-ext-core-orphan
	run core-orphan 1 scan "$TMP/orphan.o"
	has_count core-orphan 4 breaks && has_count core-orphan 0 fails-to-load
else
	missing core "no CO-RE objects in $OBJS/core (no kernel BTF for vmlinux.h?)"
fi

# .BTF.ext records longer than the format's fields (allowed, for forward
# compatibility: libbpf steps by the declared record size) read as the
# originals; records shorter than the minimum, and a block that runs past
# its subsection, are malformed
btf_ext_same() {	# NAME STATUS ORIGINAL PATCHED: the same findings, sources, CO-RE fields
	"$PTREGS" -j scan --all "$3" >"$TMP/orig.json" 2>/dev/null
	run "$1" "$2" -j scan --all "$4" || return
	python3 - "$TMP/orig.json" "$TMP/out" <<'PY' && ok || bad "$1: findings differ from the original's"
import json, sys
a, b = (json.load(open(f))['findings'] for f in sys.argv[1:])
strip = lambda fs: [{k: v for k, v in f.items() if k != 'file'} for f in fs]
sys.exit(0 if a and all(f.get('source') for f in a) and strip(a) == strip(b) else 1)
PY
}
python3 "$HERE/elfpatch.py" "$UAPI/kprobe_args.bpf.o" "$TMP/wide-line.o" btf-ext-rec-size 24 0
btf_ext_same btf-ext-wide-line_info 1 "$UAPI/kprobe_args.bpf.o" "$TMP/wide-line.o"
if [ -d "$OBJS/core" ]; then
	python3 "$HERE/elfpatch.py" "$OBJS/core/kprobe_args.bpf.o" "$TMP/wide-core.o" btf-ext-rec-size 20 28
	btf_ext_same btf-ext-wide-core_relo 0 "$OBJS/core/kprobe_args.bpf.o" "$TMP/wide-core.o"
	json_check btf-ext-wide-core_relo-count "d['summary']['relocated'] == 8"
	python3 "$HERE/elfpatch.py" "$OBJS/core/kprobe_args.bpf.o" "$TMP/short-core.o" btf-ext-rec-size 16 12
	run btf-ext-short-core_relo 2 scan "$TMP/short-core.o"
	has btf-ext-short-core_relo "short-core.o: malformed .BTF.ext: core_relo record size 12" err
fi
python3 "$HERE/elfpatch.py" "$UAPI/kprobe_args.bpf.o" "$TMP/short-line.o" btf-ext-rec-size 12 0
run btf-ext-short-line_info 2 scan "$TMP/short-line.o"
has btf-ext-short-line_info "short-line.o: malformed .BTF.ext: line_info record size 12" err
python3 "$HERE/elfpatch.py" "$UAPI/kprobe_args.bpf.o" "$TMP/past.o" btf-ext-count-past
run btf-ext-count-past 2 scan "$TMP/past.o"
has btf-ext-count-past "past.o: malformed .BTF.ext: line_info block claims [0-9]* records, [0-9]* bytes left" err

# JSON: the documented fields, relocated ones only with --all
run json 1 -j scan "$UAPI/kprobe_args.bpf.o"
json_check json "all(set(['file','program','section','insn','kind','verdict','offset','old_field','new_field','source']) <= set(f) for f in d['findings']) and not any(f['verdict']=='relocated' for f in d['findings'])"
json_check json-values "{'program':'direct_args','insn':1,'verdict':'breaks','offset':112,'old_field':'di','new_field':'si'}.items() <= [f for f in d['findings'] if f['insn']==1 and f['program']=='direct_args'][0].items() and d['summary']['fails_to_load']==2"
if [ -d "$OBJS/core" ]; then
	run json-all 1 -j scan --all "$UAPI/kprobe_args.bpf.o" "$OBJS/core/kprobe_args.bpf.o"
	json_check json-all "any(f['verdict']=='relocated' and f['core_field']=='di' for f in d['findings'])"
fi

# SARIF, written whole
run sarif 1 scan --sarif "$TMP/out.sarif" "$UAPI"
json_check sarif "d['version']=='2.1.0' and len(d['runs'][0]['results'])>=20 and {r['ruleId'] for r in d['runs'][0]['results']} >= {'PTREGS001','PTREGS002','PTREGS003','PTREGS004'} and all(r['locations'][0]['physicalLocation']['region']['startLine']>0 for r in d['runs'][0]['results'])" out.sarif
# each rule's level, and each result's: errors for what breaks or fails to load
json_check sarif-levels "{r['id']:r['defaultConfiguration']['level'] for r in d['runs'][0]['tool']['driver']['rules']}=={'PTREGS001':'error','PTREGS002':'error','PTREGS003':'error','PTREGS004':'warning','PTREGS005':'warning','PTREGS006':'note','PTREGS007':'note','PTREGS008':'note'} and all(r['level']=={'PTREGS001':'error','PTREGS002':'error','PTREGS003':'error','PTREGS004':'warning','PTREGS005':'warning'}.get(r['ruleId'],'note') for r in d['runs'][0]['results'])" out.sarif
if ls "$TMP"/out.sarif.* >/dev/null 2>&1; then bad "sarif: temporary file left"; else ok; fi
run sarif-unwritable 2 scan --sarif /nonexistent/dir/x.sarif "$UAPI/handwritten.bpf.o"
has sarif-unwritable "/nonexistent/dir/x.sarif" err
# under -j, one document, the failure among its errors
run sarif-unwritable-json 2 -j scan --sarif /nonexistent/dir/x.sarif "$UAPI/handwritten.bpf.o"
one_json sarif-unwritable-json
json_check sarif-unwritable-json "d['errors']==['/nonexistent/dir/x.sarif: No such file or directory'] and d['summary']['errors']==1 and d['summary']['breaks']==3"
run scan-json-usage 3 -j scan
one_json scan-json-usage && json_check scan-json-usage "list(d)==['error'] and 'no PATH' in d['error']"
run scan-json-bad-from 2 -j scan --from /nonexistent "$UAPI/handwritten.bpf.o"
one_json scan-json-bad-from && json_check scan-json-bad-from "list(d)==['error'] and '/nonexistent' in d['error']"
run keys-scan 1 -j scan --all "$UAPI" && snake_keys keys-scan
json_check keys-scan-summary "set(d['summary'])=={'files','hosts','objects','programs','breaks','fails_to_load','breaks_host_libbpf','suspect','unanalysed','relocated','safe_abi','unchanged','errors'} and 'fails-to-load' in {f['verdict'] for f in d['findings']}"

# SARIF: the umask decides the mode, as for any file the user creates
for mask_mode in 022:644 077:600; do
	(umask "${mask_mode%:*}" && "$PTREGS" scan --sarif "$TMP/mode.sarif" "$UAPI/flow.bpf.o" >/dev/null 2>&1)
	mode=$(stat -c %a "$TMP/mode.sarif")
	[ "$mode" = "${mask_mode#*:}" ] && ok || bad "sarif-mode: umask ${mask_mode%:*} gave $mode"
	rm -f "$TMP/mode.sarif"
done

# SARIF locations: relative to --sarif-base (uriBaseId SRCROOT), absolute
# file:// URIs outside it; one message per verdict, from the finding's fields
ROOT=$(cd "$HERE/../.." && pwd -P)
run sarif-base 1 scan --sarif "$TMP/base.sarif" --sarif-base "$ROOT" "$UAPI/handwritten.bpf.o" "$UAPI/usdt.bpf.o"
json_check sarif-base "d['runs'][0]['originalUriBaseIds']=={'SRCROOT':{'uri':'file://$ROOT/'}} and {'uri':'tests/bpf/progs/handwritten.bpf.c','uriBaseId':'SRCROOT'} in [r['locations'][0]['physicalLocation']['artifactLocation'] for r in d['runs'][0]['results']]" base.sarif
json_check sarif-outside "all(l['uri'].startswith('file:///') and 'uriBaseId' not in l for l in [r['locations'][0]['physicalLocation']['artifactLocation'] for r in d['runs'][0]['results'] if not r['properties']['source']['file'].startswith('$ROOT/')]) and any(r['properties']['source']['file'].startswith('/usr/') for r in d['runs'][0]['results'])" base.sarif
json_check sarif-host-libbpf "[r['message']['text'].split(';')[0] for r in d['runs'][0]['results'] if r['ruleId']=='PTREGS003']==['breaks-host-libbpf: variable-offset ctx at a USDT argument offset (USDT argument offsets come from the host program\\'s libbpf, computed with UAPI pt_regs offsets)']*2" base.sarif
json_check sarif-messages "not any('no field' in r['message']['text'] for r in d['runs'][0]['results'] if r['ruleId']!='PTREGS001') and all(r['message']['text'].startswith(r['properties']['verdict']+': ') for r in d['runs'][0]['results'])" base.sarif
# the same finding, the same fields in -j and in SARIF's properties
run sarif-fields 1 -j scan --sarif "$TMP/fields.sarif" "$UAPI/handwritten.bpf.o"
python3 -c "
import json, sys
j = json.load(open('$TMP/out'))['findings']
s = [r['properties'] for r in json.load(open('$TMP/fields.sarif'))['runs'][0]['results']]
sys.exit(0 if j == s else 1)" && ok || bad "sarif-fields: SARIF properties differ from the -j finding"
(cd "$ROOT/tests" && "$PTREGS_ABS" scan --sarif "$TMP/rel.sarif" "$UAPI_ABS/handwritten.bpf.o" >/dev/null 2>&1)
json_check sarif-default-base "d['runs'][0]['originalUriBaseIds']['SRCROOT']['uri']=='file://$ROOT/tests/' and d['runs'][0]['results'][0]['locations'][0]['physicalLocation']['artifactLocation']=={'uri':'bpf/progs/handwritten.bpf.c','uriBaseId':'SRCROOT'}" rel.sarif
run sarif-bad-base 2 scan --sarif "$TMP/x.sarif" --sarif-base /nonexistent "$UAPI/flow.bpf.o"
has sarif-bad-base "/nonexistent: SARIF base: No such file" err

# names that are not UTF-8 keep -j and SARIF valid: U+FFFD in JSON strings;
# valid UTF-8 passes through
cp "$UAPI/flow.bpf.o" "$TMP/bad$(printf '\377')name.bpf.o"
cp "$UAPI/flow.bpf.o" "$TMP/caf$(printf '\303\251').bpf.o"
run non-utf8 1 -j scan --sarif "$TMP/nonutf8.sarif" "$TMP/bad$(printf '\377')name.bpf.o" "$TMP/caf$(printf '\303\251').bpf.o"
one_json non-utf8
python3 -c "
import json, sys
d = json.load(open('$TMP/out', encoding='utf-8'))
s = json.load(open('$TMP/nonutf8.sarif', encoding='utf-8'))
files = {f['file'].rsplit('/', 1)[1] for f in d['findings']}
ok = files == {'bad\ufffdname.bpf.o', 'caf\u00e9.bpf.o'} and all(r['properties']['file'] in [f['file'] for f in d['findings']] for r in s['runs'][0]['results'])
sys.exit(0 if ok else 1)" && ok || bad "non-utf8: names not escaped as U+FFFD, or valid UTF-8 altered"

# backslashes in names are escaped in -j and SARIF
cp "$UAPI/flow.bpf.o" "$TMP/back\\slash.bpf.o"
run backslash 1 -j scan --sarif "$TMP/backslash.sarif" "$TMP/back\\slash.bpf.o"
one_json backslash && one_json backslash-sarif backslash.sarif
json_check backslash "d['findings'] and all(f['file'].endswith('/back\\\\slash.bpf.o') for f in d['findings'])"
json_check backslash-sarif "d['runs'][0]['results'] and all(r['properties']['file'].endswith('/back\\\\slash.bpf.o') for r in d['runs'][0]['results'])" backslash.sarif

# a failed write to stdout is an error, not "breaks"
"$PTREGS" scan "$UAPI/handwritten.bpf.o" >/dev/full 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && ok || bad "scan-dev-full: exit $rc, expected 2"
has scan-dev-full "standard output: No space left on device" err

# an executable embedding a BPF object, named after its host
cat "$FX/regs_dwarf" "$UAPI/handwritten.bpf.o" >"$TMP/host"
run embedded 1 -j scan "$TMP/host"
json_check embedded "d['summary']['hosts']==1 and d['findings'][0]['file'].endswith('/host') and '@0x' in d['findings'][0]['object']"

# bad inputs: a clear message naming the file, the rest still scanned, exit 2
head -c 300 "$UAPI/handwritten.bpf.o" >"$TMP/trunc.o"
run truncated 2 scan "$TMP/trunc.o" "$UAPI/handwritten.bpf.o"
has truncated "trunc.o: " err
has_count truncated 3 breaks
python3 "$HERE/elfpatch.py" "$UAPI/handwritten.bpf.o" "$TMP/partial.o" shrink-section kprobe/vfs_read 3
run partial-insn 2 scan "$TMP/partial.o"
has partial-insn "partial instruction" err
python3 "$HERE/elfpatch.py" "$UAPI/handwritten.bpf.o" "$TMP/lying.o" btf-ext-line-len 999999
run btf-ext-lies 2 scan "$TMP/lying.o" "$UAPI/kprobe_args.bpf.o"
has btf-ext-lies "lying.o: malformed .BTF.ext" err
has_count btf-ext-lies 6 breaks
printf '#include <linux/bpf.h>\n__attribute__((section("weird/thing"), used)) int w(void *c) { return 0; }\n' >"$TMP/weird.c"
clang -target bpf -O2 -g -c -o "$TMP/weird.o" "$TMP/weird.c"
run unknown-type 2 scan "$TMP/weird.o" && has unknown-type "unknown program type for section 'weird/thing'" err
printf 'not an object' >"$TMP/text"
run not-bpf 2 scan "$TMP/text" && has not-bpf "neither a BPF object" err
run missing 2 scan /nonexistent.o && has missing "/nonexistent.o: No such file" err
mkdir -p "$TMP/loop/sub" && ln -s .. "$TMP/loop/sub/up" && cp "$UAPI/flow.bpf.o" "$TMP/loop/"
run dir-loop 2 scan "$TMP/loop" && has dir-loop "directory loop" err && has_count dir-loop 2 breaks
cp "$UAPI/flow.bpf.o" "$TMP/secret.o" && chmod 000 "$TMP/secret.o" && chmod 755 "$TMP"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PTREGS" scan "$TMP/secret.o" \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && ok || bad "unreadable: exit $rc"
	has unreadable "Permission denied" err
elif [ "$(id -u)" -ne 0 ]; then
	run unreadable 2 scan "$TMP/secret.o" && has unreadable "Permission denied" err
fi

echo "scan-cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
