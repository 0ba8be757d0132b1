# Shared by the command-line test scripts: run ptregs, check what it said.
# Callers set PTREGS and TMP; results are counted in pass, fail and skip.
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# missing NAME WHY: a prerequisite of check NAME is absent. A skip, except
# under PTREGS_REQUIRE_ALL=1 (make test, which installs every prerequisite),
# where it is a failure.
missing() {
	if [ "${PTREGS_REQUIRE_ALL:-0}" = 1 ]; then
		bad "$1: $2 (PTREGS_REQUIRE_ALL=1: nothing may be skipped)"
	else
		skip=$((skip + 1))
		echo "SKIP: $1: $2" >&2
	fi
}

# run NAME EXPECTED_STATUS ARGS...: stdout in $TMP/out, stderr in $TMP/err
run() {
	local name=$1 want=$2 rc
	shift 2
	"$PTREGS" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	# UBSan exits 1 when it halts, which can equal the status we expect
	if grep -q -e 'runtime error:' -e 'ERROR: AddressSanitizer' "$TMP/err"; then
		bad "$name: sanitizer report: ptregs $*"
		grep -m3 -e 'runtime error:' -e 'ERROR: AddressSanitizer' "$TMP/err" | sed 's/^/    /' >&2
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit $rc, expected $want: ptregs $*"
		head -5 "$TMP/err" | sed 's/^/    /' >&2
		return 1
	fi
	ok
}

# has NAME PATTERN out|err
has() {
	if grep -q -- "$2" "$TMP/$3"; then
		ok
	else
		bad "$1: '$2' not in $3"
		head -20 "$TMP/$3" >&2
	fi
}

# has_count NAME N WHAT: the summary line counts exactly N WHAT ("0 breaks"
# is not "10 breaks")
has_count() {
	if grep -Eq -- "[:,] $2 $3(,|\$)" "$TMP/out"; then
		ok
	else
		bad "$1: '$2 $3' not in the summary"
		grep -m1 '^scanned' "$TMP/out" >&2
	fi
}

# json_check NAME PYTHON_EXPR [FILE]: EXPR over d, the parsed FILE (default out)
json_check() {
	if python3 -c "import json,sys; d=json.load(open('$TMP/${3:-out}')); sys.exit(0 if ($2) else 1)"; then
		ok
	else
		bad "$1: JSON check failed: $2"
		head -c 800 "$TMP/${3:-out}" >&2
	fi
}

# one_line_err NAME PATTERN: exactly one line on stderr, containing PATTERN
one_line_err() {
	if [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q -- "$2" "$TMP/err"; then
		ok
	else
		bad "$1: expected one line naming '$2' on stderr"
		cat "$TMP/err" >&2
	fi
}

# one_json NAME [FILE]: FILE (default out) is exactly one JSON document
one_json() {
	if python3 -m json.tool "$TMP/${2:-out}" >/dev/null 2>"$TMP/json.err"; then
		ok
	else
		bad "$1: not one JSON document: $(cat "$TMP/json.err")"
		head -c 800 "$TMP/${2:-out}" >&2
	fi
}

# snake_keys NAME [FILE]: every object key in the JSON document is snake_case
snake_keys() {
	if python3 - "$TMP/${2:-out}" <<'PY'; then
import json, re, sys
bad = set()
def walk(v):
    if isinstance(v, dict):
        bad.update(k for k in v if not re.fullmatch(r'[a-z][a-z0-9_]*', k))
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(json.load(open(sys.argv[1], encoding='utf-8')))
if bad:
    print(sorted(bad), file=sys.stderr)
    sys.exit(1)
PY
		ok
	else
		bad "$1: JSON keys not in snake_case"
	fi
}

# empty_out NAME: nothing on stdout
empty_out() {
	if [ -s "$TMP/out" ]; then
		bad "$1: printed on stdout"
		head -5 "$TMP/out" >&2
	else
		ok
	fi
}
