// build_info.cpp — the revision string; CMake defines PE_REVISION for this
// file only (host/CMakeLists.txt).
#include "base/build_info.hpp"

namespace pe::host {

const char* build_revision() noexcept {
  return PE_REVISION;
}

}  // namespace pe::host
