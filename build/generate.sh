#!/usr/bin/env bash
# Builds build/BindingsGenerator and regenerates the bindings from native/include/zcn.h:
#   bindings/ZeroCopyNative/Interop/*.cs, build/layout/zcn_layout.c, tests/ZeroCopyNative.Tests/Interop/LayoutTests.g.cs
# Usage: build/generate.sh            regenerate (commit the result)
#        build/generate.sh --check    regenerate into a temporary folder and diff against the committed files
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build build/BindingsGenerator/BindingsGenerator.csproj -c Release --nologo -v quiet -clp:NoSummary >&2
exec dotnet build/BindingsGenerator/bin/Release/net10.0/BindingsGenerator.dll @build/generate.rsp "$@"
