// logging.cpp — logfmt/JSON formatting on top of Poco::Logger.
#include "base/logging.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Formatter.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <atomic>
#include <vector>

#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::info)};

// Poco keeps custom fields in the message's parameter map (unordered); we keep
// our own order by storing the field list as one parameter per index.
constexpr const char* kFieldCount = "pe.n";

// The message parameter holding field i's key ('k') or value ('v').
std::string field_param(char kind, int i) {
  std::string name(1, kind);
  name += std::to_string(i);
  return name;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      return true;
  return false;
}

// A logfmt value inside its quotes: '"', '\\', \n, \r, \t escaped, other controls as \xNN.
void append_logfmt_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
}

const char* level_name(Poco::Message::Priority p) {
  switch (p) {
    case Poco::Message::PRIO_FATAL:
    case Poco::Message::PRIO_CRITICAL:
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warn";
    case Poco::Message::PRIO_NOTICE:
    case Poco::Message::PRIO_INFORMATION:
      return "info";
    default:
      return "debug";
  }
}

class StructuredFormatter : public Poco::Formatter {
 public:
  explicit StructuredFormatter(LogFormat format) : format_(format) {}

  void format(const Poco::Message& msg, std::string& text) override {
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back("ts",
                        Poco::DateTimeFormatter::format(msg.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ"));
    fields.emplace_back("level", level_name(msg.getPriority()));
    fields.emplace_back("msg", msg.getText());
    int n = msg.has(kFieldCount) ? std::stoi(msg.get(kFieldCount)) : 0;
    for (int i = 0; i < n; ++i)
      fields.emplace_back(msg.get(field_param('k', i)), msg.get(field_param('v', i)));
    if (format_ == LogFormat::json) {
      text += '{';
      bool first = true;
      for (auto& [k, v] : fields) {
        if (!first) text += ',';
        first = false;
        text += json_quoted(k);
        text += ':';
        text += json_quoted(v);
      }
      text += '}';
    } else {
      bool first = true;
      for (auto& [k, v] : fields) {
        if (!first) text += ' ';
        first = false;
        text += k;
        text += '=';
        if (needs_quotes(v)) {
          text += '"';
          append_logfmt_escaped(text, v);
          text += '"';
        } else {
          text += v;
        }
      }
    }
  }

 private:
  LogFormat format_;
};

Poco::Message::Priority to_priority(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return Poco::Message::PRIO_ERROR;
    case LogLevel::warn:
      return Poco::Message::PRIO_WARNING;
    case LogLevel::info:
      return Poco::Message::PRIO_INFORMATION;
    case LogLevel::debug:
      break;
  }
  return Poco::Message::PRIO_DEBUG;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view s) {
  if (s == "error") return LogLevel::error;
  if (s == "warn") return LogLevel::warn;
  if (s == "info") return LogLevel::info;
  if (s == "debug") return LogLevel::debug;
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view s) {
  if (s == "logfmt") return LogFormat::logfmt;
  if (s == "json") return LogFormat::json;
  return std::nullopt;
}

void setup_logging(LogLevel level, LogFormat format) {
  g_level = static_cast<int>(level);
  Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel);
  Poco::AutoPtr<StructuredFormatter> formatter(new StructuredFormatter(format));
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
  Poco::Logger& root = Poco::Logger::root();
  root.setChannel(channel);
  root.setLevel(to_priority(level));
}

bool log_enabled(LogLevel level) {
  return static_cast<int>(level) <= g_level.load();
}

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  Poco::Message msg("plugin_exporter", std::string(message), to_priority(level));
  int i = 0;
  for (const LogField& f : fields) {
    msg.set(field_param('k', i), std::string(f.key));
    msg.set(field_param('v', i), std::string(f.value));
    ++i;
  }
  msg.set(kFieldCount, std::to_string(i));
  Poco::Logger::root().log(msg);
}

}  // namespace pe::host
