# cmake -DDOTNET=<dotnet> -DPROJECT=<csproj> -DOUT=<folder> -DDLL=<name.dll> -DARGS="a|b" -P DotnetBuildAndRun.cmake
# Builds PROJECT (Release; its normal output folder OUT, where the solution build also puts it, so after that build
# this is an incremental no-op), then runs OUT/DLL with ARGS ('|'-separated) in the working directory; fails with
# the program's exit code.
foreach(var DOTNET PROJECT OUT DLL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "DotnetBuildAndRun.cmake: ${var} is not set")
  endif()
endforeach()

execute_process(
  COMMAND "${DOTNET}" build "${PROJECT}" -c Release --nologo -v quiet -clp:NoSummary
  RESULT_VARIABLE build_result)
if(NOT build_result EQUAL 0)
  message(FATAL_ERROR "dotnet build ${PROJECT} failed (${build_result})")
endif()

set(args "")
if(NOT "${ARGS}" STREQUAL "")
  string(REPLACE "|" ";" args "${ARGS}")
endif()
execute_process(COMMAND "${DOTNET}" "${OUT}/${DLL}" ${args} RESULT_VARIABLE run_result)
if(NOT run_result EQUAL 0)
  message(FATAL_ERROR "${DLL} ${ARGS} failed (${run_result})")
endif()
