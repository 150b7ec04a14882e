// model_generator.hpp — random but valid MetricSets for round-trip and
// promtool tests: every metric type, escapes and UTF-8 in label values and
// HELP, special float values, timestamps, exemplars, units. `om_only=false`
// limits the set to what text 0.0.4 expresses one-to-one.
#pragma once

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "plugin_exporter/exposition/metric_set.hpp"

namespace pe::test {

class ModelGenerator {
 public:
  explicit ModelGenerator(uint64_t seed) : rng_(seed) {}

  void generate(MetricSet& set, int families, bool om_types) {
    for (int i = 0; i < families; ++i) {
      const std::string base = "gen_" + word() + "_" + std::to_string(i);
      const int kinds = om_types ? 8 : 5;
      switch (pick(kinds)) {
        case 0:
          counter(set, base, om_types);
          break;
        case 1:
          gauge(set, base, om_types);
          break;
        case 2:
          histogram(set, base, MetricType::histogram, om_types);
          break;
        case 3:
          summary(set, base, om_types);
          break;
        case 4:
          unknown(set, base);
          break;
        case 5:
          histogram(set, base, MetricType::gaugehistogram, om_types);
          break;
        case 6:
          info(set, base);
          break;
        default:
          stateset(set, base);
          break;
      }
    }
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }

  std::string word() {
    static const char* words[] = {"http", "db", "queue", "cache", "disk", "rpc", "jobs", "net"};
    return words[pick(8)];
  }
  std::string label_value() {
    static const char* values[] = {
        "",          "a",         "GET",   "/api/v1", "with \"quotes\"", "back\\slash",
        "new\nline", "ünïcödé ☃", "} # {", "a,b=c",   "\\n literal"};
    return values[pick(11)];
  }
  std::string help() {
    static const char* helps[] = {"Plain help.", "Help with \\ backslash.", "Two\nlines.",
                                  "Quotes \" inside.", "Ünïcödé help ☃."};
    return helps[pick(5)];
  }
  double gauge_value() {
    switch (pick(10)) {
      case 0:
        return std::numeric_limits<double>::quiet_NaN();
      case 1:
        return std::numeric_limits<double>::infinity();
      case 2:
        return -std::numeric_limits<double>::infinity();
      case 3:
        return -0.0;
      case 4:
        return static_cast<double>(static_cast<int64_t>(rng_() >> 12)) * 1e-300;
      case 5:
        return std::ldexp(static_cast<double>(rng_() >> 11), pick(200) - 100);
      default:
        return static_cast<double>(pick(2000000)) - 1000000;
    }
  }
  double count_value() {
    return chance(50) ? static_cast<double>(pick(1000000))
                      : std::ldexp(static_cast<double>(rng_() >> 11), -pick(40));
  }

  std::string_view keep(MetricSet& set, const std::string& s) { return set.intern(s); }

  // Label sets for `n` metrics of a family (distinct by an "id" label).
  std::vector<std::vector<Label>> metrics(MetricSet& set, int n) {
    std::vector<std::vector<Label>> out;
    const int extra = pick(3);
    for (int i = 0; i < n; ++i) {
      std::vector<Label> ls;
      ls.push_back({"id", keep(set, std::to_string(i))});
      for (int k = 0; k < extra; ++k)
        ls.push_back({keep(set, "l" + std::to_string(k)), keep(set, label_value())});
      out.push_back(std::move(ls));
    }
    return out;
  }

  Family& family(MetricSet& set, const std::string& name, MetricType type,
                 std::string_view unit = {}) {
    return set.add_family(keep(set, name), type, keep(set, help()), true, unit);
  }

  void maybe_timestamp(Sample& s, bool enabled) {
    if (enabled) {
      s.has_timestamp = true;
      s.timestamp_ms = static_cast<int64_t>(rng_() % 4000000000000ull) - 1000000000000;
    }
  }

  void exemplar(MetricSet& set, Sample& s) {
    Exemplar e;
    e.label_begin = static_cast<uint32_t>(set.labels.size());
    set.labels.push_back({"trace_id", keep(set, std::to_string(rng_() % 1000000))});
    e.label_count = 1;
    e.value = count_value();
    if (chance(50)) {
      e.has_timestamp = true;
      e.timestamp_seconds = 1.7e9 + static_cast<double>(pick(1000000)) / 1000;
    }
    s.exemplar = static_cast<int32_t>(set.exemplars.size());
    set.exemplars.push_back(e);
  }

  void counter(MetricSet& set, const std::string& base, bool om) {
    const bool ts = chance(20);
    const std::string family_name = om ? base : base + "_total";
    family(set, family_name, MetricType::counter);
    for (auto& ls : metrics(set, 1 + pick(4))) {
      Sample& s = set.add_sample(keep(set, base + "_total"), ls, count_value());
      maybe_timestamp(s, ts);
      if (om && chance(30)) exemplar(set, s);
      if (om && chance(50)) set.add_sample(keep(set, base + "_created"), ls, 1.7e9);
    }
  }

  void gauge(MetricSet& set, const std::string& base, bool om) {
    const bool ts = chance(20);
    const bool unit = om && chance(30);  // text 0.0.4 has no units
    const std::string name = unit ? base + "_bytes" : base;
    family(set, name, MetricType::gauge, unit ? keep(set, "bytes") : std::string_view{});
    for (auto& ls : metrics(set, 1 + pick(4)))
      maybe_timestamp(set.add_sample(keep(set, name), ls, gauge_value()), ts);
  }

  void unknown(MetricSet& set, const std::string& base) {
    family(set, base, MetricType::unknown);
    for (auto& ls : metrics(set, 1 + pick(3))) set.add_sample(keep(set, base), ls, gauge_value());
  }

  void histogram(MetricSet& set, const std::string& base, MetricType type, bool om) {
    const bool gauge_hist = type == MetricType::gaugehistogram;
    family(set, base, type);
    static const char* bounds[] = {"0.005", "0.01", "0.25", "1", "2.5", "10", "1e+06"};
    for (auto& ls : metrics(set, 1 + pick(3))) {
      double cumulative = 0;
      const int first = pick(4);
      for (int b = first; b <= 7; ++b) {
        cumulative += static_cast<double>(pick(100));
        std::vector<Label> with_le = ls;
        with_le.push_back({"le", b == 7 ? "+Inf" : bounds[b]});
        Sample& s = set.add_sample(keep(set, base + "_bucket"), with_le, cumulative);
        if (om && chance(20)) exemplar(set, s);
      }
      set.add_sample(keep(set, base + (gauge_hist ? "_gcount" : "_count")), ls, cumulative);
      set.add_sample(keep(set, base + (gauge_hist ? "_gsum" : "_sum")), ls,
                     static_cast<double>(pick(100000)) / 8);
      if (om && !gauge_hist && chance(30)) set.add_sample(keep(set, base + "_created"), ls, 1.6e9);
    }
  }

  void summary(MetricSet& set, const std::string& base, bool om) {
    family(set, base, MetricType::summary);
    static const char* qs[] = {"0", "0.5", "0.9", "0.99", "1"};
    for (auto& ls : metrics(set, 1 + pick(3))) {
      for (const char* q : qs) {
        std::vector<Label> with_q = ls;
        with_q.push_back({"quantile", q});
        set.add_sample(keep(set, base), with_q,
                       chance(10) ? std::numeric_limits<double>::quiet_NaN() : count_value());
      }
      set.add_sample(keep(set, base + "_sum"), ls, count_value());
      set.add_sample(keep(set, base + "_count"), ls, static_cast<double>(pick(1000)));
      if (om && chance(30)) set.add_sample(keep(set, base + "_created"), ls, 1.6e9);
    }
  }

  void info(MetricSet& set, const std::string& base) {
    family(set, base, MetricType::info);
    for (auto& ls : metrics(set, 1 + pick(2))) set.add_sample(keep(set, base + "_info"), ls, 1);
  }

  void stateset(MetricSet& set, const std::string& base) {
    family(set, base, MetricType::stateset);
    for (auto& ls : metrics(set, 1 + pick(2))) {
      for (const char* state : {"starting", "running", "stopped"}) {
        std::vector<Label> with_state = ls;
        with_state.push_back({keep(set, base), state});
        set.add_sample(keep(set, base), with_state, chance(33) ? 1 : 0);
      }
    }
  }

  std::mt19937_64 rng_;
};

}  // namespace pe::test
