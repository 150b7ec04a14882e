// config_redaction.cpp — redacted JSON rendering of the configuration.
#include "config/config_redaction.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "config/config_document.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host {
namespace {

constexpr const char* kRedacted = "<redacted>";

bool secret_key_name(std::string_view key) {
  const std::string k = ascii_lower(key);
  auto ends_with = [&](std::string_view s) {
    return k.size() >= s.size() && k.compare(k.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with("_file") || ends_with("_env") || ends_with("_files")) return false;
  return k.find("password") != std::string::npos || k.find("secret") != std::string::npos ||
         k.find("token") != std::string::npos || k == "authorization" || k == "private_key";
}

// "scheme://user:pass@host" → "scheme://user:<redacted>@host";
// "... password=xyz ..." → "... password=<redacted> ...".
std::string scrub_value(const std::string& v) {
  std::string out = v;
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    auto at = out.find('@', scheme + 3);
    auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at)
        out.replace(colon + 1, at - colon - 1, kRedacted);
    }
  }
  for (std::size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    std::size_t start = pos + 9;
    std::size_t end = start;
    if (end < out.size() && out[end] == '\'') {
      end = out.find('\'', end + 1);
      end = end == std::string::npos ? out.size() : end + 1;
    } else {
      while (end < out.size() && out[end] != ' ' && out[end] != '&') ++end;
    }
    out.replace(start, end - start, kRedacted);
    pos = start + std::char_traits<char>::length(kRedacted);
  }
  return out;
}

void redact(toml::node& node, const std::string& path, const std::set<std::string>& secrets,
            bool secret_by_name) {
  if (auto t = node.as_table()) {
    for (auto&& [k, v] : *t) {
      std::string p = ConfigDocument::child_path(path, k.str());
      redact(v, p, secrets, secret_key_name(k.str()));
    }
    return;
  }
  if (auto a = node.as_array()) {
    for (std::size_t i = 0; i < a->size(); ++i)
      redact(*a->get(i), ConfigDocument::index_path(path, i), secrets, secret_by_name);
    return;
  }
  // Secrets are strings; numbers and booleans are never secret.
  if (auto s = node.as_string()) {
    if (secret_by_name || secrets.count(path))
      s->get() = kRedacted;
    else
      s->get() = scrub_value(s->get());
  }
}

}  // namespace

toml::table redacted_config_table(const ConfigDocument& doc) {
  toml::table copy = doc.root();
  redact(copy, "", doc.secret_paths(), false);
  return copy;
}

std::string redacted_config_json(const ConfigDocument& doc) {
  std::ostringstream out;
  out << toml::json_formatter(redacted_config_table(doc));
  return out.str();
}

std::string redact_secrets_in_text(const std::string& text) {
  return scrub_value(text);
}

}  // namespace pe::host
