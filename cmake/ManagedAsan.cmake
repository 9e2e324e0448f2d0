# The managed reliability tests against an AddressSanitizer build of libzcn.
#   zcn_asan               libzcn.so again, from the same sources, with -fsanitize=address, in <build>/asan-native
#   managed-reliability-asan   the Reliability category under the JIT, with LD_PRELOAD of the compiler's libasan and
#                              ZCN_NATIVE_LIBRARY pointing at the sanitized library
# ASan must be the first library in the process, hence LD_PRELOAD. The options: the .NET runtime leaks by design at
# exit (detect_leaks=0); it handles SIGSEGV itself to raise NullReferenceException (handle_segv=0,
# allow_user_segv_handler=1); and its stacks confuse the fake-stack checks (detect_stack_use_after_return=0).
# Skipped (not registered) with a message when the compiler has no shared libasan.

if(NOT CMAKE_C_COMPILER_ID STREQUAL "GNU" OR ZCN_SANITIZE)
  return()
endif()

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                OUTPUT_VARIABLE ZCN_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT ZCN_LIBASAN OR NOT IS_ABSOLUTE "${ZCN_LIBASAN}" OR NOT EXISTS "${ZCN_LIBASAN}")
  message(STATUS "managed-reliability-asan: ${CMAKE_C_COMPILER} has no shared libasan; the test is not registered")
  return()
endif()

get_target_property(ZCN_ASAN_SOURCES zcn_objects SOURCES)
add_library(zcn_asan SHARED ${ZCN_ASAN_SOURCES})
target_include_directories(zcn_asan PRIVATE ${PROJECT_SOURCE_DIR}/native/include ${PROJECT_SOURCE_DIR}/native/src)
target_compile_definitions(zcn_asan PRIVATE
  _GNU_SOURCE
  ZCN_VERSION_MAJOR=${PROJECT_VERSION_MAJOR}
  ZCN_VERSION_MINOR=${PROJECT_VERSION_MINOR}
  ZCN_VERSION_PATCH=${PROJECT_VERSION_PATCH})
target_compile_options(zcn_asan PRIVATE -fsanitize=address -fno-omit-frame-pointer -g -fvisibility=hidden)
target_link_options(zcn_asan PRIVATE -fsanitize=address)
set_target_properties(zcn_asan PROPERTIES
  OUTPUT_NAME zcn
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/asan-native
  EXCLUDE_FROM_ALL FALSE)

add_test(NAME managed-reliability-asan
  COMMAND ${CMAKE_COMMAND} -E env
          LD_PRELOAD=${ZCN_LIBASAN}
          ZCN_EXPECT_ASAN=1
          ZCN_NATIVE_LIBRARY=$<TARGET_FILE:zcn_asan>
          "ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:detect_stack_use_after_return=0:abort_on_error=1"
          ${DOTNET_EXECUTABLE} ${ZCN_JIT_TESTS_DIR}/ZeroCopyNative.Tests.dll --category Reliability
  WORKING_DIRECTORY ${ZCN_JIT_TESTS_DIR})
set_tests_properties(managed-reliability-asan PROPERTIES LABELS "managed;asan" TIMEOUT 900)
