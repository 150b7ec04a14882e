// merged_scrape.cpp — scraping the merged agents for the hub's own /metrics.
#include "dialin/merged_scrape.hpp"

#include "collect/target_labels.hpp"
#include "plugin_exporter/exposition/exposition_format.hpp"
#include "plugin_exporter/exposition/text_parser.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host::dialin {
namespace {

std::string header_value(const StringPairs& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

// The agent's answer as a labelled set; null with `error` when unusable.
std::shared_ptr<MetricSet> parse_reply(const ScrapeReply& reply, const AgentEntry& agent,
                                       std::string& error) {
  if (reply.status / 100 != 2) {
    error = "HTTP " + std::to_string(reply.status);
    return nullptr;
  }
  const std::string encoding = ascii_lower(trim(header_value(reply.headers, "Content-Encoding")));
  if (!encoding.empty() && encoding != "identity") {
    error = "the agent answered with Content-Encoding " + quoted(encoding);
    return nullptr;
  }
  auto set = std::make_shared<MetricSet>();
  ParseOptions options;
  options.format = format_from_content_type(header_value(reply.headers, "Content-Type"));
  const ParseResult parsed = parse_exposition(reply.body, *set, options);
  if (!parsed.ok) {
    error = "unparsable metrics: " + parsed.error.to_string();
    return nullptr;
  }
  std::vector<std::pair<std::string, std::string>> labels{{"alias", agent.alias}};
  if (!agent.hostname.empty()) labels.emplace_back("hostname", agent.hostname);
  if (!agent.service.empty()) labels.emplace_back("service", agent.service);
  apply_target_labels(*set, labels, false);
  return set;
}

}  // namespace

MergedScrape::MergedScrape(AgentRegistry& registry, HubMetrics& metrics,
                           const std::vector<AgentEntry>& agents, double timeout_s)
    : deadline_(std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(timeout_s))) {
  const auto started = std::chrono::steady_clock::now();
  for (const AgentEntry& agent : agents) {
    bool known = false;
    auto link = registry.link_of(agent.alias, known, AgentRegistry::Clock::now());
    if (!link) continue;  // not connected: contributes nothing
    {
      std::lock_guard lock(shared_->mu);
      ++shared_->pending;
    }
    ScrapeRequest req;
    req.timeout_s = timeout_s;
    req.accept_encoding = "identity";
    link->scrape(
        std::move(req), [shared = shared_, agent, started, &registry, &metrics](ScrapeReply reply) {
          const double took =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          std::string error;
          auto set = parse_reply(reply, agent, error);
          registry.scraped(agent.alias,
                           set ? reply.status : (reply.status / 100 == 2 ? 502 : reply.status),
                           error.empty() ? std::string() : "merged into /metrics: " + error);
          metrics.scraped(set                   ? ScrapeResult::success
                          : reply.status == 504 ? ScrapeResult::timeout
                          : reply.status == 503 ? ScrapeResult::disconnected
                                                : ScrapeResult::error,
                          took);
          std::lock_guard lock(shared->mu);
          if (set && !shared->waited)
            shared->answered.push_back({"agent:" + agent.alias, std::move(set)});
          --shared->pending;
          shared->cv.notify_all();
        });
  }
}

std::vector<MergedAgentScrape::Agent> MergedScrape::wait() {
  std::unique_lock lock(shared_->mu);
  shared_->cv.wait_until(lock, deadline_, [this] { return shared_->pending == 0; });
  shared_->waited = true;
  return std::move(shared_->answered);
}

}  // namespace pe::host::dialin
