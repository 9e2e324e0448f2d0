#!/usr/bin/env bash
# zcn_cli_test.sh ZCN: the command-line tests of zcn (ctest: zcn-cli).
#   exit codes and --help of every command; the command line's edges (unknown -x, --flag=value, "--", no response
#   files, no /h help); copy and cat byte identity (cmp, cat); closed standard descriptors and stderr on /dev/full;
#   progress drawn only on a terminal; bench --quick --json lists every scenario, method and impl; SIGINT during bench
#   leaves no temporary files. Prints "N passed, N failed" last and exits non-zero when anything failed. Every wait is
#   bounded. (zcn_conformance.sh compares copy and cat with cp and cat; this file checks what is zcn's own.)
set -u
ZCN=${1:?usage: zcn_cli_test.sh path/to/zcn}
ZCN=$(readlink -f "$ZCN")
[ -x "$ZCN" ] || { echo "zcn not found at $ZCN"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/zcn-cli-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1"; }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
lacks() { ! grep -q -e "$1" "$2"; } # lacks TEXT FILE: FILE does not contain TEXT
expect_exit() { # expect_exit NAME CODE COMMAND...
  local name=$1 code=$2; shift 2
  "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$name (exit $rc)"; else bad "$name: exit $rc, expected $code: $(head -c 300 "$WORK/err")"; fi
}

# ---- exit codes and --help ----------------------------------------------------------------------------------
expect_exit "--version" 0 "$ZCN" --version
check "--version prints the version" grep -q "^zcn [0-9]" "$WORK/out"
expect_exit "--help" 0 "$ZCN" --help
check "--help lists the commands" grep -q "bench" "$WORK/out"
expect_exit "no command" 2 "$ZCN"
expect_exit "unknown command" 2 "$ZCN" frobnicate
for cmd in bench copy cat info; do
  expect_exit "$cmd --help" 0 "$ZCN" "$cmd" --help
  check "$cmd --help shows usage" grep -q "usage: zcn $cmd" "$WORK/out"
  expect_exit "$cmd with an unknown option" 2 "$ZCN" "$cmd" --no-such-option
done
expect_exit "bench --runs 0" 2 "$ZCN" bench --runs 0
expect_exit "bench --size nonsense" 2 "$ZCN" bench --size lots
expect_exit "bench --only unknown scenario" 2 "$ZCN" bench --only nowhere
expect_exit "bench --size without a value" 2 "$ZCN" bench --size
expect_exit "bench --only an unknown method" 2 "$ZCN" bench --only scan/nothing
expect_exit "bench with an argument" 2 "$ZCN" bench extra
expect_exit "bench --only a family with an unknown method" 2 "$ZCN" bench --only zerocopy-send/nothing
expect_exit "bench --only a prefix that names no family" 2 "$ZCN" bench --only zerocopy
"$ZCN" bench --help >"$WORK/out" 2>&1
check "bench --help lists the catalog's methods (small-blocks among them)" grep -q "small-blocks  *sendfile-4k" "$WORK/out"
timeout 60 "$ZCN" bench --only zerocopy-send/send --size 1M --runs 1 --json - >"$WORK/family.json" 2>/dev/null
check "bench --only zerocopy-send runs both message sizes and nothing else" python3 -c '
import json, sys
rows = {(r["scenario"], r["method"]) for r in json.load(open(sys.argv[1]))["results"]}
sys.exit(rows != {("zerocopy-send-64k", "send"), ("zerocopy-send-1m", "send")})' "$WORK/family.json"
expect_exit "bench --json=- with --size=1K (too small)" 2 "$ZCN" bench --json=- --size=1K
expect_exit "info --json=x (a flag takes no value)" 2 "$ZCN" info --json=x
expect_exit "info with two paths" 2 "$ZCN" info / /
expect_exit "copy without DST" 2 "$ZCN" copy "$WORK/x"
expect_exit "copy --method bogus" 2 "$ZCN" copy a b --method bogus
expect_exit "copy of a missing file" 1 "$ZCN" copy "$WORK/missing" "$WORK/y"
check "the runtime error names the errno" grep -q "ENOENT" "$WORK/err"
expect_exit "cat of a missing file" 1 "$ZCN" cat "$WORK/missing"
expect_exit "info" 0 "$ZCN" info
check "info reports the kernel" grep -q "^kernel" "$WORK/out"
expect_exit "info --json" 0 "$ZCN" info --json "$WORK"
check "info --json is valid JSON" python3 -m json.tool "$WORK/out"
check "info --json has pipe_max_size and dio" python3 -c "import json,sys; d=json.load(open('$WORK/out')); assert d['pipe_max_size']>0 and d['dio']['mem_align']>0 and 'splice' in d['available']"

# ---- copy: byte identity, mode, refusal to overwrite ----------------------------------------------------------
head -c 3000017 /dev/urandom >"$WORK/src"
chmod 640 "$WORK/src"
: >"$WORK/empty"
for method in auto copy_file_range sendfile splice readwrite; do
  expect_exit "copy --method $method" 0 "$ZCN" copy "$WORK/src" "$WORK/dst-$method" --method "$method"
  check "copy --method $method is byte-identical (cmp)" cmp "$WORK/src" "$WORK/dst-$method"
  check "copy --method $method keeps the mode" test "$(stat -c %a "$WORK/dst-$method")" = 640
done
expect_exit "copy of an empty file" 0 "$ZCN" copy "$WORK/empty" "$WORK/empty-copy"
check "copy of an empty file is empty" cmp "$WORK/empty" "$WORK/empty-copy"
echo "keep me" >"$WORK/existing"
expect_exit "copy refuses to overwrite" 1 "$ZCN" copy "$WORK/src" "$WORK/existing"
check "the refusal names EEXIST" grep -q "EEXIST" "$WORK/err"
check "the refused target is untouched" grep -q "keep me" "$WORK/existing"
expect_exit "copy --force --progress overwrites" 0 "$ZCN" copy "$WORK/src" "$WORK/existing" --force --progress
check "the overwritten copy is byte-identical" cmp "$WORK/src" "$WORK/existing"
check "--progress draws on stderr" grep -q "100.0%" "$WORK/err"

# ---- cat: byte identity against cat, through a pipe and through a redirect ----------------------------------
printf 'second file\n' >"$WORK/small"
cat "$WORK/src" "$WORK/small" "$WORK/empty" "$WORK/src" >"$WORK/expected"
"$ZCN" cat "$WORK/src" "$WORK/small" "$WORK/empty" "$WORK/src" | cat >"$WORK/piped"
check "cat through a pipe equals cat" cmp "$WORK/expected" "$WORK/piped"
"$ZCN" cat "$WORK/src" "$WORK/small" "$WORK/empty" "$WORK/src" >"$WORK/redirected"
check "cat through a redirect equals cat" cmp "$WORK/expected" "$WORK/redirected"
printf 'head\n' >"$WORK/appended"
"$ZCN" cat "$WORK/src" >>"$WORK/appended"
{ printf 'head\n'; cat "$WORK/src"; } >"$WORK/appended-expected"
check "cat appending (>>) equals cat" cmp "$WORK/appended-expected" "$WORK/appended"
cat "$WORK/src" | "$ZCN" cat - >"$WORK/from-stdin"
check "cat - reads stdin" cmp "$WORK/src" "$WORK/from-stdin"

# ---- the command line's edges ----------------------------------------------------------------------------------
expect_exit "-V" 0 "$ZCN" -V
expect_exit "the word help" 0 "$ZCN" help
check "help prints the usage on stdout" grep -q "usage: zcn" "$WORK/out"
expect_exit "cat -x (an unknown short option, not a file)" 2 "$ZCN" cat -x
check "the usage error names the option" grep -q "'-x'" "$WORK/err"
expect_exit "cat -- -x (after --, a file name)" 1 "$ZCN" cat -- -x
check "cat -- -x reports the file" grep -q "ENOENT" "$WORK/err"
expect_exit "copy --force=yes (a flag takes no value)" 2 "$ZCN" copy --force=yes a b
expect_exit "cat /h (a file, not a help alias)" 1 "$ZCN" cat /h
printf 'not a response file\n' >"$WORK/@args"
(cd "$WORK" && "$ZCN" cat @args >"$WORK/at-out" 2>"$WORK/at-err")
check "cat @args reads the file @args (no response files)" cmp "$WORK/@args" "$WORK/at-out"
expect_exit "copy --method=splice (inline value)" 0 "$ZCN" copy --method=splice "$WORK/small" "$WORK/small-inline"
check "copy --method=splice copied" cmp "$WORK/small" "$WORK/small-inline"

# ---- closed standard descriptors, stderr that cannot be written ----------------------------------------------
# The runtime opens /dev/urandom into the lowest free descriptor before Main: with 0 closed, that is 0.
timeout 10 "$ZCN" cat <&- >"$WORK/closed-in" 2>"$WORK/err"
rc=$?
if [ $rc -eq 1 ]; then ok "cat <&- (exit 1)"; else bad "cat <&-: exit $rc, expected 1"; fi
check "cat <&- writes nothing" test ! -s "$WORK/closed-in"
check "cat <&- says EBADF" grep -q "EBADF" "$WORK/err"
timeout 10 "$ZCN" copy /dev/stdin "$WORK/closed-copy" <&- 2>"$WORK/err"
rc=$?
if [ $rc -eq 1 ]; then ok "copy /dev/stdin d <&- (exit 1)"; else bad "copy /dev/stdin d <&-: exit $rc, expected 1"; fi
check "copy /dev/stdin d <&- creates no d" test ! -e "$WORK/closed-copy"
check "copy /dev/stdin d <&- names standard input" grep -q "standard input" "$WORK/err"
"$ZCN" cat "$WORK/small" >&- 2>"$WORK/err"
rc=$?
if [ $rc -eq 1 ]; then ok "cat f >&- (exit 1)"; else bad "cat f >&-: exit $rc, expected 1"; fi
check "cat f >&- says EBADF" grep -q "EBADF" "$WORK/err"
"$ZCN" --version >&- 2>/dev/null
rc=$?
if [ $rc -eq 1 ]; then ok "--version >&- (exit 1)"; else bad "--version >&-: exit $rc, expected 1"; fi
"$ZCN" copy "$WORK/missing" "$WORK/y" 2>&-
rc=$?
if [ $rc -eq 1 ]; then ok "copy of a missing file 2>&- (exit 1)"; else bad "copy of a missing file 2>&-: exit $rc, expected 1"; fi
"$ZCN" copy "$WORK/missing" "$WORK/y" 2>/dev/full
rc=$?
if [ $rc -eq 1 ]; then ok "copy of a missing file 2>/dev/full (exit 1)"; else bad "copy of a missing file 2>/dev/full: exit $rc, expected 1"; fi
"$ZCN" frobnicate 2>/dev/full
rc=$?
if [ $rc -eq 2 ]; then ok "a usage error 2>/dev/full (exit 2)"; else bad "a usage error 2>/dev/full: exit $rc, expected 2"; fi
"$ZCN" cat "$WORK/small" 2>&- >"$WORK/err-closed-out"
check "cat f 2>&- still copies" cmp "$WORK/small" "$WORK/err-closed-out"
# Bounded twice (a file limit and a timeout): a regression would otherwise fill the disk.
expect_exit "cat f >> f" 1 timeout 10 bash -c "ulimit -f 16384; \"\$0\" cat \"\$1\" >>\"\$1\"" "$ZCN" "$WORK/small"
check "cat f >> f says input file is output file" grep -q "input file is output file" "$WORK/err"
check "cat f >> f leaves f unchanged" test "$(cat "$WORK/small")" = "second file"

# ---- found by trying zcn as a new user --------------------------------------------------------------------------
echo "closed" > "$WORK/closed-src"
rm -f "$WORK/closed-dst"
timeout 20 "$ZCN" copy "$WORK/closed-src" "$WORK/closed-dst" <&- >/dev/null 2>&1
check "copy to a new file with stdin closed works" test "$(cat "$WORK/closed-dst" 2>/dev/null)" = "closed"
mkdir -p "$WORK/closed-dir"
timeout 20 "$ZCN" copy "$WORK/closed-src" "$WORK/closed-dir" 2>&- >/dev/null
check "copy into a directory with stderr closed works" test -f "$WORK/closed-dir/closed-src"
badname="$WORK/$(printf 'bad\xffname')"
printf x > "$badname"
expect_exit "a name that is not UTF-8 is refused" 1 timeout 20 "$ZCN" copy "$badname" "$WORK/bad-copy"
check "the refusal says EILSEQ and shows the byte" grep -q 'EILSEQ.*\|\\xff' "$WORK/err"
check "no file is created under a mangled name" test -z "$(ls "$WORK" | grep -a "$(printf '\xef\xbf\xbd')")"
timeout 20 "$ZCN" copy "$WORK/$(printf 'miss\ning')" "$WORK/x" 2>"$WORK/err-nl"
check "an error about a name with a newline is one line" test "$(grep -c '' "$WORK/err-nl")" -eq 1
truncate -s 8M "$WORK/sparse-src"; printf T >> "$WORK/sparse-src"
for m in readwrite sendfile splice copy_file_range; do
  rm -f "$WORK/sparse-$m"
  timeout 20 "$ZCN" copy --method $m "$WORK/sparse-src" "$WORK/sparse-$m" >/dev/null 2>&1
  check "--method $m keeps holes (under 1 MiB allocated)" test "$(stat -c %b "$WORK/sparse-$m")" -lt 2048
done
# A name that is not valid UTF-8 among cat's files: refused as cat refuses a file it cannot open, the others written.
printf 'a\n' >"$WORK/fa"; printf 'b\n' >"$WORK/fb"
"$ZCN" cat "$WORK/fa" "$WORK/caf"$'\xe9' "$WORK/fb" >"$WORK/cat-out" 2>"$WORK/cat-err"; cat_rc=$?
check "cat goes on past a name that is not UTF-8 (exit 1, got $cat_rc)" test "$cat_rc" -eq 1
check "cat writes the other files" test "$(cat "$WORK/cat-out")" = $'a\nb'
check "cat names the refused file and EILSEQ" grep -q 'caf\\xe9.*EILSEQ' "$WORK/cat-err"
# A forced method the kernel refuses (copy_file_range out of procfs: EXDEV since Linux 5.19) leaves an existing
# destination as it was: the method is tried on a nameless file beside it first.
printf 'keep me\n' >"$WORK/kept"
"$ZCN" copy -f --method copy_file_range /proc/version "$WORK/kept" 2>"$WORK/kept-err"; kept_rc=$?
if [ "$kept_rc" -ne 0 ]; then
  check "copy -f with a refused --method leaves DST intact" test "$(cat "$WORK/kept")" = 'keep me'
  check "copy -f with a refused --method names the call" grep -q 'copy_file_range' "$WORK/kept-err"
else
  check "copy -f --method copy_file_range /proc/version copied it whole" cmp -s /proc/version "$WORK/kept"
fi
printf 'keep me\n' >"$WORK/kept2"
printf abc | "$ZCN" copy -f --method sendfile /dev/stdin "$WORK/kept2" 2>/dev/null; kept_rc=$?
if [ "$kept_rc" -ne 0 ]; then
  check "copy -f --method sendfile from a pipe, refused, leaves DST intact" test "$(cat "$WORK/kept2")" = 'keep me'
else
  check "copy -f --method sendfile from a pipe copied it whole" test "$(cat "$WORK/kept2")" = 'abc'
fi
printf 'abcdef' | "$ZCN" copy -f --method splice /dev/stdin "$WORK/kept2"
check "copy -f --method splice from a pipe loses no byte to its probe" test "$(cat "$WORK/kept2")" = 'abcdef'
# A current directory whose name is not valid UTF-8: "copy a sub" still finds that sub is a directory.
mkdir -p "$WORK/d"$'\xe9'/sub && printf 'in\n' >"$WORK/d"$'\xe9'/a
(cd "$WORK/d"$'\xe9' && "$ZCN" copy a sub && "$ZCN" copy a .) 2>"$WORK/cwd-err"; cwd_rc=$?
check "copy into a directory from a non-UTF-8 working directory (exit $cwd_rc: $(head -c 200 "$WORK/cwd-err"))" \
  test "$cwd_rc" -eq 1 -a "$(cat "$WORK/d"$'\xe9'/sub/a)" = in
check "copy a . is refused as the same file" grep -q "same file" "$WORK/cwd-err"
head -c 3000000 /dev/urandom > "$WORK/big-pipe"
timeout 20 "$ZCN" copy "$WORK/big-pipe" /dev/stdout 2>"$WORK/err-pipe" | head -c 10 >/dev/null
pipe_rc=${PIPESTATUS[0]}
check "copy into a pipe closed early says nothing" test ! -s "$WORK/err-pipe"
check "copy into a pipe closed early exits 141, as cat killed by SIGPIPE shows (got $pipe_rc)" test "$pipe_rc" -eq 141

# ---- progress: drawn on a terminal, plain lines in a log ----------------------------------------------------
"$ZCN" copy "$WORK/src" "$WORK/progress-log" --progress 2>"$WORK/err"
check "copy --progress into a log writes no \\r" lacks $'\r' "$WORK/err"
check "copy --progress into a log writes no ESC" lacks $'\e' "$WORK/err"
check "copy --progress into a log ends with a 100% line" grep -q "100.0%" "$WORK/err"
if command -v script >/dev/null 2>&1; then
  script -qc "'$ZCN' copy '$WORK/src' '$WORK/progress-tty' --progress" /dev/null >"$WORK/tty-out" 2>&1 </dev/null
  check "copy --progress on a terminal redraws its bar (\\r ESC[K)" grep -q $'\r\e\[K\[' "$WORK/tty-out"
else
  echo "skip: script(1) not found: progress on a terminal not checked"
fi
for f in "$WORK"/err "$WORK"/at-err; do
  check "no stack trace in $(basename "$f")" lacks "Unhandled exception" "$f"
done

# ---- bench --quick --json: every scenario, method and impl ----------------------------------------------------
BENCH_DIR="$WORK/bench-tmp"
mkdir -p "$BENCH_DIR"
timeout 120 "$ZCN" bench --quick --size 16M --runs 1 --json - --dir "$BENCH_DIR" >"$WORK/bench.json" 2>"$WORK/bench.err"
rc=$?
if [ $rc -eq 0 ]; then ok "bench --quick --json - (exit 0)"; else bad "bench --quick --json -: exit $rc: $(tail -c 500 "$WORK/bench.err")"; fi
check "bench --json - writes nothing on stderr" test ! -s "$WORK/bench.err"
check "bench JSON is valid (python3 -m json.tool)" python3 -m json.tool "$WORK/bench.json"
if python3 - "$WORK/bench.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("kernel", "cpu", "cores", "thp", "pipe_max_size"):
    assert k in d["machine"], "machine." + k
c_available = d["c_reference"]["available"]
assert c_available, "the C reference was not found"
expected = {
    "file-to-null": ["readwrite", "sendfile", "splice", "mmap", "bcl-copyto"],
    "file-to-tcp": ["readwrite", "sendfile", "splice", "bcl-sendfile", "bcl-copyto"],
    "zerocopy-send-64k": ["send", "zerocopy", "zerocopy-forced"],
    "zerocopy-send-1m": ["send", "zerocopy", "zerocopy-forced"],
    "memory-to-pipe": ["readwrite", "vmsplice-read", "vmsplice-null", "vmsplice-file", "vmsplice-tcp", "vmsplice-unsafe-null", "bcl-anonpipe"],
    "file-to-file": ["readwrite", "copy_file_range", "sendfile", "auto", "bcl-filecopy", "bcl-copyto"],
    "scan": ["read", "bcl-randomaccess", "mmap", "mmap-populate", "bcl-mmf-accessor"],
    "cold-read": ["buffered", "odirect", "odirect-4threads"],
}
have = {(r["scenario"], r["method"], r["impl"]) for r in d["results"]}
missing = []
for scenario, methods in expected.items():
    for m in methods:
        impls = ["bcl"] if m.startswith("bcl-") else ["managed", "c"]
        for impl in impls:
            if (scenario, m, impl) not in have:
                missing.append(f"{scenario}/{m}/{impl}")
assert not missing, "missing: " + ", ".join(missing)
fields = ("scenario", "method", "impl", "gib_per_s", "gib_per_s_min", "gib_per_s_max", "cpu_s_per_gib",
          "ctx_switches_per_gib", "syscalls_per_gib", "copies")
for r in d["results"]:
    for f in fields:
        assert f in r, f"{r['scenario']}/{r['method']}/{r['impl']} lacks {f}"
    assert r["gib_per_s"] > 0 and r["gib_per_s_min"] <= r["gib_per_s"] <= r["gib_per_s_max"]
    assert r["impl"] in ("managed", "c", "bcl")
odirect = [r for r in d["results"] if r["scenario"] == "cold-read" and r["method"].startswith("odirect")]
assert all(r["resident_bytes_after"] == 0 for r in odirect), "odirect left pages resident"
for r in odirect:
    assert 0 <= r["huge_page_bytes"] <= r["huge_page_buffer_bytes"], f"odirect/{r['impl']}: huge-page share"
counters = {(c["scenario"], c["method"], c["impl"]): c for c in d.get("zerocopy_send_counters", [])}
for s in ("zerocopy-send-64k", "zerocopy-send-1m"):
    for m in ("zerocopy", "zerocopy-forced"):
        for impl in ("managed", "c"):
            c = counters.get((s, m, impl))
            assert c is not None, f"no counters for {s}/{m}/{impl}"
            assert c["zerocopy_bytes"] + c["copied_bytes"] + c["plain_bytes"] > 0, f"{s}/{m}/{impl}: empty counters"
            if m == "zerocopy-forced":
                assert c["plain_bytes"] == 0, f"{s}/{m}/{impl}: the forced sender sent plainly"
EOF
then ok "bench JSON lists every scenario, method and impl with the schema's fields"; else bad "bench JSON content"; fi
check "bench removed its temporary folder" test -z "$(ls -A "$BENCH_DIR")"

# ---- Ctrl+C during bench leaves no temporary files ------------------------------------------------------------
INT_DIR="$WORK/int-tmp"
mkdir -p "$INT_DIR"
# Job control on: a non-interactive shell starts background jobs with SIGINT ignored, which would hide the handler.
set -m
"$ZCN" bench --size 64M --runs 50 --only file-to-tcp --dir "$INT_DIR" >/dev/null 2>"$WORK/int.err" &
pid=$!
set +m
# Wait (bounded) until the bench has written its data, so the signal lands mid-measurement.
for _ in $(seq 1 100); do
  if [ -n "$(ls -A "$INT_DIR" 2>/dev/null)" ] && grep -q "file-to-tcp" "$WORK/int.err" 2>/dev/null; then break; fi
  sleep 0.1
done
check "bench created its temporary folder before the signal" test -n "$(ls -A "$INT_DIR")"
kill -INT "$pid"
rc=0
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  bad "bench did not stop within 10 s of SIGINT"
  kill -KILL "$pid" 2>/dev/null
fi
wait "$pid" 2>/dev/null
rc=$?
if [ $rc -eq 130 ]; then ok "SIGINT ends bench with exit 130"; else bad "SIGINT: exit $rc, expected 130"; fi
check "SIGINT leaves no temporary files" test -z "$(ls -A "$INT_DIR")"
check "bench into a log writes no \\r" lacks $'\r' "$WORK/int.err"
check "bench into a log writes no ESC" lacks $'\e' "$WORK/int.err"
check "no zcn-bench-c is left running" bash -c "! pgrep -f '[z]cn-bench-c .*$INT_DIR' >/dev/null"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
