// build_info.hpp — the git revision the host was built from. It lives in one
// translation unit (build_info.cpp, the only file compiled with PE_REVISION),
// so a new commit recompiles that file and not every file of the host.
//
// Thread-safety: a constant; safe from any thread.
#pragma once

namespace pe::host {

// The short git revision ("unknown" outside a git checkout).
const char* build_revision() noexcept;

}  // namespace pe::host
