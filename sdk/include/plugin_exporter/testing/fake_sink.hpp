// fake_sink.hpp — what one collect gave a pe::testing::FakeHost: the families
// and samples (structured, and parsed from exposition text with the SDK's own
// parser), sink_stat figures, the error reason, and everything the host would
// have dropped and counted, with the host's reason. RecordingSink applies the
// host's sink rules (names, labels, UTF-8, a sample's family, the sample
// limit, all-or-nothing text) and returns the host's statuses.
//
// Thread-safety: a CollectResult is a plain value; a RecordingSink belongs to
// one collect, on its thread (plugin.h: the sink is valid only there).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/metric_set.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/exposition/utf8.hpp"
#include "plugin_exporter/plugin.h"

namespace pe::testing {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct RecordedFamily {
  std::string name;
  std::string help;
  bool has_help = false;
  pe_metric_type type = PE_TYPE_UNKNOWN;
  std::string unit;
  bool from_text = false;  // parsed from sink_text
};

struct RecordedSample {
  std::string family;  // the family it belongs to
  std::string name;    // the full sample name ("x_total", "x_bucket", ...)
  Labels labels;
  double value = 0;
  int64_t timestamp_ms = 0;
  bool has_timestamp = false;

  std::optional<std::string> label(std::string_view name_) const {
    for (const auto& [n, v] : labels)
      if (n == name_) return v;
    return std::nullopt;
  }
};

struct RecordedStat {
  std::string name;
  std::string help;
  double value = 0;
};

struct CollectResult {
  pe_status status = PE_OK;  // what collect returned
  std::string error;         // sink_error's last message, or why a text failed
  std::vector<RecordedFamily> families;
  // Also kept when collect failed (the host discards them then).
  std::vector<RecordedSample> samples;
  std::vector<RecordedStat> stats;
  std::vector<std::string> dropped;  // what the host would drop and count, and why
  bool limit_reached = false;

  // The host's verdict: a successful collect it would serve.
  bool ok() const noexcept { return status == PE_OK && !limit_reached; }

  const RecordedFamily* family(std::string_view name) const {
    for (const RecordedFamily& f : families)
      if (f.name == name) return &f;
    return nullptr;
  }
  // Samples named `name` carrying (at least) every pair of `labels`.
  std::vector<const RecordedSample*> find(std::string_view name, const Labels& labels = {}) const {
    std::vector<const RecordedSample*> out;
    for (const RecordedSample& s : samples) {
      bool match = s.name == name;
      for (const auto& [n, v] : labels) match = match && s.label(n) == v;
      if (match) out.push_back(&s);
    }
    return out;
  }
  // The value of the one sample find() gives; nullopt if none or several.
  std::optional<double> value(std::string_view name, const Labels& labels = {}) const {
    auto found = find(name, labels);
    if (found.size() != 1) return std::nullopt;
    return found.front()->value;
  }
  std::optional<double> stat(std::string_view name) const {
    for (const RecordedStat& s : stats)
      if (s.name == name) return s.value;
    return std::nullopt;
  }
};

// The host's pe_sink rules, recording into a CollectResult.
class RecordingSink {
 public:
  RecordingSink(CollectResult& out, uint64_t sample_limit) : out_(out), limit_(sample_limit) {}

  pe_status family(const pe_family& f) {
    family_open_ = false;
    family_started_ = true;
    if (out_.limit_reached) return PE_LIMIT_EXCEEDED;
    std::string_view name = f.name ? f.name : "";
    if (!is_valid_metric_name(name))
      return drop("invalid metric family name \"" + str(name) + "\"");
    if (f.type < PE_TYPE_UNKNOWN || f.type > PE_TYPE_STATESET)
      return drop("family " + str(name) + ": unknown metric type " + std::to_string(f.type));
    std::string_view help = f.help ? f.help : "";
    if (!is_valid_utf8(help)) return drop("family " + str(name) + ": HELP is not valid UTF-8");
    out_.families.push_back(RecordedFamily{str(name), str(help), f.help != nullptr, f.type,
                                           f.unit ? f.unit : "", false});
    family_open_ = true;
    return PE_OK;
  }

  // `misuse` is set when no family was started in this collect (or since the
  // last text): a programming error, not a data problem.
  pe_status sample(const pe_sample& s, std::string& misuse) {
    if (out_.limit_reached) return PE_LIMIT_EXCEEDED;
    if (!family_started_)
      misuse = "sink_sample before any sink_family (a sample belongs to the family started last)";
    if (!family_open_) return drop("sample without an accepted family");
    const RecordedFamily& fam = out_.families.back();
    std::string_view name = s.name ? std::string_view(s.name) : std::string_view(fam.name);
    if (s.name && !sample_belongs_to_family(name, fam.name, static_cast<MetricType>(fam.type)))
      return drop("sample \"" + str(name) + "\" does not belong to " +
                  str(to_string(static_cast<MetricType>(fam.type))) + " family \"" + fam.name +
                  "\"");
    if (out_.samples.size() >= limit_) {
      out_.limit_reached = true;
      out_.error = "sample limit of " + std::to_string(limit_) + " reached";
      return PE_LIMIT_EXCEEDED;
    }
    RecordedSample rec{fam.name, str(name), {}, s.value, 0, false};
    std::vector<Label> views;
    for (std::size_t i = 0; i < s.label_count; ++i) {
      std::string_view ln = s.labels[i].name ? s.labels[i].name : "";
      std::string_view lv = s.labels[i].value ? s.labels[i].value : "";
      if (!is_valid_label_name(ln) || is_reserved_label_name(ln))
        return drop("sample " + str(name) + ": invalid label name \"" + str(ln) + "\"");
      if (!is_valid_utf8(lv))
        return drop("sample " + str(name) + ": label " + str(ln) + " value is not valid UTF-8");
      views.push_back(Label{ln, lv});
      rec.labels.emplace_back(ln, lv);
    }
    if (const auto dup = find_duplicate_label_name(views, scratch_))
      return drop("sample " + str(name) + ": duplicate label \"" + str(*dup) + "\"");
    if (s.has_timestamp) {
      rec.has_timestamp = true;
      rec.timestamp_ms = s.timestamp_ms;
    }
    out_.samples.push_back(std::move(rec));
    return PE_OK;
  }

  // All or nothing, like the host: a text that fails to parse adds nothing.
  pe_status text(std::string_view data, pe_format format, bool skip_invalid_lines) {
    if (out_.limit_reached) return PE_LIMIT_EXCEEDED;
    ParseOptions opts;
    opts.format =
        format == PE_FORMAT_OPENMETRICS ? ExpositionFormat::openmetrics : ExpositionFormat::text;
    opts.detect_format = format == PE_FORMAT_AUTO;
    opts.skip_invalid_lines = skip_invalid_lines;
    const uint64_t have = out_.samples.size();
    opts.max_samples = have < limit_ ? static_cast<std::size_t>(limit_ - have) : 1;
    MetricSet set;
    ParseResult r = parse_exposition(data, set, opts);
    family_open_ = false;  // structured samples after text need their own family
    family_started_ = false;
    if (!r.ok) {
      if (out_.error.empty()) out_.error = "invalid exposition text: " + r.error.to_string();
      return PE_ERROR;
    }
    if (r.skipped_lines > 0)
      out_.dropped.push_back("skipped " + std::to_string(r.skipped_lines) +
                             " invalid line(s), the first: " + r.first_skipped.to_string());
    for (const Family& f : set.families) {
      out_.families.push_back(RecordedFamily{str(f.name), str(f.help), f.has_help,
                                             static_cast<pe_metric_type>(f.type), str(f.unit),
                                             true});
      for (const Sample& s : set.samples_of(f)) {
        RecordedSample rec{str(f.name), str(s.name), {}, s.value, s.timestamp_ms, s.has_timestamp};
        for (const Label& l : set.labels_of(s)) rec.labels.emplace_back(l.name, l.value);
        out_.samples.push_back(std::move(rec));
      }
    }
    return PE_OK;
  }

  pe_status stat(const char* name, const char* help, double value) {
    std::string_view n = name ? name : "";
    bool valid = !n.empty() && n.size() <= 64;
    for (char c : n)
      valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!valid) {
      out_.dropped.push_back("invalid stat name \"" + str(n) + "\" (want [a-z0-9_]+)");
      return PE_ERROR;
    }
    for (RecordedStat& s : out_.stats) {
      if (s.name == n) {
        s.value = value;
        return PE_OK;
      }
    }
    std::string h = help ? help : "";
    if (!is_valid_utf8(h)) h.clear();
    out_.stats.push_back(RecordedStat{str(n), std::move(h), value});
    return PE_OK;
  }

  void error(const char* message) { out_.error = message ? message : "unknown error"; }

 private:
  static std::string str(std::string_view s) { return std::string(s); }
  pe_status drop(std::string reason) {
    out_.dropped.push_back(std::move(reason));
    return PE_ERROR;
  }

  CollectResult& out_;
  uint64_t limit_;
  bool family_open_ = false;     // the last sink_family was accepted
  bool family_started_ = false;  // a sink_family since the collect began or the last text
  std::vector<std::string_view> scratch_;
};

}  // namespace pe::testing
