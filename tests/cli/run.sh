#!/bin/bash
# Command-line behaviour of ptregs: exit statuses, messages, JSON shape.
# Usage: PTREGS=build/ptregs PTREGS_FIXTURES=build/fixtures tests/cli/run.sh
set -u

PTREGS=${PTREGS:-build/ptregs}
FX=${PTREGS_FIXTURES:-build/fixtures}
TMP=$(mktemp -d /tmp/ptregs-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# help, version, usage
run help 0 --help && has help "layout" out && has help "builtin:pkrs" out
run help-layout 0 help layout && has help-layout "--struct" out
run help-diff 0 help diff && has help-diff "12 changed incompatibly" out
run layout-h 0 layout -h
run version 0 --version && has version "^ptregs [0-9]" out
run no-command 3
run bad-command 3 frobnicate && one_line_err bad-command "frobnicate"
run bad-option 3 layout --nope builtin:legacy
run layout-no-source 3 layout
run diff-one-source 3 diff builtin:legacy
run diff-struct-and-all 3 diff --all --struct x builtin:legacy builtin:pkrs

# layout
run layout-legacy 0 layout builtin:legacy && has layout-legacy "112     8  di" out
run layout-json 0 -j layout builtin:pkrs
json_check layout-json "d['struct']=='pt_regs' and d['size']==176 and d['source']=='builtin:pkrs' and d['fields'][0]=={'name':'pkrs','offset':0,'size':8,'type':'long unsigned int'} and [f['offset'] for f in d['fields'] if f['name']=='di']==[120]"
run layout-json-after 0 layout -j builtin:legacy
json_check layout-json-after "len(d['fields'])==21"
run layout-dwarf 0 layout --struct user_regs_struct "$FX/regs_dwarf"
has layout-dwarf "fs_base" out
run layout-force-dwarf 0 -j layout --dwarf "$FX/regs_bpf.o"
json_check layout-force-dwarf "d['source'].startswith('dwarf:') and any(f['name']=='csx' and f['offset']==136 and f['size']==8 for f in d['fields'])"
run layout-btf-first 0 -j layout "$FX/regs_bpf.o"
json_check layout-btf-first "d['source'].startswith('btf:')"
run layout-bitfield 0 -j layout --struct fred_ss "$FX/regs_bpf.o"
json_check layout-bitfield "[(f['bit_offset'],f['bit_size']) for f in d['fields'] if f['name']=='vector']==[(32,8)]"

# bad input: one line on stderr naming the file, exit 2, JSON error under -j
run missing 2 layout /nonexistent/file && one_line_err missing "/nonexistent/file"
printf 'hello' >"$TMP/text"
run text 2 layout "$TMP/text" && one_line_err text "not a BTF or ELF file"
run text-json 2 -j layout "$TMP/text"
json_check text-json "'not a BTF or ELF' in d['error']"
head -c 100 "$FX/regs_dwarf" >"$TMP/trunc"
run trunc-elf 2 layout "$TMP/trunc" && one_line_err trunc-elf "malformed ELF"
run nodebug 2 layout "$FX/nodebug.o" && one_line_err nodebug "neither .BTF nor DWARF"
run no-struct 2 layout --struct no_such "$FX/regs_bpf.o" && one_line_err no-struct "no_such"
run no-builtin 2 layout builtin:nope && one_line_err no-builtin "builtin:nope"
if [ -r /sys/kernel/btf/vmlinux ]; then
	head -c 4000 /sys/kernel/btf/vmlinux >"$TMP/trunc.btf"
	run trunc-btf 2 layout "$TMP/trunc.btf" && one_line_err trunc-btf "invalid BTF"
fi

# diff exit statuses: 0 same, 4 compatible, 12 incompatible, 2 error
run diff-same 0 diff builtin:legacy builtin:legacy && has diff-same "no change" out
run diff-pkrs 12 diff builtin:legacy builtin:pkrs
has diff-pkrs "moved    di       offset 112 -> 120, size 8; a read at 112 now gets si" out
has diff-pkrs "size 168 -> 176 (+8), changed incompatibly" out
run diff-fred 4 diff builtin:legacy builtin:fred
has diff-fred "old slot kept by csx" out
run diff-quiet 12 diff -q builtin:legacy builtin:pkrs
if [ -s "$TMP/out" ]; then bad "diff -q printed"; else ok; fi
run diff-json 12 -j diff builtin:legacy builtin:pkrs
json_check diff-json "d['verdict']=='incompatible' and d['types'][0]['old_size']==168 and d['types'][0]['new_size']==176 and sum(c['change']=='moved' for c in d['types'][0]['changes'])==21 and {'change':'moved','name':'di','old_offset':112,'old_size':8,'new_offset':120,'new_size':8,'now_at_old_offset':'si','incompatible':True} in d['types'][0]['changes']"
run diff-dwarf-vs-builtin 0 diff "$FX/regs_dwarf" builtin:legacy
run diff-missing 2 diff builtin:legacy /nonexistent && one_line_err diff-missing "/nonexistent"
# a diff that fails prints nothing but the error: no half document, no header
run diff-struct-missing 2 -j diff --struct nope "$FX/regs_bpf.o" "$FX/regs_bpf.o"
json_check diff-struct-missing "list(d)==['error'] and 'nope' in d['error']"
run diff-struct-missing-text 2 diff --struct nope "$FX/regs_bpf.o" "$FX/regs_bpf.o"
empty_out diff-struct-missing-text && one_line_err diff-struct-missing-text "nope"
run diff-all 0 diff --all "$FX/regs_bpf.o" "$FX/regs_bpf.o"
has diff-all "types compared: .* 0 changed incompatibly" out
run diff-all-json 4 -j diff --all builtin:legacy "$FX/regs_bpf.o"
json_check diff-all-json "d['verdict']=='compatible' and 'struct nested' in d['added_types'] and d['summary']['compared']==1"

# one exit-status scheme: 3 for every usage error, global or not, with
# messages that say ptregs (not argv[0], not getopt's own)
run global-bogus 3 --bogus scan x && one_line_err global-bogus "^ptregs: unknown option '--bogus'"
for cmd_opt in layout:--struct diff:--struct scan:--from; do
	cmd=${cmd_opt%%:*}
	run "$cmd-bad-long" 3 "$cmd" --bogus x
	one_line_err "$cmd-bad-long" "^ptregs: $cmd: unknown option '--bogus' (see 'ptregs help $cmd')$"
	run "$cmd-bad-short" 3 "$cmd" -Z x
	one_line_err "$cmd-bad-short" "^ptregs: $cmd: unknown option '-Z'"
	run "$cmd-json-bad" 3 -j "$cmd" "${cmd_opt#*:}"
	one_json "$cmd-json-bad" && json_check "$cmd-json-bad" "list(d)==['error'] and 'needs an argument' in d['error']"
	run "$cmd-help-status" 0 help "$cmd" && has "$cmd-help-status" "3 usage error" out
done
run layout-no-arg-flag 3 layout --dwarf=yes builtin:legacy
one_line_err layout-no-arg-flag "option '--dwarf' takes no argument"
run no-command-json 3 -j && one_json no-command-json && json_check no-command-json "'no command' in d['error']"
run missing-json 2 -j layout /nonexistent/file && one_json missing-json

# a failed write to stdout is an error, whatever the result would have been
for args in "layout builtin:legacy" "diff builtin:legacy builtin:pkrs" "-j diff builtin:legacy builtin:pkrs"; do
	# shellcheck disable=SC2086
	"$PTREGS" $args >/dev/full 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && ok || bad "dev-full: ptregs $args: exit $rc, expected 2"
	one_line_err "dev-full: $args" "^ptregs: standard output: No space left on device"
done

# JSON keys are bpftool's snake_case everywhere
run keys-layout 0 -j layout --struct fred_ss "$FX/regs_bpf.o" && snake_keys keys-layout
run keys-diff 4 -j diff --all builtin:legacy "$FX/regs_bpf.o" && snake_keys keys-diff

# bitfields read the same in layout and diff: BYTE.BIT and SIZE:BITS
run layout-bitfield-text 0 layout --struct fred_ss "$FX/regs_bpf.o"
has layout-bitfield-text "^ *4\.0 *8:8 *vector " out

# a damaged BTF file says what is wrong with it: the header's own numbers
# from ptregs, the rest in libbpf's words
if [ -r /sys/kernel/btf/vmlinux ]; then
	python3 - /sys/kernel/btf/vmlinux "$TMP" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
b = bytearray(open(src, 'rb').read())
struct.pack_into('<I', b, 20, 0x40000000)	# str_len far beyond the file
open(out + '/bad-len.btf', 'wb').write(b)
b = bytearray(open(src, 'rb').read())
hdr_len, type_off = struct.unpack_from('<II', b, 4)
info = struct.unpack_from('<I', b, hdr_len + type_off + 4)[0]
struct.pack_into('<I', b, hdr_len + type_off + 4, (info & ~(0x1f << 24)) | (31 << 24))
open(out + '/bad-kind.btf', 'wb').write(b)	# type [1] of an unknown kind
PY
	run bad-btf-header 2 layout "$TMP/bad-len.btf"
	one_line_err bad-btf-header "bad-len.btf: invalid BTF: truncated: the string section ends at byte [0-9]*"
	run bad-btf-reason 2 layout "$TMP/bad-kind.btf"
	one_line_err bad-btf-reason "bad-kind.btf: invalid BTF: libbpf refused it (Invalid argument) (libbpf: Unsupported BTF_KIND:31)"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
