// test_source_plugin.cpp — a collector plugin for the host's tests whose
// behaviour the configuration picks: healthy, slow, hanging forever,
// throwing from C++, emitting invalid names and NaN/Inf, emitting a million
// samples (then hanging, if asked), failing, echoing or rejecting scrape
// parameters, duplicating series, declaring a family of a chosen type,
// serving an HTTP route.
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>

#include "plugin_exporter/plugin.hpp"

namespace {

class TestSource : public pe::PluginInstance {
 public:
  explicit TestSource(pe::CreateContext& ctx) : api_(ctx.api) {
    behaviour_ = ctx.config.string("behaviour", "ok");
    static const char* known[] = {"ok",   "slow", "hang",   "throw",     "invalid",
                                  "huge", "fail", "params", "duplicate", "typed"};
    bool ok = false;
    for (const char* k : known) ok |= behaviour_ == k;
    if (!ok) ctx.config.error_at("behaviour", "unknown behaviour \"" + behaviour_ + "\"");
    delay_ = ctx.config.duration("delay", std::chrono::milliseconds(100));
    samples_ = ctx.config.integer("samples", 1000000);
    then_hang_ = ctx.config.boolean("then_hang", false);
    family_type_ = ctx.config.string("family_type", "gauge");
    family_name_ = ctx.config.string("family_name", "test_shared");
    if (auto secret = ctx.config.secret("password")) password_length_ = secret->size();
    if (ctx.config.boolean("route", false) && !ctx.check_only) {
      pe_route r{};
      r.struct_size = sizeof r;
      r.method = "POST";
      r.path_prefix = "/test/echo";
      r.role = "push";
      r.max_body_bytes = 1024;
      if (ctx.api->register_route(ctx.host, &r) != PE_OK)
        throw std::runtime_error("route registration failed");
    }
  }

  pe_status collect(const pe::CollectRequest& req, pe::MetricSink& sink) override {
    long calls = ++calls_;
    sink.stat("test_calls", static_cast<double>(calls), "Collect calls so far.");
    if (behaviour_ == "slow") std::this_thread::sleep_for(delay_);
    if (behaviour_ == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    if (behaviour_ == "throw") throw std::runtime_error("deliberate failure from C++");
    if (behaviour_ == "fail") throw pe::CollectFailure(PE_ERROR, "source unreachable");

    sink.family("test_collect_calls_total", pe::MetricType::counter,
                "Collect calls of this instance.");
    sink.sample("test_collect_calls_total", {}, static_cast<double>(calls));
    if (password_length_)
      sink.gauge("test_password_length", "Length of the secret.",
                 static_cast<double>(password_length_));

    if (behaviour_ == "invalid") {
      sink.family("0starts_with_digit", pe::MetricType::gauge);  // refused
      sink.sample("", {}, 1);                                    // no open family: dropped
      sink.family("test_special_values", pe::MetricType::gauge, "NaN and infinities.");
      sink.sample("", {{"v", "nan"}}, std::numeric_limits<double>::quiet_NaN());
      sink.sample("", {{"v", "inf"}}, std::numeric_limits<double>::infinity());
      sink.sample("", {{"v", "-inf"}}, -std::numeric_limits<double>::infinity());
      sink.sample("", {{"bad-label", "x"}}, 1);              // invalid label name
      sink.sample("", {{"__reserved", "x"}}, 1);             // reserved label
      sink.sample("", {{"v", std::string("\xff\xfe")}}, 1);  // invalid UTF-8
      sink.sample("other_name", {}, 1);                      // wrong family
    } else if (behaviour_ == "huge") {
      sink.family("test_huge", pe::MetricType::gauge, "Many samples.");
      std::string id;
      for (long i = 0; i < samples_; ++i) {
        id = std::to_string(i);
        const pe_label l{"id", id.c_str()};  // the non-allocating path
        if (!sink.sample_fast(nullptr, {&l, 1}, static_cast<double>(i))) {
          if (sink.limit_reached()) throw pe::CollectFailure(PE_ERROR, "sample limit reached");
        }
      }
      while (then_hang_) std::this_thread::sleep_for(std::chrono::hours(1));
    } else if (behaviour_ == "params") {
      for (const auto& [k, v] : req.params)
        if (k == "bad") throw pe::CollectFailure(PE_BAD_REQUEST, "parameter bad is not allowed");
      sink.family("test_param", pe::MetricType::gauge, "Scrape parameters seen.");
      for (const auto& [k, v] : req.params) sink.sample("", {{"name", k}, {"value", v}}, 1);
    } else if (behaviour_ == "duplicate") {
      sink.family("test_dup", pe::MetricType::gauge, "The same series twice.");
      sink.sample("", {{"a", "1"}, {"b", "2"}}, 1);
      sink.sample("", {{"b", "2"}, {"a", "1"}}, 2);
    } else if (behaviour_ == "typed") {
      auto type = family_type_ == "counter" ? pe::MetricType::counter : pe::MetricType::gauge;
      sink.family(family_name_, type, "A family whose type the config picks.");
      sink.sample(
          type == pe::MetricType::counter && family_name_.find("_total") == std::string::npos
              ? family_name_ + "_total"
              : family_name_,
          {}, 1);
    } else {
      sink.family("test_up", pe::MetricType::gauge, "Always 1.");
      sink.sample("", {}, 1);
    }
    return PE_OK;
  }

  pe_status handle_http(const pe::HttpRequest& req, pe::HttpResponse& resp) override {
    if (req.body == "throw") throw std::runtime_error("echo was told to throw");
    resp.status(202);
    resp.header("Content-Type", "text/plain");
    resp.write(std::string("echo ") + std::string(req.method) + " " + std::string(req.path) +
               " identity=" + std::string(req.identity) + " body=" + std::string(req.body));
    return PE_OK;
  }

 private:
  const pe_host_api* api_;
  std::string behaviour_;
  std::chrono::nanoseconds delay_{};
  long samples_ = 0;
  bool then_hang_ = false;  // "huge": hang after emitting the samples
  std::string family_type_;
  std::string family_name_;
  std::size_t password_length_ = 0;
  std::atomic<long> calls_{0};
};

}  // namespace

PE_DEFINE_CPP_PLUGIN(TestSource, "test_source", "1.0.0",
                     "Test plugin with configurable (mis)behaviour", PE_CAP_HTTP_ROUTES)
