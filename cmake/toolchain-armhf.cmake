# armhf: g++-arm-linux-gnueabihf, libsodium-dev:armhf (multiarch), qemu-arm for the tests; installed
# and used by scripts/cross-test armhf:
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-armhf.cmake -DFLOWGATE_RUNTIME_ONLY=ON
set(FLOWGATE_CROSS_TRIPLE arm-linux-gnueabihf)
set(FLOWGATE_CROSS_PROCESSOR arm)
set(FLOWGATE_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/cross-debian.cmake)
