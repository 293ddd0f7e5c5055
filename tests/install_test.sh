#!/bin/sh
# The runtime as an app developer takes it: configure the runtime alone (FLOWGATE_RUNTIME_ONLY, with
# every toolchain package disabled, so that a find_package of one fails the configure), build,
# `cmake --install` into a fresh prefix; then, against that prefix only, build
# examples/camera_pipeline as a separate CMake project (find_package(flowgate), flowgate::c) and a C
# program through pkg-config (flowgate.pc), and run both on the shipped policy's signed bundle.
#   install_test.sh SOURCE_DIR WORK_DIR BUNDLE PUBLIC_KEY
# WORK_DIR/build is kept between runs (incremental); the prefix and the consumers are made anew.
set -eu
source_dir=$1 work=$2 bundle=$3 key=$4
jobs=${FLOWGATE_JOBS:-2}
mkdir -p "$work"
rm -rf "$work/prefix" "$work/example" "$work/c"

step() { echo "install_test: $*"; }
step "configure the runtime alone"
disabled=""
for p in Boost yaml-cpp fmt SQLite3 CLI11 nlohmann_json doctest pugixml; do
  disabled="$disabled -DCMAKE_DISABLE_FIND_PACKAGE_$p=ON"
done
# shellcheck disable=SC2086
cmake --no-warn-unused-cli -S "$source_dir" -B "$work/build" -DFLOWGATE_RUNTIME_ONLY=ON -DFLOWGATE_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DFLOWGATE_WERROR=ON $disabled > "$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
step "build and install into $work/prefix"
cmake --build "$work/build" -- -j"$jobs" > "$work/build.log" || { cat "$work/build.log"; exit 1; }
cmake --install "$work/build" --prefix "$work/prefix" > "$work/install.log"
for f in include/flowgate/flowgate.h include/flowgate/runtime.h lib/cmake/flowgate/flowgateConfig.cmake \
  lib/pkgconfig/flowgate.pc lib/libflowgate.so lib/libflowgate_runtime.a; do
  [ -e "$work/prefix/$f" ] || { echo "install_test: $f was not installed" >&2; exit 1; }
done
if [ -e "$work/prefix/include/flowgate/toolchain.h" ]; then
  echo "install_test: a toolchain header was installed" >&2
  exit 1
fi

step "build examples/camera_pipeline against the installed package"
cmake -S "$source_dir/examples/camera_pipeline" -B "$work/example" \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/example-configure.log" ||
  { cat "$work/example-configure.log"; exit 1; }
cmake --build "$work/example" > "$work/example-build.log" || { cat "$work/example-build.log"; exit 1; }
"$work/example/camera_pipeline" --bundle "$bundle" --trusted-key "$key" --as-of 2026-11-29 \
  > "$work/example.out"
grep -q 'REFUSED' "$work/example.out"
grep -q 'flows allowed' "$work/example.out"
# It runs on the installed library, not on one in the build tree.
ldd "$work/example/camera_pipeline" | grep -q "$work/prefix/lib/libflowgate.so"

step "compile a C program with pkg-config --cflags --libs flowgate"
mkdir -p "$work/c"
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
export PKG_CONFIG_PATH
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$source_dir/tests/c_api_shipped_test.c" -o "$work/c/c_api_shipped" \
  $(pkg-config --cflags --libs flowgate) -Wl,-rpath,"$work/prefix/lib"
"$work/c/c_api_shipped" "$bundle" "$key"
step "ok"
