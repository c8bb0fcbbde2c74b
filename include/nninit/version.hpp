// nninit: the one source of the library version. CMake reads these three lines with a regex.
#pragma once

#define NNINIT_VERSION_MAJOR 0
#define NNINIT_VERSION_MINOR 1
#define NNINIT_VERSION_PATCH 0

#define NNINIT_DETAIL_STR2(x) #x
#define NNINIT_DETAIL_STR(x) NNINIT_DETAIL_STR2(x)
#define NNINIT_VERSION_STRING                                                   \
  NNINIT_DETAIL_STR(NNINIT_VERSION_MAJOR)                                       \
  "." NNINIT_DETAIL_STR(NNINIT_VERSION_MINOR) "." NNINIT_DETAIL_STR(NNINIT_VERSION_PATCH)

namespace nninit {
/// Version of the random streams. It changes whenever any published stream would produce
/// different bits for the same (seed, stream, index, options); CHANGELOG.md names each change.
inline constexpr int stream_version = 2;
}  // namespace nninit
