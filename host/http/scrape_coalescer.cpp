// scrape_coalescer.cpp — one response for concurrent identical scrapes.
#include "http/scrape_coalescer.hpp"

namespace pe::host {

std::shared_ptr<const ScrapeResponse> ScrapeCoalescer::run(
    const std::string& key, const std::function<ScrapeResponse()>& produce) {
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = flights_.try_emplace(key);
    if (inserted) it->second = std::make_shared<Flight>();
    else ++shared_;
    flight = it->second;
    leader = inserted;
  }
  if (!leader) {
    std::unique_lock lock(flight->mu);
    flight->cv.wait(lock, [&] { return flight->done; });
    return flight->response;
  }
  std::shared_ptr<const ScrapeResponse> response;
  auto finish = [&](std::shared_ptr<const ScrapeResponse> r) {
    {
      std::lock_guard lock(mu_);
      flights_.erase(key);
    }
    {
      std::lock_guard lock(flight->mu);
      flight->response = r;
      flight->done = true;
    }
    flight->cv.notify_all();
  };
  try {
    response = std::make_shared<const ScrapeResponse>(produce());
  } catch (...) {
    ScrapeResponse failed;
    failed.status = 500;
    failed.content_type = "text/plain; charset=utf-8";
    failed.body = "internal error\n";
    finish(std::make_shared<const ScrapeResponse>(std::move(failed)));
    throw;
  }
  finish(response);
  return response;
}

uint64_t ScrapeCoalescer::shared_total() const {
  std::lock_guard lock(mu_);
  return shared_;
}

}  // namespace pe::host
