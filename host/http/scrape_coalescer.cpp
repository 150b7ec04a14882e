// scrape_coalescer.cpp — one response for concurrent identical scrapes.
#include "http/scrape_coalescer.hpp"

namespace pe::host {

bool ScrapeCoalescer::join_or_lead(const std::string& key, Done done) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = flights_.try_emplace(key);
  if (!inserted) ++shared_;
  it->second.push_back(std::move(done));
  return inserted;
}

void ScrapeCoalescer::produce(const std::string& key, const Produce& produce) {
  std::shared_ptr<const ScrapeResponse> response;
  try {
    response = std::make_shared<const ScrapeResponse>(produce());
  } catch (...) {
    ScrapeResponse failed;
    failed.status = 500;
    failed.content_type = "text/plain; charset=utf-8";
    failed.body = std::make_shared<const std::string>("internal error\n");
    response = std::make_shared<const ScrapeResponse>(std::move(failed));
  }
  std::vector<Done> waiting;
  {
    std::lock_guard lock(mu_);
    auto it = flights_.find(key);
    if (it == flights_.end()) return;
    waiting.swap(it->second);
    flights_.erase(it);
  }
  for (Done& d : waiting) d(response);
}

uint64_t ScrapeCoalescer::shared_total() const {
  std::lock_guard lock(mu_);
  return shared_;
}

}  // namespace pe::host
