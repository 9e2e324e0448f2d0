# The generated bindings: the C layout program whose output the managed layout tests read, the drift check
# (committed Interop/ against a fresh generation), and the generator's own tests.
# Included from the top-level CMakeLists.txt when ZCN_BUILD_MANAGED is ON.
#
# Provides:
#   target zcn_layout      build/layout/zcn_layout.c (generated): prints sizeof/offsetof of every struct of zcn.h
#   target zcn_layout_txt  (ALL) runs it into ${ZCN_LAYOUT_FILE}; pass that to MSBuild as -p:ZcnLayoutFile=...
#   ctest bindings-drift   regenerates into a temporary folder and diffs against the committed files
#   ctest generator-tests  tests/BindingsGenerator.Tests (NUnit executable)

add_executable(zcn_layout "${PROJECT_SOURCE_DIR}/build/layout/zcn_layout.c")
target_include_directories(zcn_layout PRIVATE "${PROJECT_SOURCE_DIR}/native/include")
target_compile_options(zcn_layout PRIVATE -Wall -Wextra -Werror -Wconversion -Wstrict-prototypes -Wmissing-prototypes)

set(ZCN_LAYOUT_FILE "${CMAKE_BINARY_DIR}/zcn_layout.txt")
add_custom_command(
  OUTPUT "${ZCN_LAYOUT_FILE}"
  COMMAND zcn_layout "${ZCN_LAYOUT_FILE}"
  DEPENDS zcn_layout
  COMMENT "Recording the C layout of zcn.h's structs in zcn_layout.txt"
  VERBATIM)
add_custom_target(zcn_layout_txt ALL DEPENDS "${ZCN_LAYOUT_FILE}")

find_program(ZCN_DOTNET dotnet)
if(NOT ZCN_DOTNET)
  message(WARNING "dotnet not found: bindings-drift and generator-tests are not registered")
  return()
endif()

# Each test builds its project into its own folder under the build tree (an incremental no-op once the solution
# is built) and runs the result, so it does not depend on where or how the solution build put its outputs.
function(zcn_dotnet_test name project out dll)
  add_test(NAME ${name}
    COMMAND "${CMAKE_COMMAND}"
      "-DDOTNET=${ZCN_DOTNET}"
      "-DPROJECT=${PROJECT_SOURCE_DIR}/${project}"
      "-DOUT=${CMAKE_BINARY_DIR}/${out}"
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
  bindings-generator BindingsGenerator.dll "@build/generate.rsp|--check")
zcn_dotnet_test(generator-tests tests/BindingsGenerator.Tests/BindingsGenerator.Tests.csproj
  bindings-generator-tests BindingsGenerator.Tests.dll "")
