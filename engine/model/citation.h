// Citation: a reference to a section of the policy text ("§1.1", "§11.2.2"; "§0" is the preamble).
#pragma once

#include <string>

#include "flowgate/diagnostic.h"

namespace flowgate {

struct Citation {
  std::string section;  // as written, "§11.1.1"
  SourceLocation location;
};

}  // namespace flowgate
