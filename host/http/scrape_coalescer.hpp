// scrape_coalescer.hpp — concurrent identical scrapes (same query, format,
// encoding and scrape timeout) share one response: one merge, one write, one
// gzip, as they already share one collect per collector. The first scrape of
// a key produces the response; the others only leave a callback and hold no
// thread while they wait. A scrape that arrives after the response was
// produced starts a new one; nothing is cached beyond the scrapes in flight.
//
// Thread-safety: all members may be called from any thread. The single-flight
// itself is pe::SingleFlight (sdk); this adds the response and the 500 policy.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "plugin_exporter/single_flight.hpp"

namespace pe::host {

struct ScrapeResponse {
  int status = 200;
  std::string content_type;
  std::shared_ptr<const std::string> body;
  bool gzipped = false;
};

class ScrapeCoalescer {
 public:
  using Done = std::function<void(std::shared_ptr<const ScrapeResponse>)>;
  using Produce = std::function<ScrapeResponse()>;

  ScrapeCoalescer();

  // Joins the flight of `key` if one is running (`done` is called when it
  // completes, on the thread that completes it) and returns false. Otherwise
  // starts one and returns true: the caller must then call produce(key, ...)
  // (on whatever thread it chooses), which completes every joined `done`.
  bool join_or_lead(const std::string& key, Done done);
  // Runs `produce` for the flight of `key` the caller leads and completes it;
  // an exception from `produce` completes it with a 500.
  void produce(const std::string& key, const Produce& produce);

  // Scrapes that got a response another scrape produced.
  uint64_t shared_total() const { return flights_.joined_total(); }

 private:
  // No deadlines here: the scrape timeout is part of the key, and the
  // response is produced within it.
  pe::SingleFlight<std::string, std::shared_ptr<const ScrapeResponse>> flights_;
};

}  // namespace pe::host
