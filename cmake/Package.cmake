# The NuGet package and its consumer smoke tests. Included from cmake/Managed.cmake once the managed build target
# exists.
#
# The package carries libzcn for the host's runtime (linux-x64 or linux-arm64) and, on an x86-64 host with Debian's
# cross toolchain, for linux-arm64 too: exactly the runtimes it claims in its description, no more.
#   ZCN_ARM64=AUTO  (the default) cross-compile for linux-arm64 when aarch64-linux-gnu-gcc links a C program; its C
#                   suite runs under qemu-aarch64-static when that is found too. A fresh machine has neither: the
#                   tests that need them are not registered, and configure says which and why.
#   ZCN_ARM64=ON    require the whole cross toolchain (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross,
#                   qemu-user-static): configure fails without it. .ci/run sets this (environment variable ZCN_ARM64).
#   ZCN_ARM64=OFF   never cross-compile.

set(ZCN_PACKAGE_DIR ${CMAKE_BINARY_DIR}/packages)
set(ZCN_ARM64_DIR ${CMAKE_BINARY_DIR}/arm64)

if(DEFINED ENV{ZCN_ARM64} AND NOT DEFINED CACHE{ZCN_ARM64})
  set(ZCN_ARM64 "$ENV{ZCN_ARM64}" CACHE STRING "Cross-compile libzcn for linux-arm64: AUTO, ON (required) or OFF")
endif()
set(ZCN_ARM64 AUTO CACHE STRING "Cross-compile libzcn for linux-arm64: AUTO, ON (required) or OFF")
set_property(CACHE ZCN_ARM64 PROPERTY STRINGS AUTO ON OFF)
if(NOT ZCN_ARM64 MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "ZCN_ARM64 is '${ZCN_ARM64}'; give AUTO, ON or OFF")
endif()

set(ZCN_CROSS_ARM64 OFF)   # build linux-arm64 from the same sources with the cross compiler
set(ZCN_QEMU_ARM64 OFF)    # and run its C suite under qemu-user
set(ZCN_ARM64_LEFT_OUT "")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(ZCN_PACK_X64_DIR $<TARGET_FILE_DIR:zcn>)
  set(ZCN_PACK_ARM64_DIR "")
  set(ZCN_PACK_RIDS linux-x64)
  if(ZCN_ARM64 STREQUAL "OFF")
    set(ZCN_ARM64_LEFT_OUT "ZCN_ARM64 is OFF")
  else()
    find_program(ZCN_AARCH64_GCC aarch64-linux-gnu-gcc)
    find_program(ZCN_QEMU_AARCH64 qemu-aarch64-static)
    if(NOT ZCN_AARCH64_GCC)
      set(ZCN_ARM64_LEFT_OUT
          "aarch64-linux-gnu-gcc was not found (Debian: gcc-aarch64-linux-gnu libc6-dev-arm64-cross)")
    else()
      # The compiler alone is not enough: it must find the arm64 C library and link against it.
      set(probe ${CMAKE_BINARY_DIR}/CMakeFiles/zcn_arm64_probe)
      file(WRITE ${probe}.c "#include <stdio.h>\nint main(void) { return puts(\"\") < 0; }\n")
      execute_process(COMMAND ${ZCN_AARCH64_GCC} ${probe}.c -o ${probe}
                      RESULT_VARIABLE probe_result OUTPUT_QUIET ERROR_QUIET)
      if(NOT probe_result EQUAL 0)
        set(ZCN_ARM64_LEFT_OUT
            "${ZCN_AARCH64_GCC} cannot link a C program (Debian: libc6-dev-arm64-cross is missing?)")
      else()
        set(ZCN_CROSS_ARM64 ON)
        set(ZCN_PACK_ARM64_DIR ${ZCN_ARM64_DIR}/native)
        list(APPEND ZCN_PACK_RIDS linux-arm64)
        if(ZCN_QEMU_AARCH64)
          set(ZCN_QEMU_ARM64 ON)
        else()
          set(ZCN_ARM64_LEFT_OUT "qemu-aarch64-static was not found (Debian: qemu-user-static)")
        endif()
      endif()
    endif()
  endif()
  if(ZCN_ARM64 STREQUAL "ON" AND ZCN_ARM64_LEFT_OUT)
    message(FATAL_ERROR "ZCN_ARM64 is ON, but ${ZCN_ARM64_LEFT_OUT}. Install gcc-aarch64-linux-gnu, "
                        "libc6-dev-arm64-cross and qemu-user-static, or configure with -DZCN_ARM64=AUTO.")
  endif()
else()
  # An arm64 host builds its own runtime only: there is no x86-64 cross toolchain here.
  set(ZCN_PACK_X64_DIR "")
  set(ZCN_PACK_ARM64_DIR $<TARGET_FILE_DIR:zcn>)
  set(ZCN_PACK_RIDS linux-arm64)
endif()
string(REPLACE ";" " and " ZCN_PACK_RIDS_TEXT "${ZCN_PACK_RIDS}")
string(REPLACE ";" " " ZCN_PACK_RIDS_WORDS "${ZCN_PACK_RIDS}")

set(ZCN_PACK_DEPENDS zcn zcn_static)
if(ZCN_CROSS_ARM64)
  # The arm64 library (and its C tests, run under qemu) from the same sources, cross-compiled.
  include(ExternalProject)
  ExternalProject_Add(zcn_arm64
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${ZCN_ARM64_DIR}
    CMAKE_ARGS
      -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/build/aarch64-linux-gnu.toolchain.cmake
      -DCMAKE_C_COMPILER=${ZCN_AARCH64_GCC}
      -DZCN_QEMU_AARCH64=${ZCN_QEMU_AARCH64}
      -DCMAKE_BUILD_TYPE=Release
      -DZCN_BUILD_MANAGED=OFF
      -DZCN_BUILD_BENCH=OFF
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    USES_TERMINAL_BUILD ON)
  list(APPEND ZCN_PACK_DEPENDS zcn_arm64)
endif()

add_custom_target(zcn_pack ALL
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${ZCN_PACKAGE_DIR}
  COMMAND ${DOTNET_EXECUTABLE} pack ${PROJECT_SOURCE_DIR}/bindings/ZeroCopyNative/ZeroCopyNative.csproj
          -c Release --nologo -v:q -o ${ZCN_PACKAGE_DIR}
          -p:ZcnNativeLibDir=$<TARGET_FILE_DIR:zcn>
          -p:ZcnPackX64Dir=${ZCN_PACK_X64_DIR}
          -p:ZcnPackArm64Dir=${ZCN_PACK_ARM64_DIR}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Packing the ZeroCopyNative NuGet package (libzcn for ${ZCN_PACK_RIDS_TEXT})"
  VERBATIM)
add_dependencies(zcn_pack ${ZCN_PACK_DEPENDS})
if(TARGET zcn_managed_build)
  # One msbuild at a time over the same project: pack after the solution build.
  add_dependencies(zcn_pack zcn_managed_build)
endif()

# The package tests. Each runs tests/package/dotnet_consumer_test.sh <check>; the script reads which runtimes the
# package must carry, and where their libraries are, from the environment.
set(ZCN_PACKAGE_TEST ${PROJECT_SOURCE_DIR}/tests/package/dotnet_consumer_test.sh)
set(ZCN_PACKAGE_CHECKS contents determinism consumer-jit consumer-aot consumer-net8 readme-sample missing-runtime)
set(ZCN_PACKAGE_LEFT_OUT "")
if(ZCN_PACK_X64_DIR AND ZCN_PACK_ARM64_DIR)
  list(APPEND ZCN_PACKAGE_CHECKS arm64-exports)
else()
  list(APPEND ZCN_PACKAGE_LEFT_OUT package-arm64-exports)
endif()
foreach(check IN LISTS ZCN_PACKAGE_CHECKS)
  add_test(NAME package-${check}
    COMMAND ${CMAKE_COMMAND} -E env
            "ZCN_PACK_RIDS=${ZCN_PACK_RIDS_WORDS}"
            "ZCN_PACK_X64_DIR=${ZCN_PACK_X64_DIR}"
            "ZCN_PACK_ARM64_DIR=${ZCN_PACK_ARM64_DIR}"
            ${ZCN_PACKAGE_TEST} ${check} ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(package-${check} PROPERTIES LABELS "package" TIMEOUT 900)
endforeach()
set_tests_properties(package-consumer-aot PROPERTIES DEPENDS package-consumer-jit)

if(ZCN_QEMU_ARM64)
  # The C suite for aarch64 under qemu-user (valgrind cannot run foreign binaries). qemu-user 7.2 emulates the
  # memory-management calls only in part (madvise is accepted and ignored, mincore and MAP_POPULATE do not reflect
  # residency, MAP_FIXED_NOREPLACE and huge pages are not forwarded), passes no STATX_DIOALIGN fields, has no
  # io_uring, cannot exec the host's x86-64 programs that the O_CLOEXEC test spawns nor, without a binfmt entry, the
  # aarch64 test binary that the descriptor-flags test re-executes to inherit descriptors, and the EINTR test's
  # signal-interrupted splice never completes under it (the test times out), and /proc/self/task/*/syscall names the
  # host's system call, not the guest's, so the cancellation test cannot see its thread wait. Those suites would test
  # the emulator, not libzcn, so they run natively only (the reliability errno matrix has mmap and madvise rows of the
  # same kind); every other suite, the reliability EINTR storm included, runs here unchanged. qemu-user does not forward
  # SO_ZEROCOPY either (ENOPROTOOPT), so the zero-copy send suite is native only too; ZCN_EMULATED tells the suites
  # that run here (native-aligned's huge-page check) that memory advice is ignored.
  add_test(NAME package-arm64-native-suite
    COMMAND ${CMAKE_COMMAND} -E env ZCN_EMULATED=qemu-user
            ${CMAKE_CTEST_COMMAND} --test-dir ${ZCN_ARM64_DIR} -L native -LE valgrind
            -E "^native-(mmap|dio|memfd|cloexec|fd-flags|info|eintr|cancellation|reliability-errno|zerocopy-send)$"
            --output-on-failure --no-tests=error)
  set_tests_properties(package-arm64-native-suite PROPERTIES LABELS "package" TIMEOUT 900)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  list(APPEND ZCN_PACKAGE_LEFT_OUT package-arm64-native-suite)
endif()

message(STATUS "Package: libzcn for ${ZCN_PACK_RIDS_TEXT}")
if(ZCN_ARM64_LEFT_OUT)
  list(JOIN ZCN_PACKAGE_LEFT_OUT ", " left_out)
  if(ZCN_CROSS_ARM64)
    set(what "the package carries linux-arm64, but its C suite cannot run here")
  else()
    set(what "the package carries no linux-arm64")
  endif()
  set(hint "Install gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static to run them (.ci/run does).")
  if(ZCN_ARM64 STREQUAL "OFF")
    set(hint "")
  endif()
  message(STATUS "linux-arm64: ${ZCN_ARM64_LEFT_OUT}; ${what}. Tests left out: ${left_out}. ${hint}")
endif()
