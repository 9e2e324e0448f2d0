# zcn, the NativeAOT command-line utility, published once into <build>/zcn/ with libzcn.a linked in, beside
# zcn-bench-c (its C reference, built there by native/bench). Included from the top CMakeLists.txt only right after
# Managed.cmake, which has found dotnet (DOTNET_EXECUTABLE), chosen ZCN_DOTNET_RID, defined zcn_dotnet_serialize and
# the zcn_managed_build target: this file uses them as given.
#   zcn_tool   dotnet publish tools/zcn (Release, NativeAOT) → <build>/zcn/zcn
#   ctest zcn-cli   tests/cli/zcn_cli_test.sh: exit codes, --help, copy/cat byte identity, bench JSON, Ctrl+C cleanup
#   ctest zcn-conformance   tests/cli/zcn_conformance.sh: zcn copy/cat against cp/cat side by side on issue 10's inputs
#                   (same file, input is output, non-regular and sparse sources, special destinations, errors, modes,
#                   closed descriptors); mounts small tmpfs as root, prints why where it cannot

set(ZCN_TOOL_DIR ${CMAKE_BINARY_DIR}/zcn)
# The static library is what the binary links; its directory is what the project reads as ZcnNativeLibDir.
add_custom_target(zcn_tool ALL
  COMMAND ${DOTNET_EXECUTABLE} publish ${PROJECT_SOURCE_DIR}/tools/zcn/zcn.csproj
          -c Release -r ${ZCN_DOTNET_RID} --nologo -v:m -o ${ZCN_TOOL_DIR}
          -p:ZcnNativeLibDir=$<TARGET_FILE_DIR:zcn_static>
          $<$<BOOL:${ZCN_LAYOUT_FILE}>:-p:ZcnLayoutFile=${ZCN_LAYOUT_FILE}>
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Publishing zcn (NativeAOT, ${ZCN_DOTNET_RID}) into ${ZCN_TOOL_DIR}"
  USES_TERMINAL
  VERBATIM)
add_dependencies(zcn_tool zcn_static zcn)
if(TARGET zcn_bench_c)
  add_dependencies(zcn_tool zcn_bench_c)
endif()
# Two MSBuild runs over the same project race on its obj/ and bin/: run after every other dotnet target.
zcn_dotnet_serialize(zcn_tool)

add_test(NAME zcn-cli
  COMMAND ${CMAKE_COMMAND} -E env ZCN_BENCH_C=${ZCN_TOOL_DIR}/zcn-bench-c
          bash ${PROJECT_SOURCE_DIR}/tests/cli/zcn_cli_test.sh ${ZCN_TOOL_DIR}/zcn)
set_tests_properties(zcn-cli PROPERTIES LABELS "cli" TIMEOUT 300)

add_test(NAME zcn-conformance
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli/zcn_conformance.sh ${ZCN_TOOL_DIR}/zcn)
set_tests_properties(zcn-conformance PROPERTIES LABELS "cli" TIMEOUT 150)
