#!/bin/sh
# Configures and builds libflowgate_jni for the host JVM into BUILD_DIR (pom.xml runs it). Quiet
# when it works; on a failure, prints CMake's whole output.
#   build_native.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1 build=$2
mkdir -p "$build"
log="$build/build.log"
if ! { cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" --parallel 2; } > "$log" 2>&1; then
  cat "$log" >&2
  echo "bindings/jvm: the native library did not build (log above, and in $log)" >&2
  exit 1
fi
