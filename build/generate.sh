#!/usr/bin/env bash
# Builds build/BindingsGenerator and regenerates everything it owns:
#   build/generate.rsp: bindings/ZeroCopyNative/Interop/*.cs, build/layout/zcn_layout.c,
#                       tests/ZeroCopyNative.Tests/Interop/LayoutTests.g.cs (from native/include/zcn.h)
#   tests/BindingsGenerator.Tests/generate-fixture.rsp: the generator tests' compiled fixture
# Usage: build/generate.sh            regenerate (commit the result)
#        build/generate.sh --check    regenerate into a temporary folder and diff against the committed files
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build build/BindingsGenerator/BindingsGenerator.csproj -c Release --nologo -v quiet -clp:NoSummary >&2
generator=build/BindingsGenerator/bin/Release/net10.0/BindingsGenerator.dll
status=0
for rsp in build/generate.rsp tests/BindingsGenerator.Tests/generate-fixture.rsp; do
    dotnet "$generator" "@$rsp" "$@" || status=$?
done
exit "$status"
