// write_request_encoder.cpp — protobuf-lite + snappy encoding of remote
// write 1.0 and 2.0 requests.
#include "remote_write/write_request_encoder.hpp"

#include <google/protobuf/arena.h>
#include <snappy.h>

#include <cstring>
#include <unordered_map>

#include "remote_write.pb.h"
#include "remote_write_v2.pb.h"
#include "remote_write/series_key.hpp"

namespace pe::host::remote_write {

double stale_nan() noexcept {
  double v;
  uint64_t bits = kStaleNaNBits;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

bool is_stale_nan(double v) noexcept {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof v);
  return bits == kStaleNaNBits;
}

namespace {

namespace v2 = io::prometheus::write::v2;

std::string compressed(const google::protobuf::MessageLite& message) {
  std::string raw;
  message.SerializeToString(&raw);
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

v2::Metadata::MetricType v2_type(MetricType t) {
  switch (t) {
    case MetricType::counter: return v2::Metadata::METRIC_TYPE_COUNTER;
    case MetricType::gauge: return v2::Metadata::METRIC_TYPE_GAUGE;
    case MetricType::histogram: return v2::Metadata::METRIC_TYPE_HISTOGRAM;
    case MetricType::gaugehistogram: return v2::Metadata::METRIC_TYPE_GAUGEHISTOGRAM;
    case MetricType::summary: return v2::Metadata::METRIC_TYPE_SUMMARY;
    case MetricType::info: return v2::Metadata::METRIC_TYPE_INFO;
    case MetricType::stateset: return v2::Metadata::METRIC_TYPE_STATESET;
    default: return v2::Metadata::METRIC_TYPE_UNSPECIFIED;
  }
}

MetricType from_v2_type(int t) {
  switch (t) {
    case v2::Metadata::METRIC_TYPE_COUNTER: return MetricType::counter;
    case v2::Metadata::METRIC_TYPE_GAUGE: return MetricType::gauge;
    case v2::Metadata::METRIC_TYPE_HISTOGRAM: return MetricType::histogram;
    case v2::Metadata::METRIC_TYPE_GAUGEHISTOGRAM: return MetricType::gaugehistogram;
    case v2::Metadata::METRIC_TYPE_SUMMARY: return MetricType::summary;
    case v2::Metadata::METRIC_TYPE_INFO: return MetricType::info;
    case v2::Metadata::METRIC_TYPE_STATESET: return MetricType::stateset;
    default: return MetricType::unknown;
  }
}

// Interns strings into Request.symbols; index 0 is "".
class SymbolTable {
 public:
  explicit SymbolTable(v2::Request& r) : request_(r) { ref(""); }
  uint32_t ref(std::string_view s) {
    auto [it, fresh] = refs_.try_emplace(s, static_cast<uint32_t>(refs_.size()));
    if (fresh) request_.add_symbols(s.data(), s.size());
    return it->second;
  }

 private:
  v2::Request& request_;
  std::unordered_map<std::string_view, uint32_t> refs_;  // views into the samples' keys
};

std::string encode_v2(std::span<const SeriesSample> samples) {
  google::protobuf::Arena arena;  // one allocation pattern for thousands of small messages
  v2::Request& request = *google::protobuf::Arena::CreateMessage<v2::Request>(&arena);
  SymbolTable symbols(request);
  request.mutable_timeseries()->Reserve(static_cast<int>(samples.size()));
  for (const SeriesSample& s : samples) {
    v2::TimeSeries* ts = request.add_timeseries();
    for_each_label(s.series, [&](std::string_view name, std::string_view value) {
      ts->add_labels_refs(symbols.ref(name));
      ts->add_labels_refs(symbols.ref(value));
    });
    v2::Sample* sample = ts->add_samples();
    sample->set_value(s.value);
    sample->set_timestamp(s.timestamp_ms);
    if (s.type != MetricType::unknown || !s.help.empty() || !s.unit.empty()) {
      v2::Metadata* m = ts->mutable_metadata();
      m->set_type(v2_type(s.type));
      if (!s.help.empty()) m->set_help_ref(symbols.ref(s.help));
      if (!s.unit.empty()) m->set_unit_ref(symbols.ref(s.unit));
    }
  }
  return compressed(request);
}

bool decode_v2(const std::string& raw, std::vector<DecodedSample>& out, std::string& error) {
  v2::Request request;
  if (!request.ParseFromString(raw)) {
    error = "not an io.prometheus.write.v2.Request";
    return false;
  }
  const int n = request.symbols_size();
  if (n == 0 || !request.symbols(0).empty()) {
    error = "symbols[0] is not the empty string";
    return false;
  }
  auto symbol = [&](uint32_t ref, const std::string*& s) {
    if (ref >= static_cast<uint32_t>(n)) return false;
    s = &request.symbols(static_cast<int>(ref));
    return true;
  };
  for (const v2::TimeSeries& ts : request.timeseries()) {
    if (ts.labels_refs_size() % 2 != 0) {
      error = "odd number of label references";
      return false;
    }
    DecodedSample d;
    for (int i = 0; i < ts.labels_refs_size(); i += 2) {
      const std::string *name = nullptr, *value = nullptr;
      if (!symbol(ts.labels_refs(i), name) || !symbol(ts.labels_refs(i + 1), value)) {
        error = "label reference out of the symbol table";
        return false;
      }
      d.labels.emplace_back(*name, *value);
    }
    if (ts.has_metadata()) {
      const std::string *help = nullptr, *unit = nullptr;
      if (!symbol(ts.metadata().help_ref(), help) || !symbol(ts.metadata().unit_ref(), unit)) {
        error = "metadata reference out of the symbol table";
        return false;
      }
      d.type = from_v2_type(ts.metadata().type());
      d.help = *help;
      d.unit = *unit;
    }
    for (const v2::Sample& s : ts.samples()) {
      d.value = s.value();
      d.timestamp_ms = s.timestamp();
      out.push_back(d);
    }
  }
  return true;
}

}  // namespace

std::string encode_write_request(std::span<const SeriesSample> samples, Protocol protocol) {
  if (protocol == Protocol::v2) return encode_v2(samples);
  google::protobuf::Arena arena;  // one allocation pattern for thousands of small messages
  prometheus::WriteRequest& request =
      *google::protobuf::Arena::CreateMessage<prometheus::WriteRequest>(&arena);
  request.mutable_timeseries()->Reserve(static_cast<int>(samples.size()));
  for (const SeriesSample& s : samples) {
    prometheus::TimeSeries* ts = request.add_timeseries();
    for_each_label(s.series, [&](std::string_view name, std::string_view value) {
      prometheus::Label* l = ts->add_labels();
      l->set_name(name.data(), name.size());
      l->set_value(value.data(), value.size());
    });
    prometheus::Sample* sample = ts->add_samples();
    sample->set_value(s.value);
    sample->set_timestamp(s.timestamp_ms);
  }
  return compressed(request);
}

bool decode_write_request(std::string_view body, std::vector<DecodedSample>& out,
                          std::string& error, Protocol protocol) {
  // Validated first: Uncompress would allocate whatever length the block's
  // preamble claims before finding out that the data does not match it.
  std::string raw;
  if (!snappy::IsValidCompressedBuffer(body.data(), body.size()) ||
      !snappy::Uncompress(body.data(), body.size(), &raw)) {
    error = "not a snappy block";
    return false;
  }
  if (protocol == Protocol::v2) return decode_v2(raw, out, error);
  prometheus::WriteRequest request;
  if (!request.ParseFromString(raw)) {
    error = "not a prometheus.WriteRequest";
    return false;
  }
  for (const prometheus::TimeSeries& ts : request.timeseries()) {
    std::vector<std::pair<std::string, std::string>> labels;
    for (const prometheus::Label& l : ts.labels()) labels.emplace_back(l.name(), l.value());
    for (const prometheus::Sample& s : ts.samples())
      out.push_back(DecodedSample{labels, s.value(), s.timestamp()});
  }
  return true;
}

bool downgrade_to_v1(std::string_view v2_body, std::string& v1_body, std::string& error) {
  std::vector<DecodedSample> decoded;
  if (!decode_write_request(v2_body, decoded, error, Protocol::v2)) return false;
  prometheus::WriteRequest request;
  request.mutable_timeseries()->Reserve(static_cast<int>(decoded.size()));
  for (const DecodedSample& d : decoded) {
    prometheus::TimeSeries* ts = request.add_timeseries();
    for (const auto& [name, value] : d.labels) {
      prometheus::Label* l = ts->add_labels();
      l->set_name(name);
      l->set_value(value);
    }
    prometheus::Sample* sample = ts->add_samples();
    sample->set_value(d.value);
    sample->set_timestamp(d.timestamp_ms);
  }
  v1_body = compressed(request);
  return true;
}

std::vector<std::pair<std::string, std::string>> remote_write_headers(Protocol protocol) {
  if (protocol == Protocol::v2)
    return {{"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
            {"Content-Encoding", "snappy"},
            {"X-Prometheus-Remote-Write-Version", "2.0.0"},
            {"User-Agent", user_agent()}};
  return {{"Content-Type", "application/x-protobuf"},
          {"Content-Encoding", "snappy"},
          {"X-Prometheus-Remote-Write-Version", "0.1.0"},
          {"User-Agent", user_agent()}};
}

std::string user_agent() {
  return std::string("plugin_exporter/") + PE_VERSION;
}

}  // namespace pe::host::remote_write
