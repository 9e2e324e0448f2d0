# ctest helper (cmake -P): the JIT and NativeAOT test executables must list the same tests, so that trimming
# cannot drop a test from the AOT run unnoticed. JIT_COMMAND and AOT_COMMAND are ;-lists (program and arguments).
foreach(kind JIT AOT)
  execute_process(COMMAND ${${kind}_COMMAND} --list
    RESULT_VARIABLE rc OUTPUT_VARIABLE ${kind}_list ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${kind} --list failed (${rc}): ${err}\n0 passed, 1 failed")
  endif()
  string(REGEX MATCHALL "[^\n]+" ${kind}_names "${${kind}_list}")
  list(LENGTH ${kind}_names ${kind}_count)
endforeach()

if(NOT JIT_list STREQUAL AOT_list)
  set(only_jit ${JIT_names})
  list(REMOVE_ITEM only_jit ${AOT_names})
  set(only_aot ${AOT_names})
  list(REMOVE_ITEM only_aot ${JIT_names})
  string(REPLACE ";" "\n  " only_jit "${only_jit}")
  string(REPLACE ";" "\n  " only_aot "${only_aot}")
  message(FATAL_ERROR "The JIT lists ${JIT_count} tests, NativeAOT ${AOT_count}.\n"
                      "Only under the JIT:\n  ${only_jit}\nOnly under NativeAOT:\n  ${only_aot}\n0 passed, 1 failed")
endif()
if(JIT_count EQUAL 0)
  message(FATAL_ERROR "No tests listed\n0 passed, 1 failed")
endif()
message("The JIT and NativeAOT executables list the same ${JIT_count} tests\n1 passed, 0 failed")
