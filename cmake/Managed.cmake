# The managed side, built with the .NET SDK after libzcn:
#   zcn_managed_build      dotnet build of ZeroCopyNative.sln (Release), against this build's libzcn.so
#   zcn_managed_aot_tests  the NUnit test executable published once as NativeAOT into <build>/aot-tests
# and the ctest tests (label "managed"):
#   managed-jit            the test executable under the JIT, from its build output (libzcn.so beside it)
#   managed-aot            the NativeAOT test binary (libzcn.so beside it)
#   managed-aot-list       both list the same tests (nothing lost to trimming)
# Needs only the .NET SDK and the NuGet feed: PublishAot restores the ILCompiler packages like any other.

find_program(DOTNET_EXECUTABLE dotnet)
if(NOT DOTNET_EXECUTABLE)
  message(FATAL_ERROR "dotnet (the .NET SDK) was not found; install it or configure with -DZCN_BUILD_MANAGED=OFF")
endif()

if(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "aarch64|arm64|ARM64")
  set(ZCN_DOTNET_RID linux-arm64)
else()
  set(ZCN_DOTNET_RID linux-x64)
endif()

set(ZCN_LAYOUT_FILE ${CMAKE_BINARY_DIR}/zcn_layout.txt)
# Every dotnet invocation sees the same global properties, so their restores and builds agree.
set(ZCN_DOTNET_PROPERTIES
  -p:ZcnNativeLibDir=$<TARGET_FILE_DIR:zcn>
  -p:ZcnLayoutFile=${ZCN_LAYOUT_FILE})

# MSBuild runs must not overlap: two of them over the same project (ZeroCopyNative.csproj is referenced by every
# executable) race on its obj/ and bin/. zcn_dotnet_serialize(<target>) orders <target> after every dotnet target
# registered before it; each target that runs dotnet should pass through it.
set_property(GLOBAL PROPERTY ZCN_LAST_DOTNET_TARGET "")
function(zcn_dotnet_serialize target)
  get_property(last GLOBAL PROPERTY ZCN_LAST_DOTNET_TARGET)
  if(last)
    add_dependencies(${target} ${last})
  endif()
  set_property(GLOBAL PROPERTY ZCN_LAST_DOTNET_TARGET ${target})
endfunction()

# The bindings generator's parts: the C layout file the managed layout tests read, the drift check, the
# generator's tests. MSBuild checks for the layout file when it evaluates the test project, so it comes first.
include(${CMAKE_CURRENT_LIST_DIR}/Bindings.cmake OPTIONAL)
if(TARGET zcn_layout_txt)
  list(APPEND ZCN_MANAGED_BUILD_DEPENDS zcn_layout_txt)
endif()

add_custom_target(zcn_managed_build ALL
  COMMAND ${DOTNET_EXECUTABLE} build ${PROJECT_SOURCE_DIR}/ZeroCopyNative.sln
          -c Release --nologo -v:m ${ZCN_DOTNET_PROPERTIES}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Building the C# solution (Release)"
  USES_TERMINAL
  VERBATIM)
add_dependencies(zcn_managed_build zcn ${ZCN_MANAGED_BUILD_DEPENDS})
zcn_dotnet_serialize(zcn_managed_build)

# PublishAot is set in the test project itself (not passed here), so the libraries are not restored with it. The
# publish re-restores with the RID's runtime packs (about a second; the next build restores back) but recompiles
# nothing the build made; the RID-specific intermediates go to obj/Release/net10.0/<rid>/. ILC takes most of it.
set(ZCN_AOT_TESTS_DIR ${CMAKE_BINARY_DIR}/aot-tests)
add_custom_target(zcn_managed_aot_tests ALL
  COMMAND ${DOTNET_EXECUTABLE} publish ${PROJECT_SOURCE_DIR}/tests/ZeroCopyNative.Tests/ZeroCopyNative.Tests.csproj
          -c Release -r ${ZCN_DOTNET_RID} --nologo -v:m -o ${ZCN_AOT_TESTS_DIR} ${ZCN_DOTNET_PROPERTIES}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Publishing the NativeAOT test executable (${ZCN_DOTNET_RID})"
  USES_TERMINAL
  VERBATIM)
zcn_dotnet_serialize(zcn_managed_aot_tests)

set(ZCN_JIT_TESTS_DIR ${PROJECT_SOURCE_DIR}/tests/ZeroCopyNative.Tests/bin/Release/net10.0)
add_test(NAME managed-jit
  COMMAND ${DOTNET_EXECUTABLE} ${ZCN_JIT_TESTS_DIR}/ZeroCopyNative.Tests.dll
  WORKING_DIRECTORY ${ZCN_JIT_TESTS_DIR})
add_test(NAME managed-aot
  COMMAND ${ZCN_AOT_TESTS_DIR}/ZeroCopyNative.Tests
  WORKING_DIRECTORY ${ZCN_AOT_TESTS_DIR})
add_test(NAME managed-aot-list
  COMMAND ${CMAKE_COMMAND}
          -DJIT_COMMAND=${DOTNET_EXECUTABLE}$<SEMICOLON>${ZCN_JIT_TESTS_DIR}/ZeroCopyNative.Tests.dll
          -DAOT_COMMAND=${ZCN_AOT_TESTS_DIR}/ZeroCopyNative.Tests
          -P ${CMAKE_CURRENT_LIST_DIR}/CompareTestLists.cmake)
set_tests_properties(managed-jit managed-aot PROPERTIES LABELS "managed" TIMEOUT 600)
set_tests_properties(managed-aot-list PROPERTIES LABELS "managed" TIMEOUT 120)

include(${CMAKE_CURRENT_LIST_DIR}/Package.cmake OPTIONAL)
if(TARGET zcn_pack)
  zcn_dotnet_serialize(zcn_pack)
endif()

# The Reliability category once more, against an AddressSanitizer build of libzcn (managed-reliability-asan).
include(${CMAKE_CURRENT_LIST_DIR}/ManagedAsan.cmake)
