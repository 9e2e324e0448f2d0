# The NuGet package (linux-x64 and linux-arm64 native assets) and its consumer smoke tests.
# Included from cmake/Managed.cmake once the managed build target exists.

find_program(ZCN_AARCH64_GCC aarch64-linux-gnu-gcc)
set(ZCN_PACKAGE_DIR ${CMAKE_BINARY_DIR}/packages)
set(ZCN_ARM64_DIR ${CMAKE_BINARY_DIR}/arm64)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(ZCN_PACK_X64_DIR $<TARGET_FILE_DIR:zcn>)
  set(ZCN_PACK_ARM64_DIR ${ZCN_ARM64_DIR}/native)
else()
  set(ZCN_PACK_X64_DIR "")
  set(ZCN_PACK_ARM64_DIR $<TARGET_FILE_DIR:zcn>)
endif()

set(ZCN_PACK_DEPENDS zcn zcn_static)
if(ZCN_AARCH64_GCC AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  # The arm64 library (and its C tests, run under qemu) from the same sources, cross-compiled.
  include(ExternalProject)
  ExternalProject_Add(zcn_arm64
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${ZCN_ARM64_DIR}
    CMAKE_ARGS
      -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/build/aarch64-linux-gnu.toolchain.cmake
      -DCMAKE_BUILD_TYPE=Release
      -DZCN_BUILD_MANAGED=OFF
      -DZCN_BUILD_BENCH=OFF
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    USES_TERMINAL_BUILD ON)
  list(APPEND ZCN_PACK_DEPENDS zcn_arm64)
else()
  message(WARNING "aarch64-linux-gnu-gcc not found: the package will carry no linux-arm64 assets")
endif()

add_custom_target(zcn_pack ALL
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${ZCN_PACKAGE_DIR}
  COMMAND ${DOTNET_EXECUTABLE} pack ${PROJECT_SOURCE_DIR}/bindings/ZeroCopyNative/ZeroCopyNative.csproj
          -c Release --nologo -v:q -o ${ZCN_PACKAGE_DIR}
          -p:ZcnNativeLibDir=$<TARGET_FILE_DIR:zcn>
          -p:ZcnPackX64Dir=${ZCN_PACK_X64_DIR}
          -p:ZcnPackArm64Dir=${ZCN_PACK_ARM64_DIR}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Packing the ZeroCopyNative NuGet package"
  VERBATIM)
add_dependencies(zcn_pack ${ZCN_PACK_DEPENDS})
if(TARGET zcn_managed_build)
  # One msbuild at a time over the same project: pack after the solution build.
  add_dependencies(zcn_pack zcn_managed_build)
endif()

set(ZCN_PACKAGE_TEST ${PROJECT_SOURCE_DIR}/tests/package/dotnet_consumer_test.sh)
foreach(check contents determinism arm64-exports consumer-jit consumer-aot)
  add_test(NAME package-${check}
    COMMAND ${ZCN_PACKAGE_TEST} ${check} ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(package-${check} PROPERTIES LABELS "package" TIMEOUT 900)
endforeach()
set_tests_properties(package-consumer-aot PROPERTIES DEPENDS package-consumer-jit)

if(TARGET zcn_arm64)
  # The C suite for aarch64 under qemu-user (valgrind cannot run foreign binaries). qemu-user 7.2 emulates the
  # memory-management calls only in part (madvise is accepted and ignored, mincore and MAP_POPULATE do not reflect
  # residency, MAP_FIXED_NOREPLACE and huge pages are not forwarded), passes no STATX_DIOALIGN fields, has no
  # io_uring, cannot exec the host's x86-64 programs that the O_CLOEXEC test spawns, and the EINTR test's
  # signal-interrupted splice never completes under it (the test times out). Those suites would test the emulator, not
  # libzcn, so they run natively only (the reliability errno matrix has mmap and madvise rows of the same kind);
  # every other suite, the reliability EINTR storm included, runs here unchanged.
  add_test(NAME package-arm64-native-suite
    COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${ZCN_ARM64_DIR} -L native -LE valgrind
            -E "^native-(mmap|dio|memfd|cloexec|info|eintr|reliability-errno)$" --output-on-failure --no-tests=error)
  set_tests_properties(package-arm64-native-suite PROPERTIES LABELS "package" TIMEOUT 900)
endif()
