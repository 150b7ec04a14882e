// collect_sink.cpp — validation and storage of what a plugin emits.
#include "plugin/collect_sink.hpp"

#include <string_view>

#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/exposition/utf8.hpp"

namespace {

bool valid_type(pe_metric_type t) {
  return t >= PE_TYPE_UNKNOWN && t <= PE_TYPE_STATESET;
}

}  // namespace

void pe_sink::drop(const std::string& reason) {
  ++invalid_samples;
  if (first_invalid_reason.empty()) first_invalid_reason = reason;
}

std::string_view pe_sink::intern_label_name(std::string_view name) {
  for (auto it = label_names_.rbegin(); it != label_names_.rend(); ++it)
    if (*it == name) return *it;
  constexpr std::size_t kRemembered = 64;
  if (label_names_.size() == kRemembered) label_names_.erase(label_names_.begin());
  return label_names_.emplace_back(set.intern(name));
}

pe_status pe_sink::family(const pe_family& f) {
  family_open_ = false;
  if (limit_reached) return PE_LIMIT_EXCEEDED;
  std::string_view name = f.name ? f.name : "";
  if (!pe::is_valid_metric_name(name)) {
    drop("invalid metric family name \"" + std::string(name) + "\"");
    return PE_ERROR;
  }
  if (!valid_type(f.type)) {
    drop("family " + std::string(name) + ": unknown metric type " + std::to_string(f.type));
    return PE_ERROR;
  }
  std::string_view help = f.help ? f.help : "";
  if (!pe::is_valid_utf8(help)) {
    drop("family " + std::string(name) + ": HELP is not valid UTF-8");
    return PE_ERROR;
  }
  set.add_family(set.intern(name), static_cast<pe::MetricType>(f.type), set.intern(help),
                 f.help != nullptr, set.intern(f.unit ? f.unit : ""));
  family_open_ = true;
  return PE_OK;
}

std::optional<std::string_view> pe_sink::checked_label_name(std::string_view name) {
  if (!pe::is_valid_label_name(name) || pe::is_reserved_label_name(name)) return std::nullopt;
  return intern_label_name(name);
}

std::optional<std::string_view> pe_sink::checked_label_values(std::string_view block) {
  if (limit_reached || block.find('\0') != std::string_view::npos || !pe::is_valid_utf8(block))
    return std::nullopt;
  return set.intern(block);
}

template <bool kNamesChecked, bool kValuesChecked, typename LabelAt>
pe_status pe_sink::add_sample(std::string_view name_in, bool has_name, std::size_t label_count,
                              LabelAt label_at, double value, bool has_timestamp,
                              int64_t timestamp_ms) {
  if (limit_reached) return PE_LIMIT_EXCEEDED;
  if (!family_open_) {
    drop("sample without an accepted family");
    return PE_ERROR;
  }
  const pe::Family& fam = set.families.back();
  std::string_view name = has_name ? name_in : fam.name;
  if (has_name && !pe::sample_belongs_to_family(name, fam.name, fam.type)) {
    drop("sample \"" + std::string(name) + "\" does not belong to " +
         std::string(pe::to_string(fam.type)) + " family \"" + std::string(fam.name) + "\"");
    return PE_ERROR;
  }
  if (set.samples.size() >= max_samples) {
    limit_reached = true;
    error = "sample limit of " + std::to_string(max_samples) + " reached";
    return PE_LIMIT_EXCEEDED;
  }
  scratch_.clear();
  for (std::size_t i = 0; i < label_count; ++i) {
    // By reference where the caller holds views: a 16-byte copy of a view
    // the decoder has just stored as two 8-byte halves stalled every label.
    decltype(auto) l = label_at(i);
    if (!kNamesChecked &&
        (!pe::is_valid_label_name(l.name) || pe::is_reserved_label_name(l.name))) {
      drop("sample " + std::string(name) + ": invalid label name \"" + std::string(l.name) + "\"");
      return PE_ERROR;
    }
    if (!kValuesChecked && !pe::is_valid_utf8(l.value)) {
      drop("sample " + std::string(name) + ": label " + std::string(l.name) +
           " value is not valid UTF-8");
      return PE_ERROR;
    }
    scratch_.push_back(pe::Label{kNamesChecked ? l.name : intern_label_name(l.name),
                                 kValuesChecked ? l.value : set.intern(l.value)});
  }
  // After the loop, sorted for long label sets: never quadratic per scrape.
  if (const auto dup = pe::find_duplicate_label_name(scratch_, name_scratch_)) {
    drop("sample " + std::string(name) + ": duplicate label \"" + std::string(*dup) + "\"");
    return PE_ERROR;
  }
  std::string_view stored_name = !has_name || name == fam.name ? fam.name : set.intern(name);
  pe::Sample& out = set.add_sample(stored_name, scratch_, value);
  if (has_timestamp) {
    out.has_timestamp = true;
    out.timestamp_ms = timestamp_ms;
  }
  return PE_OK;
}

pe_status pe_sink::sample(const pe_sample& s) {
  const pe_label* labels = s.labels;
  return add_sample<false, false>(
      s.name ? std::string_view(s.name) : std::string_view(), s.name != nullptr, s.label_count,
      [labels](std::size_t i) {
        return pe::host::LabelView{labels[i].name ? labels[i].name : "",
                                   labels[i].value ? labels[i].value : ""};
      },
      s.value, s.has_timestamp != 0, s.timestamp_ms);
}

pe_status pe_sink::sample(std::string_view name, std::span<const pe::host::LabelView> labels,
                          double value, bool has_timestamp, int64_t timestamp_ms,
                          bool names_checked, bool values_checked) {
  const auto label_at = [labels](std::size_t i) -> const pe::host::LabelView& { return labels[i]; };
  const bool has_name = name.data() != nullptr;
  if (names_checked && values_checked)
    return add_sample<true, true>(name, has_name, labels.size(), label_at, value, has_timestamp,
                                  timestamp_ms);
  if (names_checked)
    return add_sample<true, false>(name, has_name, labels.size(), label_at, value, has_timestamp,
                                   timestamp_ms);
  return add_sample<false, false>(name, has_name, labels.size(), label_at, value, has_timestamp,
                                  timestamp_ms);
}

pe_status pe_sink::text(const char* data, std::size_t len, pe_format format,
                        bool skip_invalid_lines) {
  if (limit_reached) return PE_LIMIT_EXCEEDED;
  pe::ParseOptions opts;
  opts.format = format == PE_FORMAT_OPENMETRICS ? pe::ExpositionFormat::openmetrics
                                                : pe::ExpositionFormat::text;
  opts.detect_format = format == PE_FORMAT_AUTO;
  opts.strict = false;
  opts.skip_invalid_lines = skip_invalid_lines;
  opts.reference_input = false;
  uint64_t have = set.samples.size();
  opts.max_samples = have < max_samples ? static_cast<std::size_t>(max_samples - have) : 1;
  // All or nothing: on failure the set goes back to what it held before.
  const std::size_t families = set.families.size(), samples = set.samples.size(),
                    labels = set.labels.size(), exemplars = set.exemplars.size();
  pe::ParseResult r = pe::parse_exposition(std::string_view(data, len), set, opts);
  if (!r.ok) {
    set.families.resize(families);
    set.samples.resize(samples);
    set.labels.resize(labels);
    set.exemplars.resize(exemplars);
    family_open_ = false;
    if (error.empty()) error = "invalid exposition text: " + r.error.to_string();
    return PE_ERROR;
  }
  family_open_ = false;  // structured samples after text need their own family
  if (r.skipped_lines > 0) {
    invalid_samples += r.skipped_lines;
    if (first_invalid_reason.empty())
      first_invalid_reason = "skipped line " + r.first_skipped.to_string();
  }
  return PE_OK;
}

pe_status pe_sink::stat(const char* name, const char* help, double value) {
  std::string_view n = name ? name : "";
  bool valid = !n.empty() && n.size() <= 64;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) valid = false;
  if (!valid) return PE_ERROR;
  for (pe::host::PluginStat& s : stats) {
    if (s.name == n) {
      s.value = value;
      return PE_OK;
    }
  }
  std::string h = help ? help : "";
  if (!pe::is_valid_utf8(h)) h.clear();
  stats.push_back(pe::host::PluginStat{std::string(n), std::move(h), value});
  return PE_OK;
}

void pe_sink::set_error(const char* message) {
  error = message ? message : "unknown error";
}
