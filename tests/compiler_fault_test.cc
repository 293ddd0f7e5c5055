// The mutation test of the differential test: this program is linked with flowgate_compile_mutant,
// the compiler's own sources built with FLOWGATE_INJECT_COMPILER_FAULT_AGE_OFF_BY_ONE (an age
// `<` read as `<=`), and passes only if comparing that compiler with the reference evaluator on
// random queries finds disagreements. A differential test that cannot see a fault this plain in
// the compiler's condition evaluation would not see a real one either.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "compile/compiler.h"
#include "differential.h"
#include "policy_fixture.h"

using namespace flowgate;
using namespace flowgate::testing;

TEST_CASE("the differential test finds the fault injected into the compiler") {
  const Checked checked = load_and_check(source_dir());
  REQUIRE(checked.errors == 0);
  const CompiledPolicy compiled = compile_policy(*checked.policy);
  // The shipped policy's age rules are found within a few thousand queries; stopping at the
  // tenth disagreement keeps the test to seconds.
  const Differences found = compare_engines(*checked.policy, compiled, 1'000'000, 10);
  for (const std::string& difference : found.first) MESSAGE(difference);
  MESSAGE(fmt::format("{} disagreements in {} random queries", found.disagreements, found.queries));
  CHECK(found.disagreements > 0);
}
