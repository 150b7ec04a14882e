// scrape_coalescer.hpp — concurrent identical scrapes (same query, format,
// encoding and scrape timeout) share one response: one merge, one write, one
// gzip, as they already share one collect per collector. A scrape that
// arrives after the response was produced starts a new one; nothing is
// cached beyond the scrapes in flight.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pe::host {

struct ScrapeResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  bool gzipped = false;
};

class ScrapeCoalescer {
 public:
  // Runs `produce` once for every caller with `key` that arrives while it
  // runs; each gets the same response. Exceptions from `produce` reach the
  // caller that ran it; the waiting ones get a 500 response.
  std::shared_ptr<const ScrapeResponse> run(const std::string& key,
                                            const std::function<ScrapeResponse()>& produce);
  // Scrapes that got a response another scrape produced.
  uint64_t shared_total() const;

 private:
  struct Flight {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::shared_ptr<const ScrapeResponse> response;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  uint64_t shared_ = 0;
};

}  // namespace pe::host
