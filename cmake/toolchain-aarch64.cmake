# aarch64: g++-aarch64-linux-gnu, libsodium-dev:arm64 (multiarch), qemu-aarch64 for the tests; installed
# and used by scripts/cross-test aarch64:
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake -DFLOWGATE_RUNTIME_ONLY=ON
set(FLOWGATE_CROSS_TRIPLE aarch64-linux-gnu)
set(FLOWGATE_CROSS_PROCESSOR aarch64)
set(FLOWGATE_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/cross-debian.cmake)
