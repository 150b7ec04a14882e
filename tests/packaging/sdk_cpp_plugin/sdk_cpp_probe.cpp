// sdk_cpp_probe.cpp — a C++ collector plugin as a third party writes it with
// the installed SDK: pe::PluginInstance, configuration with located errors, and the
// SDK's exposition parser (from the static library). It parses the
// `exposition` text of its configuration once and reports what it found.
#include <string>

#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/plugin.hpp"

namespace {

class SdkCppProbe : public pe::PluginInstance {
 public:
  explicit SdkCppProbe(pe::CreateContext& ctx) {
    const std::string text = ctx.config.string("exposition", "");
    pe::MetricSet set;
    pe::ParseResult parsed = pe::parse_exposition(text, set, pe::ParseOptions{});
    if (!parsed.ok) ctx.config.error_at("exposition", parsed.error.to_string());
    families_ = static_cast<double>(set.families.size());
    samples_ = static_cast<double>(parsed.samples);
  }

  pe_status collect(const pe::CollectRequest&, pe::MetricSink& sink) override {
    sink.gauge("sdk_cpp_probe_families", "Families in the configured exposition.", families_);
    sink.gauge("sdk_cpp_probe_samples", "Samples in the configured exposition.", samples_);
    return PE_OK;
  }

 private:
  double families_ = 0;
  double samples_ = 0;
};

}  // namespace

PE_DEFINE_CPP_PLUGIN(SdkCppProbe, "sdk_cpp_probe", "1.0.0",
                     "Parses its configured exposition text with the installed SDK", 0)
