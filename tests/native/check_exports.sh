#!/bin/sh
# Checks that libzcn.so exports exactly the zcn_* functions declared in zcn.h, and nothing else.
set -eu
lib=$1
header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Declared: every "ZCN_API <type> zcn_name(" in the header.
grep -oE 'ZCN_API[^(]*\bzcn_[a-z0-9_]+\(' "$header" | grep -oE 'zcn_[a-z0-9_]+' | sort -u > "$tmp/declared"
# Exported: defined dynamic symbols of the library.
nm -D --defined-only "$lib" | awk '{print $3}' | sort -u > "$tmp/exported"
if ! diff -u "$tmp/declared" "$tmp/exported"; then
    echo "exports differ from zcn.h (- declared only, + exported only)"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "$(wc -l < "$tmp/declared") functions exported, exactly as declared"
echo "1 passed, 0 failed"
