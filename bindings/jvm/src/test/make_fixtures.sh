#!/bin/sh
# The JVM tests' bundles, written by the repository's CLI (the pom runs this before the tests):
# tests/make_holder_fixture.sh's set of the shipped policy, the same the C++ lifecycle tests use.
#   make_fixtures.sh FLOWGATE REPO_ROOT OUT_DIR
set -eu
fg=$1 root=$2 out=$3
if [ ! -x "$fg" ]; then
  echo "bindings/jvm: the flowgate CLI is not at $fg." >&2
  echo "  Build it first (README: scripts/setup && scripts/build release), or pass" >&2
  echo "  -Dflowgate.cli=/path/to/flowgate to mvn." >&2
  exit 1
fi
sh "$root/tests/make_holder_fixture.sh" "$fg" "$root" "$out"
