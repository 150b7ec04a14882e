// protobuf_body.cpp — the delimited MetricFamily stream, via the protobuf-lite
// classes generated from metric_family.proto.
#include "body/protobuf_body.hpp"

#include <google/protobuf/io/coded_stream.h>

#include <climits>
#include <string>
#include <vector>

#include "metric_family.pb.h"
#include "plugin_exporter/exposition/float_format.hpp"
#include "store/push_error.hpp"

namespace pe::push {
namespace {

namespace wire = plugin_exporter::push::wire;

MetricType type_of(wire::MetricType t) {
  switch (t) {
    case wire::COUNTER:
      return MetricType::counter;
    case wire::GAUGE:
      return MetricType::gauge;
    case wire::SUMMARY:
      return MetricType::summary;
    case wire::UNTYPED:
      return MetricType::unknown;
    case wire::HISTOGRAM:
      return MetricType::histogram;
    case wire::GAUGE_HISTOGRAM:
      return MetricType::gaugehistogram;
  }
  return MetricType::unknown;
}

std::string_view format_number(char* buf, double v) {
  char* end = format_double(buf, v);
  return {buf, static_cast<std::size_t>(end - buf)};
}

class FamilyConverter {
 public:
  FamilyConverter(FamilyAssembler& a, const wire::MetricFamily& mf, const std::string& where)
      : a_(a), mf_(mf), where_(where), name_(mf.name()) {}

  void run() {
    a_.family(name_, type_of(mf_.type()), mf_.help(), mf_.has_help(), mf_.unit(), where_);
    for (int i = 0; i < mf_.metric_size(); ++i) metric(mf_.metric(i), i);
  }

 private:
  void metric(const wire::Metric& m, int index) {
    metric_where_ = where_ + "metric " + std::to_string(index) + " of family \"" + name_ + "\": ";
    base_.clear();
    for (const auto& lp : m.label()) base_.push_back(LabelPairView{lp.name(), lp.value()});
    ts_ = m.has_timestamp_ms();
    ts_ms_ = m.timestamp_ms();
    switch (mf_.type()) {
      case wire::COUNTER:
        if (!m.has_counter()) wrong("counter");
        emit(name_, m.counter().value());
        break;
      case wire::GAUGE:
        if (!m.has_gauge()) wrong("gauge");
        emit(name_, m.gauge().value());
        break;
      case wire::UNTYPED:
        if (!m.has_untyped()) wrong("untyped");
        emit(name_, m.untyped().value());
        break;
      case wire::SUMMARY: {
        if (!m.has_summary()) wrong("summary");
        const auto& s = m.summary();
        for (const auto& q : s.quantile()) emit_with(name_, "quantile", q.quantile(), q.value());
        emit(name_ + "_sum", s.sample_sum());
        emit(name_ + "_count", static_cast<double>(s.sample_count()));
        break;
      }
      case wire::HISTOGRAM:
      case wire::GAUGE_HISTOGRAM: {
        if (!m.has_histogram()) wrong("histogram");
        const auto& h = m.histogram();
        if (h.bucket_size() == 0 && (h.has_schema() || h.positive_span_size() > 0 ||
                                     h.negative_span_size() > 0 || h.has_zero_threshold()))
          throw PushError(
              400, metric_where_ + "native histograms are not supported; push classic buckets");
        const double count = h.sample_count_float() > 0 ? h.sample_count_float()
                                                        : static_cast<double>(h.sample_count());
        bool has_inf = false;
        for (const auto& b : h.bucket()) {
          double c = b.cumulative_count_float() > 0 ? b.cumulative_count_float()
                                                    : static_cast<double>(b.cumulative_count());
          if (b.upper_bound() == std::numeric_limits<double>::infinity()) has_inf = true;
          emit_with(name_ + "_bucket", "le", b.upper_bound(), c);
        }
        if (!has_inf)
          emit_with(name_ + "_bucket", "le", std::numeric_limits<double>::infinity(), count);
        bool gauge = mf_.type() == wire::GAUGE_HISTOGRAM;
        emit(name_ + (gauge ? "_gsum" : "_sum"), h.sample_sum());
        emit(name_ + (gauge ? "_gcount" : "_count"), count);
        break;
      }
    }
  }

  [[noreturn]] void wrong(const char* expected) {
    throw PushError(400, metric_where_ + "expected a " + std::string(expected) +
                             " value for a family of that type");
  }

  void emit(const std::string& sample_name, double value) {
    a_.series(sample_name, base_, value, ts_, ts_ms_, metric_where_);
  }

  void emit_with(const std::string& sample_name, std::string_view label, double bound,
                 double value) {
    char buf[kMaxNumberChars];
    labels_ = base_;
    labels_.push_back(LabelPairView{label, format_number(buf, bound)});
    a_.series(sample_name, labels_, value, ts_, ts_ms_, metric_where_);
  }

  FamilyAssembler& a_;
  const wire::MetricFamily& mf_;
  const std::string& where_;
  std::string name_;
  std::string metric_where_;
  std::vector<LabelPairView> base_, labels_;
  bool ts_ = false;
  int64_t ts_ms_ = 0;
};

}  // namespace

void decode_protobuf_body(std::string_view body, FamilyAssembler& assembler) {
  if (body.size() > static_cast<std::size_t>(INT_MAX))
    throw PushError(413, "protobuf body larger than 2 GiB");
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  wire::MetricFamily mf;
  for (int index = 0;; ++index) {
    const auto offset = static_cast<std::size_t>(in.CurrentPosition());
    if (offset >= body.size()) break;
    const std::string where =
        "protobuf message " + std::to_string(index) + " at byte " + std::to_string(offset) + ": ";
    uint32_t size = 0;
    if (!in.ReadVarint32(&size)) throw PushError(400, where + "truncated or invalid length prefix");
    const auto after_prefix = static_cast<std::size_t>(in.CurrentPosition());
    if (size > body.size() - after_prefix)
      throw PushError(400, where + "message length " + std::to_string(size) + " exceeds the " +
                               std::to_string(body.size() - after_prefix) + " bytes left");
    auto limit = in.PushLimit(static_cast<int>(size));
    mf.Clear();
    if (!mf.MergePartialFromCodedStream(&in) || !in.ConsumedEntireMessage())
      throw PushError(400, where + "not a valid io.prometheus.client.MetricFamily message");
    in.PopLimit(limit);
    FamilyConverter(assembler, mf, where).run();
  }
}

}  // namespace pe::push
