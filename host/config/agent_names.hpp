// agent_names.hpp — the names the dial-in protocol restricts, shared by the
// frame codec (what an agent sends) and the configuration (what [agent] and
// [dialin] may say): aliases and agents' extra label names.
//
// Thread-safety: free functions without state; safe from any thread.
#pragma once

#include <string_view>

namespace pe::host::dialin {

// 1..128 of [A-Za-z0-9_.-], starting with a letter or digit: an alias is a
// URL path segment (/agents/<alias>/metrics) and a label value.
bool valid_alias(std::string_view alias) noexcept;
// A Prometheus label name that the hub does not set itself: not "__*",
// "instance", "hostname", "service" or "job".
bool valid_agent_label_name(std::string_view name) noexcept;

}  // namespace pe::host::dialin
