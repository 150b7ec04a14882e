// hello_cpp.cpp — a complete collector plugin on the SDK's C++ layer
// (plugin_exporter/plugin.hpp): one class derived from pe::PluginInstance
// and PE_DEFINE_CPP_PLUGIN. Copy this folder to start a C++ plugin;
// hello_cpp_test.cpp shows how to unit-test it with the fake host.
//
// Configuration ([collector.config]):
//   greeting = "hello"   # string, shown as a label of hello_cpp_info
//   value    = 42.0      # number >= 0, exported as hello_cpp_value
//   names    = ["world"] # strings, one hello_cpp_greeting{name=...} 1 each
//
// Metrics: hello_cpp_info{greeting} 1, hello_cpp_value, hello_cpp_greeting{name},
// hello_cpp_collects_total (this instance's collects) and
// hello_cpp_uptime_seconds (since create, on the host's clock).
#include <cstdint>
#include <string>
#include <vector>

#include "plugin_exporter/plugin.hpp"

namespace {

// Threads (plugin.h): the constructor and destructor run on the host's main
// thread, collect on a collector thread and never concurrently with itself,
// so collects_ needs no lock.
class HelloCpp : public pe::PluginInstance {
 public:
  // Reads and validates the configuration. A problem is recorded where it is
  // (ctx.config.error_at) and the host refuses the collector; keys never read
  // here are reported as unknown.
  explicit HelloCpp(pe::CreateContext& ctx)
      : api_(ctx.api),
        greeting_(ctx.config.string("greeting", "hello")),
        value_(ctx.config.number("value", 42.0)),
        names_(ctx.config.string_array("names")),
        created_ns_(ctx.api->monotonic_ns()) {
    if (value_ < 0) ctx.config.error_at("value", "must not be negative");
    ctx.log.debug("hello_cpp configured with greeting " + greeting_);
  }

  pe_status collect(const pe::CollectRequest&, pe::MetricSink& sink) override {
    ++collects_;
    sink.family("hello_cpp_info", pe::MetricType::gauge, "The configured greeting (always 1).");
    sink.sample("", {{"greeting", greeting_}}, 1);
    sink.gauge("hello_cpp_value", "The configured value.", value_);
    if (!names_.empty()) {
      sink.family("hello_cpp_greeting", pe::MetricType::gauge, "One per configured name.");
      for (const std::string& name : names_) sink.sample("", {{"name", name}}, 1);
    }
    sink.family("hello_cpp_collects_total", pe::MetricType::counter, "Collects of this instance.");
    sink.sample("hello_cpp_collects_total", {}, static_cast<double>(collects_));
    const int64_t up_ns = api_->monotonic_ns() - created_ns_;
    sink.gauge("hello_cpp_uptime_seconds", "Seconds since this collector was created.",
               static_cast<double>(up_ns) / 1e9);
    if (sink.limit_reached()) throw pe::CollectFailure(PE_ERROR, "sample limit reached");
    return PE_OK;
  }

 private:
  const pe_host_api* api_;  // valid until the process exits
  std::string greeting_;
  double value_;
  std::vector<std::string> names_;
  int64_t created_ns_;
  uint64_t collects_ = 0;
};

}  // namespace

PE_DEFINE_CPP_PLUGIN(HelloCpp, "hello_cpp", "1.0.0",
                     "Example plugin in C++: a greeting, a value, names and a collect counter", 0)
