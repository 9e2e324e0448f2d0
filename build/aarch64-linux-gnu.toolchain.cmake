# Cross-compiles libzcn for linux-arm64 with Debian's gcc-aarch64-linux-gnu.
# Tests built with it run under qemu-aarch64-static (CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
# cmake/Package.cmake passes the compiler it found (and checked) as CMAKE_C_COMPILER; by hand, the one on PATH.
if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
endif()
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
find_program(ZCN_QEMU_AARCH64 qemu-aarch64-static)
if(ZCN_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${ZCN_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()
