// parameter_policy.cpp — allowlist validation with RE2 (linear time, no
// backtracking blow-ups on hostile values) and delivery of accepted values.
#include "parameter_policy.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>

#include "plugin_exporter/exposition/utf8.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::script {

struct ParameterPolicy::Entry {
  ParameterSpec spec;
  std::unique_ptr<RE2> re;
};

ParameterPolicy::ParameterPolicy() = default;
ParameterPolicy::~ParameterPolicy() = default;
ParameterPolicy::ParameterPolicy(ParameterPolicy&&) noexcept = default;
ParameterPolicy& ParameterPolicy::operator=(ParameterPolicy&&) noexcept = default;

namespace {

constexpr std::size_t kMaxReportedUnknown = 8;
constexpr std::size_t kMaxReportedNameLength = 64;

// A query parameter name as it may appear in a log line: printable ASCII,
// bounded.
std::string printable_name(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, kMaxReportedNameLength)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (name.size() > kMaxReportedNameLength) out += "...";
  return out;
}

}  // namespace

bool valid_variable_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(letter || (digit && i > 0))) return false;
  }
  return true;
}

std::optional<std::string> forbidden_parameter_variable(std::string_view name) {
  // Variables that decide which code runs: the search path, the dynamic
  // loader, shells' start-up files and options, interpreters' module paths
  // and options, glibc's loadable modules and tunables.
  static constexpr std::array<std::string_view, 34> kExact = {"PATH",
                                                              "IFS",
                                                              "ENV",
                                                              "BASH_ENV",
                                                              "CDPATH",
                                                              "SHELLOPTS",
                                                              "BASHOPTS",
                                                              "PS4",
                                                              "GLOBIGNORE",
                                                              "HOME",
                                                              "SHELL",
                                                              "TMPDIR",
                                                              "PYTHONPATH",
                                                              "PYTHONHOME",
                                                              "PYTHONSTARTUP",
                                                              "PERL5LIB",
                                                              "PERL5OPT",
                                                              "PERLLIB",
                                                              "RUBYLIB",
                                                              "RUBYOPT",
                                                              "NODE_OPTIONS",
                                                              "NODE_PATH",
                                                              "GCONV_PATH",
                                                              "LOCPATH",
                                                              "NLSPATH",
                                                              "HOSTALIASES",
                                                              "RES_OPTIONS",
                                                              "LOCALDOMAIN",
                                                              "TZDIR",
                                                              "GLIBC_TUNABLES",
                                                              "JAVA_TOOL_OPTIONS",
                                                              "_JAVA_OPTIONS",
                                                              "OPENSSL_CONF",
                                                              "OPENSSL_MODULES"};
  static constexpr std::array<std::string_view, 5> kPrefixes = {
      "LD_", "MALLOC_", "BASH_FUNC_", "PLUGIN_EXPORTER_", "OPENSSL_ENGINES"};
  for (std::string_view e : kExact)
    if (name == e) return quoted(name) + " may not be set from a scrape parameter";
  for (std::string_view p : kPrefixes)
    if (name.starts_with(p))
      return "variables starting with " + std::string(p) +
             " may not be set from a scrape parameter";
  return std::nullopt;
}

std::optional<std::string> ParameterPolicy::add(ParameterSpec spec, const char** key) {
  const char* ignored = nullptr;
  const char*& at = key ? *key : ignored;
  at = "name";
  if (spec.name.empty()) return "a parameter needs a name";
  for (const auto& e : entries_) {
    at = "name";
    if (e->spec.name == spec.name) return "parameter " + quoted(spec.name) + " is declared twice";
    at = "env";
    if (spec.delivery == ParameterSpec::Delivery::environment &&
        e->spec.delivery == ParameterSpec::Delivery::environment && e->spec.target == spec.target)
      return "variable " + quoted(spec.target) + " is already set by parameter " +
             quoted(e->spec.name);
  }
  at = "env";
  if (spec.delivery == ParameterSpec::Delivery::environment) {
    if (!valid_variable_name(spec.target))
      return "invalid environment variable name " + quoted(spec.target);
    if (auto why = forbidden_parameter_variable(spec.target)) return why;
  }
  at = "max_length";
  if (spec.max_length == 0) return "max_length must be at least 1";
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_unique<RE2>(spec.regex, options);
  at = "regex";
  if (!re->ok()) return "invalid regex " + quoted(spec.regex) + ": " + re->error();
  at = "default";
  if (spec.default_value) {
    const std::string& d = *spec.default_value;
    if (d.size() > spec.max_length || !RE2::FullMatch(d, *re))
      return "the default value does not match the parameter's regex (or max_length)";
  }
  entries_.push_back(std::make_unique<Entry>(Entry{std::move(spec), std::move(re)}));
  return std::nullopt;
}

ResolvedParameters ParameterPolicy::resolve(QueryParams params) const {
  ResolvedParameters out;
  for (const auto& param : params) {
    const std::string& name = param.first;
    bool known = std::any_of(entries_.begin(), entries_.end(),
                             [&](const auto& e) { return e->spec.name == name; });
    if (known) continue;
    ++out.unknown_count;
    if (out.unknown_names.size() < kMaxReportedUnknown)
      out.unknown_names.push_back(printable_name(name));
  }

  for (const auto& entry : entries_) {
    const ParameterSpec& spec = entry->spec;
    const std::string* value = nullptr;
    std::size_t given = 0;
    for (const auto& [name, v] : params) {
      if (name != spec.name) continue;
      ++given;
      value = &v;
    }
    const std::string label = "parameter " + quoted(spec.name);
    if (given > 1)
      throw BadParameter(label + " is given " + std::to_string(given) + " times; give it once");
    if (!value) {
      if (spec.default_value) {
        value = &*spec.default_value;
      } else if (spec.required) {
        throw BadParameter(label + " is required");
      } else {
        continue;
      }
    }
    const std::string& v = *value;
    if (v.size() > spec.max_length)
      throw BadParameter(label + " is longer than " + std::to_string(spec.max_length) + " bytes");
    if (v.find('\0') != std::string::npos) throw BadParameter(label + " contains a NUL byte");
    if (!pe::is_valid_utf8(v)) throw BadParameter(label + " is not valid UTF-8");
    if (!RE2::FullMatch(v, *entry->re))
      throw BadParameter(label + " does not match the allowed pattern " + quoted(spec.regex));

    if (spec.delivery == ParameterSpec::Delivery::environment) {
      out.environment.push_back(spec.target + "=" + v);
    } else if (spec.target.empty()) {
      if (!v.empty() && v[0] == '-')
        throw BadParameter(label + " may not start with '-' (it would read as an option)");
      out.arguments.push_back(v);
    } else if (spec.target.back() == '=') {
      out.arguments.push_back(spec.target + v);
    } else {
      out.arguments.push_back(spec.target);
      out.arguments.push_back(v);
    }
    // Length-prefixed, so no value can imitate another parameter.
    out.key += spec.name;
    out.key += '\0';
    out.key += std::to_string(v.size());
    out.key += ':';
    out.key += v;
  }
  return out;
}

}  // namespace pe::script
