// payload_generator.hpp — a realistic text exposition of about `series`
// series, shaped like a busy service's /metrics: labelled HTTP counters,
// latency histograms, summaries, gauges with Go-formatted floats, and HELP/TYPE
// on every family. Deterministic for a given size.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace pe::bench {

inline std::string generate_payload(std::size_t series) {
  std::mt19937_64 rng(20240921);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  static const char* methods[] = {"GET", "POST", "PUT", "DELETE"};
  static const char* codes[] = {"200", "201", "204", "301", "400", "404", "500", "503"};
  static const char* handlers[] = {
      "/api/v1/query", "/api/v1/query_range", "/api/v1/series",  "/api/v1/labels",
      "/metrics",      "/-/healthy",          "/api/v1/targets", "/graph"};
  static const char* bounds[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                 "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  std::string out;
  out.reserve(series * 110);
  std::size_t made = 0;
  char num[64];
  auto value = [&](double v) {
    const int n = std::snprintf(num, sizeof num, "%.17g", v);
    out.append(num, static_cast<std::size_t>(n));
  };
  for (int family = 0; made < series; ++family) {
    const std::string pod = "pod-" + std::to_string(1000 + family % 50) + "-x7f9c";
    switch (family % 4) {
      case 0: {  // counter with 4 labels
        const std::string name = "app_http_requests_" + std::to_string(family) + "_total";
        out += "# HELP " + name + " Total number of HTTP requests by method, code and handler.\n";
        out += "# TYPE " + name + " counter\n";
        for (const char* h : handlers)
          for (const char* m : methods)
            for (std::size_t c = 0; c < 4; ++c, ++made) {
              out += name + "{handler=\"" + h + "\",method=\"" + m + "\",code=\"" + codes[pick(8)] +
                     "\",pod=\"" + pod + "\"} ";
              out += std::to_string(rng() % 100000000);
              out += '\n';
            }
        break;
      }
      case 1: {  // latency histogram
        const std::string name = "app_request_duration_seconds_" + std::to_string(family);
        out += "# HELP " + name + " Request latency in seconds.\n";
        out += "# TYPE " + name + " histogram\n";
        for (const char* h : handlers) {
          uint64_t cumulative = 0;
          for (const char* le : bounds) {
            cumulative += rng() % 5000;
            out += name + "_bucket{handler=\"" + h + "\",pod=\"" + pod + "\",le=\"" + le + "\"} " +
                   std::to_string(cumulative) + "\n";
            ++made;
          }
          out += name + "_sum{handler=\"" + h + "\",pod=\"" + pod + "\"} ";
          value(static_cast<double>(cumulative) * 0.0371234567);
          out += "\n" + name + "_count{handler=\"" + h + "\",pod=\"" + pod + "\"} " +
                 std::to_string(cumulative) + "\n";
          made += 2;
        }
        break;
      }
      case 2: {  // summary
        const std::string name = "app_gc_duration_seconds_" + std::to_string(family);
        out +=
            "# HELP " + name + " A summary of the pause duration of garbage collection cycles.\n";
        out += "# TYPE " + name + " summary\n";
        for (const char* q : {"0", "0.25", "0.5", "0.75", "1"}) {
          out += name + "{quantile=\"" + q + "\"} ";
          value(static_cast<double>(rng() % 1000000) * 1.3e-9);
          out += '\n';
          ++made;
        }
        out += name + "_sum ";
        value(static_cast<double>(rng() % 100000) * 0.001234);
        out += "\n" + name + "_count " + std::to_string(rng() % 1000000) + "\n";
        made += 2;
        break;
      }
      default: {  // gauges
        const std::string name = "app_memory_bytes_" + std::to_string(family);
        out += "# HELP " + name + " Memory in use by area.\n";
        out += "# TYPE " + name + " gauge\n";
        for (int area = 0; area < 16; ++area, ++made) {
          out += name + "{area=\"area_" + std::to_string(area) + "\",pod=\"" + pod + "\"} ";
          value(static_cast<double>(rng() % 4000000000ull) * 1.5);
          out += '\n';
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace pe::bench
