// push_stats.hpp — counters about the gateway's own work (requests by
// operation and result, limit hits), updated from HTTP threads and exported
// on scrape as plugin_exporter_push_* metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace pe::push {

enum class Operation {
  put,
  post,
  delete_group,
  patch,
  delete_groups,
  delete_metric,
  wipe,
  post_default,
  delete_series,
  count
};
enum class Result { ok, invalid, limited, unavailable, error, count };

inline constexpr std::array<std::string_view, static_cast<int>(Operation::count)> kOperationNames =
    {"put",           "post", "delete",       "patch",        "delete_groups",
     "delete_metric", "wipe", "post_default", "delete_series"};
inline constexpr std::array<std::string_view, static_cast<int>(Result::count)> kResultNames = {
    "ok", "invalid", "limited", "unavailable", "error"};
inline constexpr std::array<std::string_view, 10> kLimitNames = {
    "max_body_bytes",        "max_decompressed_bytes", "max_series_per_push",
    "max_series_per_group",  "max_series_total",       "max_groups",
    "max_families_per_push", "max_labels_per_series",  "max_label_name_bytes",
    "max_label_value_bytes"};

inline Result result_of(int http_status) {
  if (http_status < 300) return Result::ok;
  if (http_status == 413 || http_status == 429) return Result::limited;
  if (http_status == 503) return Result::unavailable;
  if (http_status >= 500) return Result::error;
  return Result::invalid;
}

struct PushStats {
  std::array<std::array<std::atomic<uint64_t>, static_cast<int>(Result::count)>,
             static_cast<int>(Operation::count)>
      requests{};
  std::array<std::atomic<uint64_t>, kLimitNames.size()> limit_hits{};

  void count(Operation op, int http_status) {
    requests[static_cast<int>(op)][static_cast<int>(result_of(http_status))].fetch_add(
        1, std::memory_order_relaxed);
  }
  void count_limit(std::string_view limit) {
    for (std::size_t i = 0; i < kLimitNames.size(); ++i)
      if (kLimitNames[i] == limit) limit_hits[i].fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace pe::push
