// nninit: the one exception type the library throws for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace nninit {

/// Thrown for every invalid argument. The message has one fixed form:
///   `nninit::<scheme>: <argument> must be <rule>, got <value>, for a <shape> target`
/// and is raised before anything is written, so the target keeps its old contents.
struct init_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

}  // namespace nninit
