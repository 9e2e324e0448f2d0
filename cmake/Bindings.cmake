# The generated bindings: the C layout program whose output the managed layout tests read, the drift check
# (committed Interop/ against a fresh generation), and the generator's own tests.
# Included from cmake/Managed.cmake (ZCN_BUILD_MANAGED=ON), which has found dotnet (DOTNET_EXECUTABLE), passes
# ${ZCN_LAYOUT_FILE} to MSBuild as -p:ZcnLayoutFile and builds the solution after the targets this file appends to
# ZCN_MANAGED_BUILD_DEPENDS.
#
# Provides:
#   target zcn_layout      build/layout/zcn_layout.c (generated): prints sizeof/offsetof of every struct of zcn.h
#   target zcn_layout_txt  (ALL) runs it into ${ZCN_LAYOUT_FILE}; pass that to MSBuild as -p:ZcnLayoutFile=...
#   ctest bindings-drift   regenerates into a temporary folder and diffs against the committed files
#   ctest generator-tests  tests/BindingsGenerator.Tests (NUnit executable)

add_executable(zcn_layout "${PROJECT_SOURCE_DIR}/build/layout/zcn_layout.c")
target_include_directories(zcn_layout PRIVATE "${PROJECT_SOURCE_DIR}/native/include")
target_compile_options(zcn_layout PRIVATE -Wall -Wextra -Werror -Wconversion -Wstrict-prototypes -Wmissing-prototypes)

if(NOT ZCN_LAYOUT_FILE)
  set(ZCN_LAYOUT_FILE "${CMAKE_BINARY_DIR}/zcn_layout.txt")
endif()
add_custom_command(
  OUTPUT "${ZCN_LAYOUT_FILE}"
  COMMAND zcn_layout "${ZCN_LAYOUT_FILE}"
  DEPENDS zcn_layout
  COMMENT "Recording the C layout of zcn.h's structs in zcn_layout.txt"
  VERBATIM)
add_custom_target(zcn_layout_txt ALL DEPENDS "${ZCN_LAYOUT_FILE}")
# The test project copies the file into its output when it is built: build it first.
list(APPEND ZCN_MANAGED_BUILD_DEPENDS zcn_layout_txt)

# Each test builds its project (Release, default output folder: what the solution build made, so normally an
# incremental no-op) and runs the result. They run at test time, so they never overlap the build step's MSBuild
# runs; RESOURCE_LOCK keeps them from overlapping each other under ctest -j.
function(zcn_dotnet_test name project dll)
  get_filename_component(project_dir "${project}" DIRECTORY)
  add_test(NAME ${name}
    COMMAND "${CMAKE_COMMAND}"
      "-DDOTNET=${DOTNET_EXECUTABLE}"
      "-DPROJECT=${PROJECT_SOURCE_DIR}/${project}"
      "-DOUT=${PROJECT_SOURCE_DIR}/${project_dir}/bin/Release/net10.0"
      "-DDLL=${dll}"
      "-DARGS=${ARGN}"
      -P "${PROJECT_SOURCE_DIR}/cmake/DotnetBuildAndRun.cmake"
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
  set_tests_properties(${name} PROPERTIES
    LABELS "managed;bindings"
    TIMEOUT 600
    # Both tests build BindingsGenerator (one directly, one through a reference): never at the same time.
    RESOURCE_LOCK zcn-bindings-generator-build
    ENVIRONMENT "DOTNET_CLI_TELEMETRY_OPTOUT=1;DOTNET_NOLOGO=1;DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1")
endfunction()

zcn_dotnet_test(bindings-drift build/BindingsGenerator/BindingsGenerator.csproj
  BindingsGenerator.dll "@build/generate.rsp|--check")
zcn_dotnet_test(generator-tests tests/BindingsGenerator.Tests/BindingsGenerator.Tests.csproj
  BindingsGenerator.Tests.dll "")
