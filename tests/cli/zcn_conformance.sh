#!/usr/bin/env bash
# zcn_conformance.sh ZCN: zcn copy / zcn cat against coreutils cp / cat, side by side (ctest: zcn-conformance).
#
# Each row of the table builds the same inputs in two fresh folders, runs the coreutils command in one and the zcn
# command in the other, and compares:
#   - the exit code class (0 or not; a failing zcn must exit 1, or 2 for a usage error, never 134);
#   - the destination's content (sha256), apparent size (stat %s), allocated blocks (stat %b), type and mode (stat %F %a);
#   - that the source is intact (sha256 before and after);
#   - zcn's stderr: one line that names the path and, where the kernel gave one, the errno (EISDIR, ENOTDIR, ENOENT,
#     EACCES, ENOSPC, EROFS, ...); never "Unhandled exception" nor a stack trace.
# Allocated blocks are compared as "zcn <= cp + $BLOCK_MARGIN sectors", not for equality: the blocks a file gets depend
# on how it was written (ext4 delayed allocation, XFS speculative preallocation, extents shared by reflink), so a copy
# that keeps the holes may legitimately use a few blocks more than cp's, or far fewer (a reflink); what matters is that
# holes are not filled, which the sparse row also checks against the apparent size.
#
# The rows that can fill a disk (cat f >> f) run on a 16 MiB tmpfs when mount works, and always under ulimit -f and
# timeout. The full and read-only filesystem rows need mount (root): where it is refused, the row prints
# "skip: <row>: mount refused: <reason>". The permission rows run as nobody (setpriv) when run as root, since root
# bypasses permission checks. A skip is never counted as a pass; the skip count is printed.
#
# Prints one line per check, then the table (row | coreutils | zcn | verdict), then "N passed, N failed" last, and exits
# non-zero when anything failed. Every wait is bounded: 5 s per command (10 s for the cat f >> f rows), and no command
# starts after $BUDGET s, so a hanging zcn fails rows instead of reaching ctest's TIMEOUT (which would leave mounts).
# (ZCN_CONFORMANCE_BUDGET overrides the 100 s budget.) Mounts and temporary files are removed on exit.
set -u
ZCN=${1:?usage: zcn_conformance.sh path/to/zcn}
ZCN=$(readlink -f "$ZCN")
[ -x "$ZCN" ] || { echo "zcn not found at $ZCN"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0
BLOCK_MARGIN=512 # 512-byte sectors (256 KiB) a zcn copy may allocate beyond cp's
BUDGET=${ZCN_CONFORMANCE_BUDGET:-100} # seconds: no command starts after this (its row fails), so ctest never times out
WORK=$(mktemp -d "${TMPDIR:-/tmp}/zcn-conformance.XXXXXX")
chmod 755 "$WORK"
MOUNTS=()
cleanup() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null
  done
  chmod -R u+rwx "$WORK" 2>/dev/null
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- shared inputs and helpers -----------------------------------------------------------------------------------
DATA="$WORK/data"
BIN="$WORK/bin"
mkdir -p "$DATA" "$BIN"
head -c 3000017 /dev/urandom >"$DATA/rand3m"
head -c 4194304 /dev/urandom >"$DATA/rand4m"
seq 1 1000 >"$DATA/seq1000"
chmod -R a+rX "$DATA"
# sockstdin DATA CMD...: runs CMD with stdin one end of a socketpair that carries DATA, then end of input.
cat >"$BIN/sockstdin" <<'EOF'
#!/usr/bin/env python3
import socket, subprocess, sys, threading
a, b = socket.socketpair()
data = open(sys.argv[1], "rb").read()
def feed():
    try:
        a.sendall(data)
        a.shutdown(socket.SHUT_WR)
    except OSError:
        pass
threading.Thread(target=feed, daemon=True).start()
p = subprocess.run(sys.argv[2:], stdin=b)
sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)
EOF
# mksock PATH: leaves a Unix socket file at PATH.
cat >"$BIN/mksock" <<'EOF'
#!/usr/bin/env python3
import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])
EOF
chmod 755 "$BIN/sockstdin" "$BIN/mksock"
HAVE_PY=1
command -v python3 >/dev/null 2>&1 || HAVE_PY=0

# Permission rows: as root, permission checks are bypassed, so they run as nobody.
AS_NOBODY=""
NOBODY_WHY=""
if [ "$(id -u)" -eq 0 ]; then
  if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
  elif runuser -u nobody -- true 2>/dev/null; then
    AS_NOBODY="runuser -u nobody --"
  else
    NOBODY_WHY="running as root and neither setpriv nor runuser can drop to uid 65534"
  fi
fi
Z_NOBODY="$ZCN"
if [ -n "$AS_NOBODY" ] && ! $AS_NOBODY test -x "$ZCN" 2>/dev/null; then
  cp "$ZCN" "$BIN/zcn" && chmod 755 "$BIN/zcn" && Z_NOBODY="$BIN/zcn" # the build folder may be closed to nobody
fi

TABLE=()
ROW_ID=""
ROW_LABEL=""
ROW_FAIL=""
ROW_SKIP=""
RD=""
declare -A NOTE

ok() { passed=$((passed + 1)); echo "ok    $ROW_ID: $1"; }
bad() {
  failed=$((failed + 1))
  echo "FAIL  $ROW_ID: $1"
  [ -n "$ROW_FAIL" ] || ROW_FAIL=$1
}
skip() { # skip REASON: the current row is not run
  skipped=$((skipped + 1))
  ROW_SKIP=$1
  echo "skip: $ROW_ID $ROW_LABEL: $1"
}

# row ID LABEL: starts a row with fresh folders $RD/cu and $RD/zcn.
row() {
  ROW_ID=$1
  ROW_LABEL=$2
  ROW_FAIL=""
  ROW_SKIP=""
  NOTE[cu]=""
  NOTE[zcn]=""
  RD="$WORK/$1"
  mkdir -p "$RD/cu" "$RD/zcn"
  echo "---- $ROW_ID $ROW_LABEL"
}

# mount_tmpfs DIR OPTIONS: mounts a tmpfs on DIR (recorded for cleanup); on refusal sets MOUNT_WHY and returns 1.
MOUNT_WHY=""
mount_tmpfs() {
  local err
  if err=$(mount -t tmpfs -o "$2" tmpfs "$1" 2>&1); then
    MOUNTS+=("$1")
    return 0
  fi
  MOUNT_WHY=$(echo "$err" | head -n 1)
  [ -n "$MOUNT_WHY" ] || MOUNT_WHY="mount failed"
  return 1
}
# mount_both SUBDIR OPTIONS: the same tmpfs under both sides (SUBDIR "." mounts on the side folders themselves).
mount_both() {
  local s
  for s in cu zcn; do
    mkdir -p "$RD/$s/$1"
    mount_tmpfs "$(readlink -f "$RD/$s/$1")" "$2" || return 1
  done
}

# setup SCRIPT: builds the inputs, identically, in both folders.
setup() {
  local s
  for s in cu zcn; do
    (cd "$RD/$s" && DATA="$DATA" PATH="$BIN:$PATH" bash -c "umask 022; $1") >/dev/null 2>"$RD/setup.err" ||
      echo "setup of $ROW_ID failed: $(head -c 300 "$RD/setup.err")"
  done
}

# remember PATH...: records the sha256 of each PATH on both sides, for intact.
declare -A SHA
sha() { if [ -f "$1" ]; then sha256sum <"$1" | cut -c1-64; else echo "absent"; fi; }
remember() {
  local s p
  for s in cu zcn; do for p in "$@"; do SHA[$s:$p]=$(sha "$RD/$s/$p"); done; done
}

# run SIDE COMMAND: runs COMMAND (bash, umask 022) in that side's folder with Z=zcn, stdin /dev/null, bounded by
# timeout; keeps stdout, stderr and the exit code. After a zcn run, checks it neither aborted nor printed a trace.
run() {
  local side=$1 cmd=$2 z=$ZCN
  [ "$side" = zcn ] || z=/nonexistent
  if [ "$SECONDS" -gt "$BUDGET" ]; then
    echo 124 >"$RD/$side.rc"
    echo "not run: the time budget of $BUDGET s was spent" >"$RD/$side.err"
    : >"$RD/$side.out"
    if [ "$side" = zcn ]; then bad "not run: the time budget of $BUDGET s was spent (slow or hanging commands)"; fi
    return
  fi
  { # (the outer braces keep this shell's own "Aborted" report out of the log: the exit code says it)
    (cd "$RD/$side" && exec timeout -k 2 "${T:-5}" env Z="$z" ZN="$Z_NOBODY" DATA="$DATA" AS_NOBODY="$AS_NOBODY" \
      PATH="$BIN:$PATH" bash -c "umask 022; $cmd") </dev/null >"$RD/$side.out" 2>"$RD/$side.err"
  } 2>/dev/null
  local rc=$?
  echo "$rc" >"$RD/$side.rc"
  if [ "$side" = zcn ]; then
    if [ "$rc" -eq 134 ]; then bad "zcn aborted (exit 134)"; fi
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then bad "zcn did not finish within ${T:-5} s"; fi
    if grep -q -e "Unhandled exception" -e "^ *at " "$RD/zcn.err"; then bad "zcn printed an unhandled exception"; fi
  fi
}
both() { run cu "$1"; run zcn "$2"; }
rc() { cat "$RD/$1.rc"; }

# same_exit [ZCN_CODE]: the same class (0 or not) as coreutils; a failing zcn exits ZCN_CODE (default 1).
same_exit() {
  local want=${1:-1} c z
  c=$(rc cu)
  z=$(rc zcn)
  if { [ "$c" -eq 0 ] && [ "$z" -eq 0 ]; } || { [ "$c" -ne 0 ] && [ "$z" -eq "$want" ]; }; then
    ok "exit: coreutils $c, zcn $z"
  elif [ "$c" -ne 0 ] && [ "$z" -ne 0 ]; then
    bad "zcn exit $z, expected $want (coreutils $c)"
  else
    bad "exit class differs: coreutils $c, zcn $z"
  fi
  if [ "$z" -eq 0 ] && [ -s "$RD/zcn.err" ]; then bad "zcn succeeded but wrote on stderr"; fi
}

# same_content PATH ('-' for stdout): both absent, or the same sha256 and apparent size.
same_content() {
  local p=$1 a b
  if [ "$p" = - ]; then a="$RD/cu.out"; b="$RD/zcn.out"; else a="$RD/cu/$p"; b="$RD/zcn/$p"; fi
  if [ ! -e "$a" ] && [ ! -L "$a" ]; then
    if [ -e "$b" ] || [ -L "$b" ]; then bad "$p: zcn created it, coreutils did not"; else ok "$p: absent on both sides"; fi
    return
  fi
  if [ ! -e "$b" ]; then bad "$p: missing after zcn"; return; fi
  if [ -f "$a" ] || [ "$p" = - ]; then
    if [ "$(sha "$a")" = "$(sha "$b")" ]; then ok "$p: same sha256"; else
      bad "$p: content differs ($(stat -c %s "$a") bytes from coreutils, $(stat -c %s "$b") from zcn)"
    fi
    if [ "$(stat -c %s "$a")" = "$(stat -c %s "$b")" ]; then ok "$p: same size"; else
      bad "$p: size $(stat -c %s "$b"), coreutils $(stat -c %s "$a")"
    fi
  fi
}

# same_meta PATH: the same file type, mode (and device numbers), and blocks zcn <= cp + BLOCK_MARGIN.
same_meta() {
  local p=$1 a="$RD/cu/$1" b="$RD/zcn/$1" fa fb
  [ -e "$a" ] || [ -L "$a" ] || return 0
  [ -e "$b" ] || [ -L "$b" ] || { bad "$p: missing after zcn"; return; }
  fa=$(stat -c '%F %a %t:%T' "$a")
  fb=$(stat -c '%F %a %t:%T' "$b")
  if [ "$fa" = "$fb" ]; then ok "$p: same type and mode ($(stat -c '%F %a' "$a"))"; else
    bad "$p: zcn left $(stat -c '%F %a' "$b"), coreutils $(stat -c '%F %a' "$a")"
  fi
  if [ -f "$a" ]; then
    local ba bb
    ba=$(stat -c %b "$a")
    bb=$(stat -c %b "$b")
    if [ "$bb" -le $((ba + BLOCK_MARGIN)) ]; then ok "$p: $bb blocks allocated (coreutils $ba)"; else
      bad "$p: $bb blocks allocated, coreutils $ba"
    fi
  fi
}

# intact PATH...: each PATH has the sha256 remember recorded, on both sides (coreutils' side only reported).
intact() {
  local p
  for p in "$@"; do
    if [ "$(sha "$RD/zcn/$p")" = "${SHA[zcn:$p]}" ]; then ok "source $p intact"; else
      bad "source $p changed by zcn (now $(stat -c %s "$RD/zcn/$p" 2>/dev/null || echo no) bytes)"
    fi
    [ "$(sha "$RD/cu/$p")" = "${SHA[cu:$p]}" ] || echo "note  $ROW_ID: coreutils changed $p"
  done
}

# zcn_says REGEX [PATH...]: zcn's stderr is one line, matches REGEX (extended, e.g. an errno name), and names one of
# the PATHs (when any is given).
zcn_says() {
  local re=$1 lines p named=0
  shift
  lines=$(grep -c '' "$RD/zcn.err")
  if [ "$lines" -eq 1 ]; then ok "zcn's error is one line"; else bad "zcn's error is $lines lines, not one"; fi
  if grep -q -E -- "$re" "$RD/zcn.err"; then ok "zcn's error says $re"; else
    bad "zcn's error does not say $re: $(shorten "$(head -n 1 "$RD/zcn.err")")"
  fi
  [ $# -gt 0 ] || return 0
  for p in "$@"; do grep -q -F -- "$p" "$RD/zcn.err" && named=1; done
  if [ $named -eq 1 ]; then ok "zcn's error names the path"; else bad "zcn's error does not name $*"; fi
}

# fact PATH FORMAT: appends stat -c FORMAT of PATH on each side to that side's table entry.
fact() {
  local s
  for s in cu zcn; do
    NOTE[$s]="${NOTE[$s]}, $1: $(stat -c "$2" "$RD/$s/$1" 2>/dev/null || echo absent)"
  done
}
# say SIDE TEXT: appends TEXT to that side's table entry.
say() { NOTE[$1]="${NOTE[$1]}, $2"; }

# shorten TEXT: one table cell: the row's folders left out, the shell's report of a signal as "killed by signal: NAME",
# '|' escaped, at most 90 characters.
shorten() {
  printf '%s' "$1" | sed -e "s|$RD/[a-z]*/||g" -e "s|$WORK/||g" \
    -e 's/^bash: line [0-9]*: *[0-9]* \([A-Z][a-z ]*[a-z]\)[ "].*/killed by signal: \1/' -e 's/|/\\|/g' | cut -c1-90
}
summary() { # the table cell of one side: exit code, first stderr line, notes
  local s=$1 line
  line=$(shorten "$(head -n 1 "$RD/$s.err" 2>/dev/null)")
  printf 'exit %s%s%s' "$(rc "$s")" "${line:+: $line}" "${NOTE[$s]}"
}
done_row() {
  local verdict
  if [ -n "$ROW_SKIP" ]; then
    TABLE+=("| $ROW_ID | $(shorten "$ROW_LABEL") | - | - | $(shorten "SKIP: $ROW_SKIP") |")
    return
  fi
  if [ -n "$ROW_FAIL" ]; then verdict="FAIL: $ROW_FAIL"; else verdict="pass"; fi
  TABLE+=("| $ROW_ID | $(shorten "$ROW_LABEL") | $(summary cu) | $(summary zcn) | $(shorten "$verdict") |")
}

# ---- 0. controls: what already works must keep working -----------------------------------------------------------
row 0a "copy a 3 MB file (mode 640)"
setup 'cat "$DATA/rand3m" >src; chmod 640 src'
remember src
both 'cp src dst' '"$Z" copy src dst'
same_exit; same_content dst; same_meta dst; intact src; fact dst %a
done_row

row 0b "copy into a directory"
setup 'cat "$DATA/seq1000" >src; mkdir D'
both 'cp src D' '"$Z" copy src D'
same_exit; same_content D/src; same_meta D/src
done_row

row 0c "cat a b missing b"
setup 'cat "$DATA/rand3m" >a; cat "$DATA/seq1000" >b'
both 'cat a b missing b' '"$Z" cat a b missing b'
same_exit; same_content -; zcn_says ENOENT missing
done_row

row 0d "copy with one operand (usage)"
setup 'cat "$DATA/seq1000" >src'
both 'cp src' '"$Z" copy src'
same_exit 2
done_row

# ---- 1. the same file on both ends -------------------------------------------------------------------------------
same_file_row() { # same_file_row ID LABEL SETUP SRC DST
  row "$1" "$2"
  setup "$3"
  remember "$4"
  both "cp $4 $5" "\"\$Z\" copy $4 $5 --force"
  intact "$4"; same_exit; zcn_says 'same file' "$4" "$5"
  fact "$4" '%s bytes'
  done_row
}
same_file_row 1a "copy data hard --force (hard link)" 'cat "$DATA/seq1000" >data; ln data hard' data hard
same_file_row 1b "copy data abs --force (absolute symlink)" 'cat "$DATA/seq1000" >data; ln -s "$PWD/data" abs' data abs
same_file_row 1c "copy data rel --force (relative symlink)" 'cat "$DATA/seq1000" >data; ln -s data rel' data rel
same_file_row 1d "copy real/data link/data --force (symlinked dir)" \
  'mkdir real; cat "$DATA/seq1000" >real/data; ln -s real link' real/data link/data
same_file_row 1e "copy data data --force (same path)" 'cat "$DATA/seq1000" >data' data data
same_file_row 1f "copy data . --force (its own folder)" 'cat "$DATA/seq1000" >data' data .

# ---- 2. input file is output file (on a 16 MiB tmpfs, under ulimit -f 16 MiB and timeout 10) ---------------------
append_row() { # append_row ID LABEL CAT-ARGS
  row "$1" "$2"
  if ! mount_both . size=16m; then echo "note  $ROW_ID: mount refused ($MOUNT_WHY): bounded by ulimit -f only"; fi
  setup 'cat "$DATA/seq1000" >f'
  remember f
  T=10 both "ulimit -f 16384; cat $3 >>f" "ulimit -f 16384; \"\$Z\" cat $3 >>f"
  intact f; same_exit; zcn_says 'input file is output file|same file'
  fact f '%s bytes'
  done_row
}
append_row 2a "cat f >> f" f
append_row 2b "cat < f >> f" "<f"

# ---- 3. sources that are not regular files: streamed until end of input --------------------------------------------
row 3a "seq 1 100 | copy /dev/stdin out"
both 'seq 1 100 | cp /dev/stdin out' 'seq 1 100 | "$Z" copy /dev/stdin out'
same_exit; same_content out; same_meta out; fact out '%s bytes %a'
done_row

# A FIFO with a bounded writer; opening the FIFO read-write afterwards releases a writer nobody opened it for.
FIFO_WRITE='timeout 10 sh -c "seq 1 100 >p" & w=$!; '
FIFO_DONE='; rc=$?; exec 3<>p 3<&-; wait $w; exit $rc'
row 3b "copy FIFO out"
setup 'mkfifo p; chmod 640 p'
both "${FIFO_WRITE}cp p out${FIFO_DONE}" "${FIFO_WRITE}\"\$Z\" copy p out${FIFO_DONE}"
same_exit; same_content out; same_meta out; fact out '%s bytes %a'
done_row

row 3c "cat FIFO"
setup 'mkfifo p'
both "${FIFO_WRITE}cat p${FIFO_DONE}" "${FIFO_WRITE}\"\$Z\" cat p${FIFO_DONE}"
same_exit; same_content -; say cu "$(stat -c %s "$RD/cu.out") bytes"; say zcn "$(stat -c %s "$RD/zcn.out") bytes"
done_row

row 3d "cat < socket (3 MB)"
if [ $HAVE_PY -eq 0 ]; then skip "python3 not found (needed for a socketpair)"; else
  both 'sockstdin "$DATA/rand3m" cat' 'sockstdin "$DATA/rand3m" "$Z" cat'
  same_exit; same_content -; say cu "$(stat -c %s "$RD/cu.out") bytes"; say zcn "$(stat -c %s "$RD/zcn.out") bytes"
fi
done_row

row 3e "copy /dev/stdin out < socket"
if [ $HAVE_PY -eq 0 ]; then skip "python3 not found (needed for a socketpair)"; else
  both 'sockstdin "$DATA/seq1000" cp /dev/stdin out' 'sockstdin "$DATA/seq1000" "$Z" copy /dev/stdin out'
  # open("/dev/stdin") of a socket is ENXIO, so cp refuses; zcn may refuse the same way or copy the whole stream.
  if [ "$(rc cu)" -ne 0 ] && [ "$(rc zcn)" -eq 0 ]; then
    if cmp -s "$DATA/seq1000" "$RD/zcn/out"; then ok "zcn copied the whole stream (cp: ENXIO)"; else
      bad "zcn exit 0 but out is not the stream"
    fi
  else
    same_exit; same_content out
    [ "$(rc zcn)" -eq 0 ] || zcn_says ENXIO /dev/stdin
  fi
fi
done_row

for f in /proc/version /proc/kallsyms /sys/kernel/mm/transparent_hugepage/enabled; do
  case $f in /proc/version) id=3f ;; /proc/*) id=3g ;; *) id=3h ;; esac
  row "$id-copy" "copy $f out"
  if [ ! -r "$f" ]; then skip "$f not readable here"; else
    both "cp $f out" "\"\$Z\" copy $f out"
    same_exit; same_content out; same_meta out; fact out '%s bytes %a'
  fi
  done_row
  row "$id-cat" "cat $f"
  if [ ! -r "$f" ]; then skip "$f not readable here"; else
    both "cat $f" "\"\$Z\" cat $f"
    same_exit; same_content -; say cu "$(stat -c %s "$RD/cu.out") bytes"; say zcn "$(stat -c %s "$RD/zcn.out") bytes"
  fi
  done_row
done

row 3i "copy /dev/null out (character device)"
both 'cp /dev/null out' '"$Z" copy /dev/null out'
same_exit; same_content out; same_meta out; fact out '%s bytes %a'
done_row

row 3j "cat /dev/zero | head -c 1M"
T=10 both 'timeout 5 cat /dev/zero | head -c 1048576' 'timeout 5 "$Z" cat /dev/zero | head -c 1048576; z=${PIPESTATUS[0]}; [ $z -eq 124 ] && exit 124; [ $z -eq 134 ] && exit 134; exit 0'
same_exit; same_content -
done_row

# A FIFO named twice: cp finds them the same file before it opens either; an open for reading first would wait for a
# writer that never comes.
row 3k "copy FIFO onto itself"
setup 'mkfifo p; ln -s p l'
both 'cp p p' '"$Z" copy p p'
same_exit; zcn_says 'same file' p
done_row

row 3l "copy FIFO onto a symlink to it"
setup 'mkfifo p; ln -s p l'
both 'cp p l' '"$Z" copy p l'
same_exit; zcn_says 'same file' p
done_row

# ---- 4. sparse source: 64 MiB apparent, two 4-byte extents ----------------------------------------------------------
row 4a "copy sparse 64M s d"
setup 'truncate -s 64M s; printf data | dd of=s bs=1 seek=1M conv=notrunc status=none
       printf data | dd of=s bs=1 seek=40M conv=notrunc status=none'
remember s
both 'cp s d' '"$Z" copy s d'
same_exit; same_content d; same_meta d; intact s; fact d '%s bytes, %b blocks'
if [ "$(stat -c %b "$RD/cu/d")" -lt 8192 ]; then # cp kept the holes on this filesystem: zcn must be far below 64M too
  if [ "$(stat -c %b "$RD/zcn/d" 2>/dev/null || echo 131072)" -lt 8192 ]; then ok "holes kept (< 4 MiB allocated)"; else
    bad "holes filled: $(du -k "$RD/zcn/d" | cut -f1) KiB allocated, cp $(du -k "$RD/cu/d" | cut -f1) KiB"
  fi
else
  echo "note  $ROW_ID: this filesystem keeps no holes for cp either"
fi
done_row

# ---- 5. an existing destination that is a device, FIFO or socket ----------------------------------------------------
row 5a "copy secret(0600) NODE(c 1 3, 0666) --force"
setup 'seq 1 10 >secret; chmod 600 secret; mknod NODE c 1 3 && chmod 666 NODE'
if [ ! -c "$RD/zcn/NODE" ]; then skip "mknod refused: $(head -n 1 "$RD/setup.err")"; else
  remember secret
  both 'cp secret NODE' '"$Z" copy secret NODE --force'
  same_exit; same_meta NODE; intact secret; fact NODE '%F %a'
fi
done_row

row 5b "copy secret(0600) FIFO(0666) --force, reader attached"
setup 'seq 1 10 >secret; chmod 600 secret; mkfifo ff; chmod 666 ff'
remember secret
FIFO_READ='timeout 10 cat ff >got & r=$!; '
FIFO_RDONE='; rc=$?; exec 3<>ff 3>&-; wait $r; exit $rc'
both "${FIFO_READ}cp secret ff${FIFO_RDONE}" "${FIFO_READ}\"\$Z\" copy secret ff --force${FIFO_RDONE}"
same_exit; same_content got; same_meta ff; intact secret; fact ff '%F %a'; fact got '%s bytes arrived'
done_row

row 5c "copy secret SOCKET(0666) --force"
if [ $HAVE_PY -eq 0 ]; then skip "python3 not found (needed to bind a socket)"; else
  setup 'seq 1 10 >secret; chmod 600 secret; mksock sock; chmod 666 sock'
  both 'cp secret sock' '"$Z" copy secret sock --force'
  same_exit; same_meta sock; zcn_says ENXIO sock; fact sock '%F %a'
fi
done_row

# ---- 6. a directory as source -------------------------------------------------------------------------------------
row 6a "copy DIR x"
setup 'mkdir D'
both 'cp D x' '"$Z" copy D x'
same_exit; same_content x; zcn_says 'EISDIR|Is a directory' D
done_row

row 6b "cat DIR"
setup 'mkdir D'
both 'cat D' '"$Z" cat D'
same_exit; same_content -; zcn_says 'EISDIR|Is a directory' D
done_row

# ---- 7. missing files, no permission, full and read-only filesystems ------------------------------------------------
row 7a "copy missing x"
both 'cp missing x' '"$Z" copy missing x'
same_exit; same_content x; zcn_says ENOENT missing
done_row

row 7b "cat missing"
both 'cat missing' '"$Z" cat missing'
same_exit; same_content -; zcn_says ENOENT missing
done_row

nobody_row() { # nobody_row ID LABEL SETUP CP-CMD ZCN-CMD ERRNO PATH OUT
  row "$1" "$2"
  if [ -n "$NOBODY_WHY" ]; then skip "$NOBODY_WHY"; done_row; return; fi
  chmod 755 "$RD"
  setup "chmod 777 .; $3"
  both "\$AS_NOBODY $4" "\$AS_NOBODY $5"
  same_exit; same_content "$8"; zcn_says "$6" "$7"
  done_row
}
nobody_row 7c "copy unreadable(000) out, as nobody" 'seq 1 10 >u; chmod 000 u' 'cp u out' '"$ZN" copy u out' EACCES u out
nobody_row 7d "cat unreadable(000), as nobody" 'seq 1 10 >u; chmod 000 u' 'cat u' '"$ZN" cat u' EACCES u -
nobody_row 7e "copy s ro/x (dir 0555), as nobody" 'seq 1 10 >s; mkdir ro; chmod 555 ro' 'cp s ro/x' '"$ZN" copy s ro/x' \
  EACCES ro/x ro/x

row 7f "copy s nodir/x"
setup 'seq 1 10 >s'
both 'cp s nodir/x' '"$Z" copy s nodir/x'
same_exit; same_content nodir/x; zcn_says ENOENT nodir/x
done_row

row 7g "copy s nodir/"
setup 'seq 1 10 >s'
both 'cp s nodir/' '"$Z" copy s nodir/'
# cp reports ENOTDIR from its own stat; the kernel answers open("nodir/", O_CREAT) with EISDIR, and zcn carries the
# kernel's answer.
same_exit; same_content nodir; zcn_says 'ENOTDIR|EISDIR' nodir/
done_row

row 7h "copy s s/x (a file as folder)"
setup 'seq 1 10 >s'
remember s
both 'cp s s/x' '"$Z" copy s s/x'
same_exit; intact s; zcn_says ENOTDIR s/x
done_row

BYTES_DONE='[0-9][0-9,.]* ?(bytes|B|KiB|MiB)'
for m in auto copy_file_range sendfile splice readwrite; do
  row "7i-$m" "copy 4M into a 1 MiB tmpfs --method $m"
  setup 'cat "$DATA/rand4m" >big'
  if ! mount_both full size=1m; then skip "mount refused: $MOUNT_WHY"; done_row; continue; fi
  remember big
  both 'cp big full/x' "\"\$Z\" copy big full/x --method $m"
  same_exit; intact big
  if [ $m = copy_file_range ] && grep -q EXDEV "$RD/zcn.err"; then
    # copy_file_range between two filesystems (here ext4 or tmpfs into tmpfs) may be refused: a forced method then
    # fails with EXDEV and no byte was written, which is the "forced method fails clearly" case.
    zcn_says EXDEV full/x
  else
    zcn_says ENOSPC full/x
    if grep -q -E -- "$BYTES_DONE" "$RD/zcn.err"; then ok "zcn reports the bytes done"; else bad "zcn does not report the bytes done"; fi
  fi
  done_row
done

row 7j "cat 4M > file on a 1 MiB tmpfs"
setup 'cat "$DATA/rand4m" >big'
if ! mount_both full size=1m; then skip "mount refused: $MOUNT_WHY"; else
  both 'cat big >full/x' '"$Z" cat big >full/x'
  same_exit; zcn_says ENOSPC
  if grep -q -E -- "$BYTES_DONE" "$RD/zcn.err"; then ok "zcn reports the bytes done"; else bad "zcn does not report the bytes done"; fi
fi
done_row

row 7k "copy s into a read-only tmpfs"
setup 'seq 1 10 >s'
if ! mount_both ro size=1m,ro; then skip "mount refused: $MOUNT_WHY"; else
  both 'cp s ro/x' '"$Z" copy s ro/x'
  same_exit; same_content ro/x; zcn_says EROFS ro/x
fi
done_row

# ---- 8. modes as cp gives them ---------------------------------------------------------------------------------------
mode_row() { # mode_row ID LABEL UMASK SOURCE-MODE [EXISTING-DESTINATION-MODE]
  row "$1" "$2"
  setup "cat \"\$DATA/seq1000\" >m; chmod $4 m${5:+; echo old >n; chmod $5 n}"
  remember m
  both "umask $3; cp m n" "umask $3; \"\$Z\" copy m n${5:+ --force}"
  same_exit; same_content n; same_meta n; intact m; fact n %a
  done_row
}
mode_row 8a "umask 077, source 0644" 077 644
mode_row 8b "umask 022, source 4755" 022 4755
mode_row 8c "umask 022, source 2755" 022 2755
mode_row 8d "umask 022, source 0600, existing 0640 dest (--force)" 022 600 640

# ---- 9. empty paths --------------------------------------------------------------------------------------------------
row 9a 'copy "" x'
both 'cp "" x' '"$Z" copy "" x'
same_exit; same_content x; zcn_says ENOENT
done_row

row 9b 'cat ""'
both 'cat ""' '"$Z" cat ""'
same_exit; zcn_says ENOENT
done_row

row 9c 'copy s ""'
setup 'seq 1 10 >s'
both 'cp s ""' '"$Z" copy s ""'
same_exit; zcn_says ENOENT
done_row

# ---- 10. closed standard descriptors, stderr on /dev/full ----------------------------------------------------------
row 10a "cat <&- (stdin closed)"
T=10 both 'timeout 5 cat <&- | head -c 67108864 >got; exit ${PIPESTATUS[0]}' \
  'timeout 5 "$Z" cat <&- | head -c 67108864 >got; exit ${PIPESTATUS[0]}'
same_exit; same_content got; zcn_says EBADF; fact got '%s bytes written'
done_row

row 10b "copy /dev/stdin d <&-"
both 'cp /dev/stdin d <&-' '"$Z" copy /dev/stdin d <&-'
same_exit; same_content d; zcn_says 'EBADF|ENOENT' stdin 'standard input'; fact d '%s bytes'
done_row

row 10c "cat f >&- (stdout closed)"
setup 'seq 1 10 >f'
remember f
both 'cat f >&-' '"$Z" cat f >&-'
same_exit; intact f; zcn_says EBADF
done_row

row 10d "copy missing x 2>&- (stderr closed)"
both 'cp missing x 2>&-' '"$Z" copy missing x 2>&-'
same_exit; same_content x
done_row

row 10e "copy missing x 2>/dev/full"
both 'cp missing x 2>/dev/full' '"$Z" copy missing x 2>/dev/full'
same_exit; same_content x
done_row

row 10f "cat missing 2>/dev/full"
both 'cat missing 2>/dev/full' '"$Z" cat missing 2>/dev/full'
same_exit
done_row

row 10g "cat f >/dev/full"
setup 'seq 1 10 >f'
both 'cat f >/dev/full' '"$Z" cat f >/dev/full'
same_exit; zcn_says ENOSPC
done_row

# The reader leaves early. SIGPIPE is set to its default first (it may be ignored in the environment, which makes cat
# report EPIPE and exit 1 instead): cat is then killed by it, which the shell reports as 141; zcn, whose runtime ignores
# SIGPIPE, sees EPIPE and exits 141 quietly.
row 10h "cat 4M | head -c 10 (the reader leaves)"
T=10 both "env --default-signal=PIPE bash -c 'cat \"\$DATA/rand4m\" | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}'" \
  "env --default-signal=PIPE bash -c '\"\$Z\" cat \"\$DATA/rand4m\" | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}'"
same_exit 141
if [ -s "$RD/zcn.err" ]; then bad "zcn printed: $(shorten "$(head -n 1 "$RD/zcn.err")")"; else ok "zcn printed nothing"; fi
done_row

# ---- the table -------------------------------------------------------------------------------------------------------
echo
echo "| row | input | coreutils | zcn | verdict |"
echo "|-----|-------|-----------|-----|---------|"
printf '%s\n' "${TABLE[@]}"
echo
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
