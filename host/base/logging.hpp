// logging.hpp — the host's structured log: one line per event on stderr, in
// logfmt (default) or JSON, through Poco's logging framework. Plugins log
// through the ABI and land here with collector= and plugin= fields.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace pe::host {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };
enum class LogFormat { logfmt, json };

std::optional<LogLevel> parse_log_level(std::string_view s);    // error|warn|info|debug
std::optional<LogFormat> parse_log_format(std::string_view s);  // logfmt|json

void setup_logging(LogLevel level, LogFormat format);
bool log_enabled(LogLevel level);

struct LogField {
  std::string_view key;
  std::string_view value;
};

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

}  // namespace pe::host
