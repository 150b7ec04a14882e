// config_redaction.hpp — the effective configuration as JSON for /configz,
// with every secret replaced by "<redacted>": values the host or a plugin
// read as secrets, keys named like secrets (password, token, secret...), and
// passwords embedded in URLs or libpq conninfo strings.
#pragma once

#include <toml++/toml.h>

#include <string>

namespace pe::host {

class ConfigDocument;
// The file's tables with every secret replaced.
toml::table redacted_config_table(const ConfigDocument& doc);
std::string redacted_config_json(const ConfigDocument& doc);
// `text` with passwords in URLs ("scheme://user:<redacted>@host") and in
// conninfo strings ("password=<redacted>") replaced: for texts shown beyond
// the log, e.g. collector errors on the status page.
std::string redact_secrets_in_text(const std::string& text);

}  // namespace pe::host
