#!/bin/sh
# Installs libzcn into a temporary prefix, then builds and runs a C consumer through
# find_package(ZeroCopyNative) (shared and static) and through pkg-config.
set -eu
build_dir=$1
source_dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() {
    name=$1
    shift
    if "$@" > "$tmp/$name.log" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; cat "$tmp/$name.log"
    fi
}
cmake --install "$build_dir" --prefix "$tmp/prefix" > "$tmp/install.log"
libdir=$(ls -d "$tmp"/prefix/lib*/ | head -n 1)
check cmake-configure cmake -S "$source_dir/c-consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix"
check cmake-build cmake --build "$tmp/cmake-build"
check cmake-shared-run env LD_LIBRARY_PATH="$libdir" "$tmp/cmake-build/consumer_shared"
check cmake-static-run "$tmp/cmake-build/consumer_static"
check static-has-no-libzcn-dependency sh -c "! readelf -d '$tmp/cmake-build/consumer_static' | grep -q libzcn"
export PKG_CONFIG_PATH="${libdir}pkgconfig"
check pkgconfig-version sh -c "test \"\$(pkg-config --modversion zcn)\" = \"\$(cat '$source_dir/../../VERSION')\""
check pkgconfig-build sh -c "cc \$(pkg-config --cflags zcn) '$source_dir/c-consumer/main.c' -o '$tmp/pc_consumer' \$(pkg-config --libs zcn)"
check pkgconfig-run env LD_LIBRARY_PATH="$libdir" "$tmp/pc_consumer"
echo "$passed passed, $failed failed"
test "$failed" -eq 0
