// fuzz_script_parameters.cpp — libFuzzer target for the script plugin's
// parameter allowlist (untrusted scrape query parameters). The input is cut
// into name/value pairs; whatever they are, a resolve either refuses with a
// message that never repeats the value, or delivers only declared
// parameters, each matching its pattern, to declared variables/arguments —
// never PATH, LD_* or an undeclared name — and the coalescing key does not
// depend on the parameters' order.
#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "parameter_policy.hpp"

using namespace pe::script;

namespace {

#define FUZZ_CHECK(cond)                                                         \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

struct Declared {
  const char* name;
  const char* regex;
  ParameterSpec::Delivery delivery;
  const char* target;
  bool required;
  const char* default_value;
};

constexpr Declared kDeclared[] = {
    {"target", "[a-z0-9.-]{1,63}", ParameterSpec::Delivery::environment, "TARGET", false, nullptr},
    {"module", "http|tcp|icmp", ParameterSpec::Delivery::argument, "--module=", false, "http"},
    {"port", "[0-9]{1,5}", ParameterSpec::Delivery::argument, "--port", false, nullptr},
    {"name", ".{0,40}", ParameterSpec::Delivery::argument, "", false, nullptr},
};

const ParameterPolicy& policy() {
  static const ParameterPolicy p = [] {
    ParameterPolicy built;
    for (const Declared& d : kDeclared) {
      ParameterSpec s;
      s.name = d.name;
      s.regex = d.regex;
      s.delivery = d.delivery;
      s.target = d.target;
      s.required = d.required;
      if (d.default_value) s.default_value = d.default_value;
      s.max_length = 64;
      if (built.add(s)) std::abort();
    }
    return built;
  }();
  return p;
}

bool declared(const std::string& name) {
  return std::any_of(std::begin(kDeclared), std::end(kDeclared),
                     [&](const Declared& d) { return name == d.name; });
}

// "name=value" records separated by '&' (a crude query string, undecoded).
std::vector<std::pair<std::string, std::string>> split(const uint8_t* data, size_t size) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= text.size() && out.size() < 64) {
    size_t end = text.find('&', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    size_t eq = item.find('=');
    if (eq == std::string::npos)
      out.emplace_back(item, "");
    else
      out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto params = split(data, size);
  const ParameterPolicy& p = policy();
  try {
    ResolvedParameters r = p.resolve(params);
    size_t unknown = 0;
    for (const auto& [n, v] : params) unknown += declared(n) ? 0 : 1;
    FUZZ_CHECK(r.unknown_count == unknown);
    FUZZ_CHECK(r.unknown_names.size() <= 8);
    for (const std::string& e : r.environment) {
      FUZZ_CHECK(e.rfind("TARGET=", 0) == 0);
      std::string value = e.substr(7);
      FUZZ_CHECK(RE2::FullMatch(value, "[a-z0-9.-]{1,63}"));
    }
    FUZZ_CHECK(r.environment.size() <= 1);
    FUZZ_CHECK(r.arguments.size() <= 4);  // --module=, --port VALUE, a positional
    for (const std::string& a : r.arguments) FUZZ_CHECK(a.find('\0') == std::string::npos);
    FUZZ_CHECK(!r.arguments.empty() && r.arguments[0].rfind("--module=", 0) == 0);  // default
    // The order of the query does not matter.
    auto reversed = params;
    std::reverse(reversed.begin(), reversed.end());
    FUZZ_CHECK(p.resolve(reversed).key == r.key);
  } catch (const BadParameter& e) {
    // Only the known forms, built from the declaration — never the value.
    bool known = false;
    const std::string why = e.what();
    for (const Declared& d : kDeclared) {
      const std::string head = std::string("parameter \"") + d.name + "\" ";
      if (why.rfind(head, 0) != 0) continue;
      const std::string rest = why.substr(head.size());
      known = rest == "is longer than 64 bytes" || rest == "contains a NUL byte" ||
              rest == "is not valid UTF-8" || rest == "is required" ||
              rest == std::string("does not match the allowed pattern \"") + d.regex + "\"" ||
              rest == "may not start with '-' (it would read as an option)" ||
              RE2::FullMatch(rest, "is given [0-9]+ times; give it once");
    }
    FUZZ_CHECK(known);
  }
  return 0;
}
