# Cross-building for aarch64 Linux on an x86-64 Debian machine with multiarch: the compiler is
# g++-aarch64-linux-gnu, every library the suite links is the :arm64 package, found in
# /usr/lib/aarch64-linux-gnu beside the host's own (scripts/check-aarch64.sh installs them).
# Programs the build runs (GoogleTest's test discovery, ctest) run under qemu-aarch64.
#   cmake -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)

# The arm64 libraries' pkg-config files, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

find_program(BENCH_SWITCH_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64 REQUIRED)
# The arm64 dynamic loader and libraries are where multiarch put them (/lib, /usr/lib/aarch64-linux-gnu),
# so qemu needs no -L.
set(CMAKE_CROSSCOMPILING_EMULATOR ${BENCH_SWITCH_QEMU_AARCH64})

# Host tools (python, valgrind) are never the target's; libraries and headers only the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
