// scrape_coalescer.cpp — one response for concurrent identical scrapes.
#include "http/scrape_coalescer.hpp"

#include <cstdint>
#include <exception>

#include "plugin/host_api.hpp"

namespace pe::host {

ScrapeCoalescer::ScrapeCoalescer() : flights_(monotonic_now_ns) {}

bool ScrapeCoalescer::join_or_lead(const std::string& key, Done done) {
  auto ticket = flights_.join_or_lead(key, INT64_MAX);
  ticket.flight->then(std::move(done));
  return ticket.leader;
}

void ScrapeCoalescer::produce(const std::string& key, const Produce& produce) {
  auto flight = flights_.find(key);
  if (!flight) return;
  flights_.produce(
      flight, [&] { return std::make_shared<const ScrapeResponse>(produce()); },
      [](std::exception_ptr) noexcept {
        ScrapeResponse failed;
        failed.status = 500;
        failed.content_type = "text/plain; charset=utf-8";
        failed.body = std::make_shared<const std::string>("internal error\n");
        return std::make_shared<const ScrapeResponse>(std::move(failed));
      });
}

}  // namespace pe::host
