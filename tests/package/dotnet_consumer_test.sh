#!/bin/sh
# Smoke tests of the packed ZeroCopyNative nupkg, one check per invocation:
#   contents         the nupkg holds both frameworks, docs, README, license, and libzcn (shared and static) for
#                    exactly the runtimes in ZCN_PACK_RIDS, which its description names, and no other
#   determinism      packing again gives byte-identical package entries
#   arm64-exports    the arm64 libzcn.so is AArch64 and exports the same symbols as the x64 one
#   consumer-jit     a sample app restores the nupkg from a local folder feed and does a real transfer under the JIT
#   consumer-aot     the same app published NativeAOT: one file, libzcn linked in, no libzcn.so beside it
#   consumer-net8    the same app for net8.0, published self-contained: the package's net8.0 build on .NET 8
#   readme-sample    the README's C# samples, each in a new console app (`dotnet new console`), warnings as errors, run
#   missing-runtime  publishing for a runtime the package has no libzcn for fails, naming that runtime
# The environment (set by cmake/Package.cmake) says what the package must carry: ZCN_PACK_RIDS (space-separated),
# ZCN_PACK_X64_DIR and ZCN_PACK_ARM64_DIR (the folders packed, empty for a runtime not carried).
set -eu
check=$1
build_dir=$2
source_dir=$3
version=$(cat "$source_dir/VERSION")
feed="$build_dir/packages"
nupkg="$feed/ZeroCopyNative.$version.nupkg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rids=${ZCN_PACK_RIDS:-linux-x64}
host_rid=linux-x64
[ "$(uname -m)" = aarch64 ] && host_rid=linux-arm64

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
                 lib/net10.0/ZeroCopyNative.xml buildTransitive/ZeroCopyNative.targets \
                 README.md LICENSE ZeroCopyNative.nuspec; do
        grep -qx "$entry" "$tmp/entries" || fail "the package lacks $entry"
    done
    # Exactly the runtimes it was built with: libzcn.so and libzcn.a for each, no other runtime folder.
    for rid in $rids; do
        for entry in runtimes/$rid/native/libzcn.so buildTransitive/native/$rid/libzcn.a; do
            grep -qx "$entry" "$tmp/entries" || fail "the package lacks $entry"
        done
    done
    carried=$(grep -E '^(runtimes/[^/]+/native|buildTransitive/native/[^/]+)/' "$tmp/entries" \
              | sed -E 's#^(runtimes/([^/]+)/native|buildTransitive/native/([^/]+))/.*#\2\3#' | sort -u | tr '\n' ' ')
    expected=$(printf '%s\n' $rids | sort -u | tr '\n' ' ')
    [ "$carried" = "$expected" ] || fail "the package carries native files for '$carried', expected '$expected'"
    unzip -p "$nupkg" ZeroCopyNative.nuspec > "$tmp/nuspec"
    for field in "<version>$version</version>" "<license type=\"expression\">MIT</license>" "<repository " \
                 "<tags>" "<description>" "<readme>README.md</readme>"; do
        grep -qF "$field" "$tmp/nuspec" || fail "the nuspec lacks $field"
    done
    # The description names the runtimes it carries, and no other.
    claimed=$(sed -n 's#.*<description>\(.*\)</description>.*#\1#p' "$tmp/nuspec" | grep -oE 'linux-[a-z0-9-]+' \
              | sort -u | tr '\n' ' ')
    [ "$claimed" = "$expected" ] || fail "the description claims '$claimed', the package carries '$expected'"
    unzip -l "$nupkg"
    pass "the package holds every expected entry, and libzcn for exactly: $expected"
    ;;
determinism)
    dotnet pack "$source_dir/bindings/ZeroCopyNative/ZeroCopyNative.csproj" -c Release --nologo -v:q --no-build \
        -o "$tmp/again" -p:ZcnNativeLibDir="$build_dir/native" \
        -p:ZcnPackX64Dir="${ZCN_PACK_X64_DIR-$build_dir/native}" -p:ZcnPackArm64Dir="${ZCN_PACK_ARM64_DIR-}" > "$tmp/pack.log" 2>&1 || { cat "$tmp/pack.log"; fail "pack"; }
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
    dotnet publish "$tmp/consumer/Consumer.csproj" -c Release -r "$host_rid" -p:PublishAot=true \
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
consumer-net8)
    consumer
    # Self-contained: the .NET 8 runtime pack comes from the package feed, no .NET 8 runtime need be installed.
    dotnet publish "$tmp/consumer/Consumer.csproj" -c Release -r "$host_rid" --self-contained \
        -p:ConsumerTargetFramework=net8.0 -p:ZeroCopyNativeVersion="$version" -o "$tmp/publish" \
        > "$tmp/publish.log" 2>&1 || { cat "$tmp/publish.log"; fail "the self-contained net8.0 publish failed"; }
    "$tmp/publish/Consumer" > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the net8.0 consumer failed"; }
    cat "$tmp/out"
    grep -q "^package build .NETCoreApp,Version=v8.0$" "$tmp/out" \
        || fail "the package's net8.0 build was not the one loaded"
    grep -q "^runtime 8\." "$tmp/out" || fail "the consumer did not run on .NET 8"
    grep -q "^transfer ok" "$tmp/out" || fail "the net8.0 consumer did not report a verified transfer"
    pass "the package's net8.0 build transferred on .NET $(sed -n 's/^runtime //p' "$tmp/out")"
    ;;
readme-sample)
    consumer
    # Each C# block of the README becomes the Program.cs of a new console app as `dotnet new console` makes it
    # (implicit usings, nullable), with the package. Any warning (CA1416 among them) fails the build.
    readme_app() { # N DIR: the README's N-th ```csharp block, built into DIR/out
        dotnet new console -o "$2" -n Sample --no-restore > "$tmp/new.log" 2>&1 \
            || { cat "$tmp/new.log"; fail "dotnet new console failed"; }
        # The local feed, and empty Directory.Build.props/Directory.Packages.props so that nothing above $tmp applies.
        for file in nuget.config Directory.Build.props Directory.Packages.props; do
            cp "$source_dir/tests/package/dotnet-consumer/$file" "$2/"
        done
        dotnet add "$2/Sample.csproj" package ZeroCopyNative --version "$version" --no-restore \
            > "$tmp/add.log" 2>&1 || { cat "$tmp/add.log"; fail "dotnet add package failed"; }
        awk -v wanted="$1" '/^```csharp$/ { block++; inside = block == wanted; next } inside && /^```$/ { exit } inside' \
            "$source_dir/README.md" > "$2/Program.cs"
        [ -s "$2/Program.cs" ] || fail "README.md has no C# block number $1"
        cat "$2/Program.cs"
        dotnet build "$2/Sample.csproj" -c Release -p:TreatWarningsAsErrors=true -o "$2/out" \
            > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "the README's C# block $1 does not build warning-free"; }
    }
    readme_app 1 "$tmp/sample"
    mkdir "$tmp/run"
    head -c 1048583 /dev/urandom > "$tmp/run/in.bin"
    (cd "$tmp/run" && dotnet "$tmp/sample/out/Sample.dll") > "$tmp/out" 2>&1 \
        || { cat "$tmp/out"; fail "the README sample failed"; }
    cat "$tmp/out"
    cmp "$tmp/run/in.bin" "$tmp/run/out.bin" || fail "the README sample's out.bin differs from in.bin"
    grep -q "^1048583 bytes by " "$tmp/out" || fail "the README sample did not report the bytes it moved"
    # The second block: the async sample, a file range served to a socket with a deadline.
    readme_app 2 "$tmp/async"
    mkdir "$tmp/run-async"
    (cd "$tmp/run-async" && timeout 120 dotnet "$tmp/async/out/Sample.dll") > "$tmp/out" 2>&1 \
        || { cat "$tmp/out"; fail "the README's async sample failed"; }
    cat "$tmp/out"
    grep -qx "served 524288 bytes, identical" "$tmp/out" || fail "the README's async sample did not serve its range intact"
    # The third block: ZeroCopySender sending messages from pooled buffers over loopback.
    readme_app 3 "$tmp/zerocopy"
    mkdir "$tmp/run-zerocopy"
    (cd "$tmp/run-zerocopy" && timeout 120 dotnet "$tmp/zerocopy/out/Sample.dll") > "$tmp/out" 2>&1 \
        || { cat "$tmp/out"; fail "the README's zero-copy sample failed"; }
    cat "$tmp/out"
    grep -qx "received 16777216 bytes" "$tmp/out" || fail "the README's zero-copy sample did not deliver every byte"
    pass "the three README samples build with no warning; the first copies in.bin to out.bin, the second serves a" \
         "file range, the third sends messages with ZeroCopySender"
    ;;
missing-runtime)
    consumer
    # A runtime the package does not carry: linux-arm64 when it was built without the cross compiler, else one
    # it never carries. Publishing for it must fail at build time, naming the runtime, not at the app's first call.
    case " $rids " in
    *" linux-arm64 "*) missing=osx-arm64 ;;
    *) missing=linux-arm64 ;;
    esac
    if dotnet publish "$tmp/consumer/Consumer.csproj" -c Release -r "$missing" --no-self-contained \
           -p:UseAppHost=false -p:ZeroCopyNativeVersion="$version" -o "$tmp/publish" > "$tmp/publish.log" 2>&1; then
        cat "$tmp/publish.log"; ls -l "$tmp/publish"
        fail "publishing for $missing succeeded, with no libzcn for it"
    fi
    grep "ZCN0002" "$tmp/publish.log" || { cat "$tmp/publish.log"; fail "the publish failed, but not with ZCN0002"; }
    grep -q "ZCN0002.* $missing " "$tmp/publish.log" || fail "the error does not name the runtime $missing"
    pass "publishing for $missing fails with ZCN0002, naming the runtime"
    ;;
*)
    echo "usage: $0 CHECK BUILD_DIR SOURCE_DIR; CHECK: contents, determinism, arm64-exports, consumer-jit," \
         "consumer-aot, consumer-net8, readme-sample or missing-runtime" >&2
    exit 2
    ;;
esac
