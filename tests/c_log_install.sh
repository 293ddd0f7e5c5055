#!/bin/sh
# The decision log in C as an app takes it from the full build: `cmake --install` of this build
# tree into a fresh prefix; examples/camera_pipeline built against that prefix alone
# (find_package(flowgate), flowgate::c_log) and run with --log, logging through the installed
# libflowgate_c_log.so and verifying the chain it wrote.
#   c_log_install.sh SOURCE_DIR BUILD_DIR WORK_DIR BUNDLE PUBLIC_KEY
set -eu
source_dir=$1 build=$2 work=$3 bundle=$4 key=$5
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
for f in include/flowgate/flowgate_log.h lib/libflowgate_c_log.so lib/libflowgate.so; do
  [ -e "$work/prefix/$f" ] || { echo "c_log_install: $f was not installed" >&2; exit 1; }
done
cmake -S "$source_dir/examples/camera_pipeline" -B "$work/example" \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/example-configure.log" ||
  { cat "$work/example-configure.log"; exit 1; }
cmake --build "$work/example" > "$work/example-build.log" || { cat "$work/example-build.log"; exit 1; }
"$work/example/camera_pipeline" --bundle "$bundle" --trusted-key "$key" --as-of 2026-11-29 \
  --log "$work/decisions.db" > "$work/example.out"
grep -q 'REFUSED' "$work/example.out"
grep -q '^decision log chain verified: [1-9]' "$work/example.out" ||
  { echo "c_log_install: the example did not log and verify:" >&2; tail -3 "$work/example.out" >&2; exit 1; }
ldd "$work/example/camera_pipeline" | grep -q "$work/prefix/lib/libflowgate_c_log.so"
echo "c_log_install: ok"
