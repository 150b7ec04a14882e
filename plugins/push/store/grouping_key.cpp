// grouping_key.cpp — decoding and encoding of grouping-key URL paths.
#include "store/grouping_key.hpp"

#include <algorithm>

#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/utf8.hpp"
#include "plugin_exporter/text.hpp"
#include "store/url_codec.hpp"

namespace pe::push {
namespace {

constexpr std::string_view kBase64Suffix = "@base64";

// Decodes one value segment (percent-encoding, then base64 if marked).
bool decode_value(std::string_view raw, bool base64, std::string_view what, std::string& out,
                  std::string& error) {
  auto pct = percent_decode(raw);
  if (!pct) {
    error = "invalid percent-encoding in " + std::string(what) + " " + quoted(raw);
    return false;
  }
  if (base64) {
    auto b = base64url_decode(*pct);
    if (!b) {
      error = "invalid base64 encoding in " + std::string(what) + " " + quoted(*pct);
      return false;
    }
    out = std::move(*b);
  } else {
    out = std::move(*pct);
  }
  if (!is_valid_utf8(out)) {
    error = std::string(what) + " " + quoted(raw) + " is not valid UTF-8";
    return false;
  }
  return true;
}

}  // namespace

const std::string* GroupingKey::find(std::string_view name) const {
  for (const auto& [k, v] : labels)
    if (k == name) return &v;
  return nullptr;
}

std::string GroupingKey::job() const {
  const std::string* j = find("job");
  return j ? *j : std::string();
}

std::string GroupingKey::describe() const {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=" + quoted(labels[i].second);
  }
  return out + "}";
}

void GroupingKey::seal() {
  std::sort(labels.begin(), labels.end());
  canonical.clear();
  for (const auto& [k, v] : labels) {
    canonical += k;
    canonical.push_back('\xff');
    canonical += v;
    canonical.push_back('\xff');
  }
}

bool decode_grouping_path(std::string_view path, GroupingKey& out, std::string& error) {
  out.labels.clear();
  bool job_base64 = false;
  if (path.starts_with("/job@base64/") || path == "/job@base64") {
    job_base64 = true;
    path.remove_prefix(std::string_view("/job@base64").size());
  } else if (path.starts_with("/job/") || path == "/job") {
    path.remove_prefix(4);
  } else {
    error = "the path must continue with /job/<job> or /job@base64/<job>";
    return false;
  }
  // path is now "" or "/<job>{/<label>/<value>}"
  if (!path.empty()) path.remove_prefix(1);
  std::size_t slash = path.find('/');
  std::string_view raw_job = path.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  std::string job;
  if (!decode_value(raw_job, job_base64, "job name", job, error)) return false;
  // Components after the job: "/l1/v1/l2/v2" (a lone "/" means none).
  std::vector<std::pair<std::string, std::string>> pairs;
  if (rest.size() > 1) {
    std::vector<std::string_view> parts;
    std::string_view r = rest.substr(1);
    for (;;) {
      std::size_t s = r.find('/');
      parts.push_back(r.substr(0, s));
      if (s == std::string_view::npos) break;
      r.remove_prefix(s + 1);
    }
    if (parts.size() % 2 != 0) {
      error = "odd number of components in label string " + quoted(rest);
      return false;
    }
    for (std::size_t i = 0; i < parts.size(); i += 2) {
      auto name_pct = percent_decode(parts[i]);
      if (!name_pct) {
        error = "invalid percent-encoding in label name " + quoted(parts[i]);
        return false;
      }
      std::string name = std::move(*name_pct);
      bool b64 = false;
      if (name.size() >= kBase64Suffix.size() && name.ends_with(kBase64Suffix)) {
        name.resize(name.size() - kBase64Suffix.size());
        b64 = true;
      }
      if (!is_valid_label_name(name) || is_reserved_label_name(name)) {
        error = "improper label name " + quoted(name);
        return false;
      }
      std::string value;
      if (!decode_value(parts[i + 1], b64, "value of label " + name, value, error)) return false;
      // A repeated name: the later one wins (as pushgateway's map does).
      auto it =
          std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == name; });
      if (it != pairs.end())
        it->second = std::move(value);
      else
        pairs.emplace_back(std::move(name), std::move(value));
    }
  }
  if (job.empty()) {
    error = "job name is required";
    return false;
  }
  auto it =
      std::find_if(pairs.begin(), pairs.end(), [](const auto& p) { return p.first == "job"; });
  if (it != pairs.end())
    it->second = job;
  else
    pairs.emplace_back("job", job);
  out.labels = std::move(pairs);
  out.seal();
  return true;
}

std::string encode_grouping_path(const GroupingKey& key) {
  auto encode = [](std::string_view name, std::string_view value) {
    bool b64 = value.empty() || value.find('/') != std::string_view::npos;
    std::string out = "/" + std::string(name) + (b64 ? "@base64" : "") + "/";
    if (b64) {
      out += value.empty() ? "=" : base64url_encode(value);
      return out;
    }
    return out + percent_encode(value);
  };
  std::string out = encode("job", key.job());
  for (const auto& [k, v] : key.labels)
    if (k != "job") out += encode(k, v);
  return out;
}

}  // namespace pe::push
