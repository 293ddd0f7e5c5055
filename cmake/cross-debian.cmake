# Cross-building with Debian's cross compiler for FLOWGATE_CROSS_TRIPLE (set by the toolchain file
# of each architecture, cmake/toolchain-*.cmake, with FLOWGATE_CROSS_PROCESSOR and
# FLOWGATE_CROSS_QEMU): the target's libraries through multiarch in /usr/lib/TRIPLE, headers shared
# in /usr/include, and tests run under qemu-user with the target's loader and libraries.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${FLOWGATE_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${FLOWGATE_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${FLOWGATE_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${FLOWGATE_CROSS_TRIPLE})
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${FLOWGATE_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(CMAKE_STRIP ${FLOWGATE_CROSS_TRIPLE}-strip)
set(CMAKE_CROSSCOMPILING_EMULATOR ${FLOWGATE_CROSS_QEMU};-L;/usr/${FLOWGATE_CROSS_TRIPLE})
