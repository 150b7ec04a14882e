// push_body.cpp — Content-Encoding, Content-Type and the text formats.
#include "body/push_body.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "body/protobuf_body.hpp"
#include "plugin_exporter/exposition/gzip_decoder.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "store/push_error.hpp"

namespace pe::push {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `name` in a media type ("a/b; k=v; k2=\"v2\"").
std::string media_param(std::string_view content_type, std::string_view name) {
  std::size_t pos = content_type.find(';');
  while (pos != std::string_view::npos) {
    std::size_t next = content_type.find(';', pos + 1);
    std::string_view item =
        trim(content_type.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1));
    std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && lower(trim(item.substr(0, eq))) == name) {
      std::string_view v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    pos = next;
  }
  return {};
}

}  // namespace

BodyFormat body_format_of(std::string_view content_type) {
  std::string media = lower(trim(content_type.substr(0, content_type.find(';'))));
  if (media == "application/vnd.google.protobuf" &&
      media_param(content_type, "proto") == "io.prometheus.client.MetricFamily" &&
      media_param(content_type, "encoding") == "delimited")
    return BodyFormat::protobuf;
  if (media == "application/openmetrics-text") return BodyFormat::openmetrics;
  return BodyFormat::text;
}

void decode_text_body(std::string_view text, bool openmetrics, bool detect, const GroupingKey& key,
                      const AssemblyRules& rules, PushedFamilies& out) {
  thread_local MetricSet set;
  set.clear();
  ParseOptions opts;
  opts.format = openmetrics ? ExpositionFormat::openmetrics : ExpositionFormat::text;
  opts.detect_format = detect;
  opts.strict = true;
  opts.reference_input = true;
  // One more than allowed, so that exceeding the limit is told apart from a parse error.
  if (rules.max_series_per_push) opts.max_samples = rules.max_series_per_push + 1;
  ParseResult r = parse_exposition(text, set, opts);
  if (!r.ok) {
    if (rules.max_series_per_push && r.samples > rules.max_series_per_push)
      throw PushError(413,
                      "the push holds more than " + std::to_string(rules.max_series_per_push) +
                          " series (limit max_series_per_push)",
                      "max_series_per_push");
    throw PushError(400, std::string("text format parsing error in line ") + r.error.to_string());
  }
  FamilyAssembler assembler(key, rules, out);
  std::vector<LabelPairView> labels;
  const std::string where;
  for (const Family& f : set.families) {
    assembler.family(f.name, f.type, f.help, f.has_help, f.unit, where);
    for (const Sample& s : set.samples_of(f)) {
      labels.clear();
      for (const Label& l : set.labels_of(s)) labels.push_back(LabelPairView{l.name, l.value});
      assembler.series(s.name, labels, s.value, s.has_timestamp, s.timestamp_ms, where);
    }
  }
  assembler.finish();
  // Keep the per-thread scratch set small: a huge push must not pin its
  // memory on every HTTP thread that ever parsed one.
  if (set.samples.capacity() > 16384)
    set = MetricSet();
  else
    set.clear();
}

void decode_push_body(std::string_view body, std::string_view content_type,
                      std::string_view content_encoding, const GroupingKey& key,
                      const BodyLimits& limits, PushedFamilies& out) {
  std::string inflated;
  std::string encoding = lower(trim(content_encoding));
  if (encoding == "gzip" || encoding == "x-gzip") {
    std::string error;
    if (!gunzip(body, inflated, limits.max_decompressed_bytes, error)) {
      if (error.find("exceeds the limit") != std::string::npos)
        throw PushError(413,
                        "the decompressed body exceeds " +
                            std::to_string(limits.max_decompressed_bytes) +
                            " bytes (limit max_decompressed_bytes)",
                        "max_decompressed_bytes");
      throw PushError(400, "invalid gzip body: " + error);
    }
    body = inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    throw PushError(415, "unsupported Content-Encoding \"" + std::string(content_encoding) +
                             "\" (gzip and identity are supported)");
  }
  switch (body_format_of(content_type)) {
    case BodyFormat::protobuf: {
      FamilyAssembler assembler(key, limits.rules, out);
      decode_protobuf_body(body, assembler);
      assembler.finish();
      return;
    }
    case BodyFormat::openmetrics:
      decode_text_body(body, true, false, key, limits.rules, out);
      return;
    case BodyFormat::text:
      decode_text_body(body, false, true, key, limits.rules, out);
      return;
  }
}

}  // namespace pe::push
