// parameter_policy.hpp — which scrape query parameters may reach a program,
// and how: an allowlist of named parameters, each validated against a fully
// anchored RE2 pattern (plus length, UTF-8 and repetition checks) and
// delivered as a command-line argument or an environment variable the
// configuration names. Everything else is ignored for the run and reported.
// The canonical form of the accepted values is the key under which runs are
// coalesced and cached.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace pe::script {

struct ParameterSpec {
  enum class Delivery { argument, environment };

  std::string name;   // the query parameter's name
  std::string regex;  // must match the whole value
  Delivery delivery = Delivery::environment;
  // argument: "--flag" gives two arguments (--flag VALUE), "--flag=" one
  // (--flag=VALUE), "" the value alone (positional; a leading '-' is refused).
  // environment: the variable's name.
  std::string target;
  bool required = false;
  std::optional<std::string> default_value;
  std::size_t max_length = 256;
};

// A rejected request: the message is safe to show to the client (it never
// repeats the offending value).
class BadParameter : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ResolvedParameters {
  std::vector<std::string> arguments;      // appended to the command, in spec order
  std::vector<std::string> environment;    // "NAME=value"
  std::string key;                         // canonical accepted values ("" when none)
  std::size_t unknown_count = 0;           // query parameters not in the allowlist
  std::vector<std::string> unknown_names;  // the first few, made printable, for the log
};

using QueryParams = std::span<const std::pair<std::string, std::string>>;

class ParameterPolicy {
 public:
  ParameterPolicy();
  ~ParameterPolicy();
  ParameterPolicy(ParameterPolicy&&) noexcept;
  ParameterPolicy& operator=(ParameterPolicy&&) noexcept;

  // Adds a parameter; returns why it is unusable (bad regex, a default that
  // does not match, a duplicate name...) or nullopt. `key`, when given, is
  // set to the configuration key the problem is about ("regex", "default",
  // "env", "name", "max_length").
  std::optional<std::string> add(ParameterSpec spec, const char** key = nullptr);

  // Validates a scrape's parameters. Throws BadParameter when one of the
  // allowlisted parameters is missing, repeated or invalid. Thread-safe.
  ResolvedParameters resolve(QueryParams params) const;

  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Why `name` cannot be a variable set from a scrape parameter (PATH, LD_*,
// variables that make shells or interpreters load code, ...), or nullopt.
std::optional<std::string> forbidden_parameter_variable(std::string_view name);

// Whether `name` is a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*).
bool valid_variable_name(std::string_view name);

}  // namespace pe::script
