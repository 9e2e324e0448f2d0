#!/bin/sh
# Smoke tests of the packed ZeroCopyNative nupkg, one check per invocation:
#   contents       the nupkg holds both frameworks, both RIDs' shared and static libzcn, docs, README, license
#   determinism    packing again gives byte-identical package entries
#   arm64-exports  the arm64 libzcn.so is AArch64 and exports the same symbols as the x64 one
#   consumer-jit   a sample app restores the nupkg from a local folder feed and does a real transfer under the JIT
#   consumer-aot   the same app published NativeAOT: one file, libzcn linked in, no libzcn.so beside it
set -eu
check=$1
build_dir=$2
source_dir=$3
version=$(cat "$source_dir/VERSION")
feed="$build_dir/packages"
nupkg="$feed/ZeroCopyNative.$version.nupkg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
pass() { echo "ok: $*"; echo "1 passed, 0 failed"; exit 0; }

[ -f "$nupkg" ] || fail "no package at $nupkg"

consumer() {
    cp -r "$source_dir/tests/package/dotnet-consumer" "$tmp/consumer"
    export ZCN_PACKAGE_FEED="$feed"
    # The same version may have been packed before: drop it from the package cache so restore takes this one.
    rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/zerocopynative/$version"
}

case "$check" in
contents)
    unzip -Z1 "$nupkg" | sort > "$tmp/entries"
    for entry in lib/net8.0/ZeroCopyNative.dll lib/net8.0/ZeroCopyNative.xml lib/net10.0/ZeroCopyNative.dll \
                 lib/net10.0/ZeroCopyNative.xml runtimes/linux-x64/native/libzcn.so \
                 runtimes/linux-arm64/native/libzcn.so buildTransitive/ZeroCopyNative.targets \
                 buildTransitive/native/linux-x64/libzcn.a buildTransitive/native/linux-arm64/libzcn.a \
                 README.md LICENSE ZeroCopyNative.nuspec; do
        grep -qx "$entry" "$tmp/entries" || fail "the package lacks $entry"
    done
    unzip -p "$nupkg" ZeroCopyNative.nuspec > "$tmp/nuspec"
    for field in "<version>$version</version>" "<license type=\"expression\">MIT</license>" "<repository " \
                 "<tags>" "<description>" "<readme>README.md</readme>"; do
        grep -qF "$field" "$tmp/nuspec" || fail "the nuspec lacks $field"
    done
    unzip -l "$nupkg"
    pass "the package holds every expected entry"
    ;;
determinism)
    dotnet pack "$source_dir/bindings/ZeroCopyNative/ZeroCopyNative.csproj" -c Release --nologo -v:q --no-build \
        -o "$tmp/again" -p:ZcnNativeLibDir="$build_dir/native" -p:ZcnPackX64Dir="$build_dir/native" \
        -p:ZcnPackArm64Dir="$build_dir/arm64/native" > "$tmp/pack.log" 2>&1 || { cat "$tmp/pack.log"; fail "pack"; }
    mkdir "$tmp/a" "$tmp/b"
    (cd "$tmp/a" && unzip -q "$nupkg")
    (cd "$tmp/b" && unzip -q "$tmp/again/ZeroCopyNative.$version.nupkg")
    # NuGet stamps each pack's own metadata file with a fresh identifier; everything else must match.
    diff -r -x '*.psmdcp' -x '.signature.p7s' "$tmp/a" "$tmp/b" || fail "two packs differ"
    pass "two packs have identical contents"
    ;;
arm64-exports)
    unzip -q -o "$nupkg" 'runtimes/*' -d "$tmp"
    x64="$tmp/runtimes/linux-x64/native/libzcn.so"
    arm64="$tmp/runtimes/linux-arm64/native/libzcn.so"
    readelf -h "$arm64" | grep -q 'Machine:.*AArch64' || fail "the arm64 library is not AArch64"
    readelf -h "$x64" | grep -q 'Machine:.*X86-64' || fail "the x64 library is not X86-64"
    nm -D --defined-only "$x64" | awk '{print $3}' | sort > "$tmp/x64.syms"
    nm -D --defined-only "$arm64" | awk '{print $3}' | sort > "$tmp/arm64.syms"
    diff -u "$tmp/x64.syms" "$tmp/arm64.syms" || fail "the two libraries export different symbols"
    pass "arm64 is AArch64 and exports the same $(wc -l < "$tmp/x64.syms") symbols as x64"
    ;;
consumer-jit)
    consumer
    dotnet run --project "$tmp/consumer/Consumer.csproj" -c Release -p:ZeroCopyNativeVersion="$version" \
        > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the consumer failed under the JIT"; }
    cat "$tmp/out"
    grep -q "^transfer ok" "$tmp/out" || fail "the consumer did not report a verified transfer"
    pass "restored from the local feed and transferred under the JIT"
    ;;
consumer-aot)
    consumer
    rid=linux-x64
    [ "$(uname -m)" = aarch64 ] && rid=linux-arm64
    dotnet publish "$tmp/consumer/Consumer.csproj" -c Release -r "$rid" -p:PublishAot=true \
        -p:ZeroCopyNativeVersion="$version" -o "$tmp/publish" > "$tmp/publish.log" 2>&1 \
        || { cat "$tmp/publish.log"; fail "NativeAOT publish failed"; }
    [ ! -e "$tmp/publish/libzcn.so" ] || fail "libzcn.so sits beside the NativeAOT binary"
    readelf -d "$tmp/publish/Consumer" | grep -q 'libzcn' && fail "the binary still needs libzcn.so"
    "$tmp/publish/Consumer" > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the NativeAOT consumer failed"; }
    cat "$tmp/out"
    grep -q "^transfer ok" "$tmp/out" || fail "the NativeAOT consumer did not report a verified transfer"
    echo "binary size: $(stat -c %s "$tmp/publish/Consumer") bytes"
    pass "NativeAOT consumer is one file with libzcn linked in"
    ;;
*)
    echo "usage: $0 contents|determinism|arm64-exports|consumer-jit|consumer-aot BUILD_DIR SOURCE_DIR" >&2
    exit 2
    ;;
esac
