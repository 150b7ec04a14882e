// dialin_hub.cpp — the hub's WebSocket endpoint and its /agents/ routes.
#include "dialin/dialin_hub.hpp"

#include <algorithm>
#include <cstdlib>

#include "base/logging.hpp"
#include "dialin/merged_scrape.hpp"
#include "dialin/sd_targets.hpp"
#include "http/json_value.hpp"
#include "plugin_exporter/text.hpp"

namespace pe::host::dialin {
namespace {

std::string header_of(const StringPairs& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

// The scraper's timeout minus the offset, else the configured default.
double scrape_timeout_s(const std::string& h, std::chrono::nanoseconds offset,
                        std::chrono::nanoseconds fallback) {
  double seconds = std::chrono::duration<double>(fallback).count();
  if (!h.empty()) {
    char* end = nullptr;
    double v = std::strtod(h.c_str(), &end);
    if (end && *end == '\0' && v > 0 && v <= 3600)
      seconds = v - std::chrono::duration<double>(offset).count();
  }
  return std::max(seconds, 0.05);
}

// A Host header fit to be echoed as a target: host[:port], nothing else.
bool plausible_host(const std::string& h) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '[' || c == ']' || c == '_'))
      return false;
  return true;
}

// A failed scrape in a line for the status page: the status and the start
// of the reply's text (bodies that are not text are not quoted).
std::string scrape_error_of(const ScrapeReply& reply) {
  if (reply.status / 100 == 2) return {};
  std::string error = "HTTP " + std::to_string(reply.status);
  const std::string type = ascii_lower(header_of(reply.headers, "Content-Type"));
  if (!type.starts_with("text/plain") || !header_of(reply.headers, "Content-Encoding").empty() ||
      reply.body.empty())
    return error;
  constexpr std::size_t kMax = 200;
  std::string_view line(reply.body);
  line = trim(line.substr(0, std::min(line.find('\n'), 2 * kMax)));
  if (line.size() > kMax) {
    std::size_t cut = kMax;  // on a UTF-8 character boundary
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    return error + ": " + std::string(line.substr(0, cut)) + "…";
  }
  return line.empty() ? error : error + ": " + std::string(line);
}

}  // namespace

DialinHub::DialinHub(const DialinConfig& config, std::chrono::nanoseconds scrape_timeout_offset)
    : work_(boost::asio::make_work_guard(clock_)),
      core_{config, AgentRegistry(config.agent_expiry, config.max_agents), {}, clock_, {}, {}},
      offset_(scrape_timeout_offset),
      persistence_(config.state_file, config.file_sd_path, config.sd_target, core_.metrics),
      tick_(clock_) {
  core_.set_tokens(std::make_shared<const AgentTokens>(config.tokens, config.clients));
  // Before the clock thread runs: the agents a previous run listed.
  if (const auto restored =
          core_.registry.restore(persistence_.load(*core_.tokens()), AgentRegistry::Clock::now(),
                                 std::chrono::system_clock::now())) {
    log(LogLevel::info,
        "agents restored from the registry file (disconnected until they "
        "reconnect)",
        {{"agents", std::to_string(restored)}, {"file", config.state_file}});
  }
  publish();
  tick();
  clock_thread_ = std::thread([this] { clock_.run(); });
}

DialinHub::~DialinHub() {
  work_.reset();
  clock_.stop();
  if (clock_thread_.joinable()) clock_thread_.join();
  publish();  // the last changes (connections closed at shutdown)
}

void DialinHub::publish() {
  uint64_t version = 0;
  if (!persistence_.stale(core_.registry.version())) return;
  auto agents = core_.registry.snapshot(AgentRegistry::Clock::now(), &version);
  persistence_.publish(agents, version);
}

void DialinHub::tick() {
  core_.registry.sweep(AgentRegistry::Clock::now());
  publish();
  tick_.expires_after(std::chrono::seconds(1));
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

WebSocketHandler DialinHub::websocket_handler() {
  WebSocketHandler h;
  h.max_message_bytes = core_.config.max_message_bytes;
  h.subprotocol = kSubprotocol;
  h.open =
      [this](std::shared_ptr<WebSocketChannel> channel) -> std::shared_ptr<WebSocketConnection> {
    auto c = std::make_shared<HubConnection>(core_, channel, channel->client_address(),
                                             channel->peer_sans());
    c->start();
    return c;
  };
  return h;
}

void DialinHub::serve(const std::shared_ptr<HttpExchange>& ex) {
  std::string_view rest = ex->raw_path();
  rest.remove_prefix(std::string_view(kAgentsPathPrefix).size());
  if (rest == "sd") return serve_sd(*ex);
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos && rest.substr(slash) == "/metrics") {
    std::string alias(rest.substr(0, slash));
    if (valid_alias(alias)) return serve_agent_metrics(ex, alias);
  }
  ex->send_text(404,
                "not found: " + ex->raw_path() + " (GET /agents/sd or /agents/<alias>/metrics)");
}

void DialinHub::serve_agent_metrics(const std::shared_ptr<HttpExchange>& ex,
                                    const std::string& alias) {
  if (!ex->query_error().empty()) return ex->send_text(400, ex->query_error());
  const auto started = std::chrono::steady_clock::now();
  bool known = false;
  auto link = core_.registry.link_of(alias, known, AgentRegistry::Clock::now());
  if (!link) {
    core_.metrics.scraped(known ? ScrapeResult::disconnected : ScrapeResult::unknown_agent, 0);
    if (known) core_.registry.scraped(alias, 503, "HTTP 503: the agent is not connected");
    return known ? ex->send_text(503, "agent " + alias + " is not connected")
                 : ex->send_text(404, "no agent " + alias);
  }
  ScrapeRequest req;
  req.timeout_s = scrape_timeout_s(ex->header("X-Prometheus-Scrape-Timeout-Seconds"), offset_,
                                   core_.config.scrape_timeout);
  req.accept = ex->header("Accept");
  req.accept_encoding = ex->accepts_gzip() ? "gzip" : "identity";
  for (const auto& [k, v] : ex->query())
    if (k == "collector") req.collectors.push_back(v);
  HubMetrics& metrics = core_.metrics;
  AgentRegistry& registry = core_.registry;
  link->scrape(std::move(req), [ex, started, &metrics, &registry, alias](ScrapeReply reply) {
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string encoding = ascii_lower(trim(header_of(reply.headers, "Content-Encoding")));
    if (!encoding.empty() && encoding != "gzip" && encoding != "identity") {
      metrics.scraped(ScrapeResult::error, took);
      const std::string error = "the agent answered with Content-Encoding " + quoted(encoding);
      registry.scraped(alias, 502, "HTTP 502: " + error);
      return ex->send_text(502, error);
    }
    registry.scraped(alias, reply.status, scrape_error_of(reply));
    metrics.scraped(reply.status == 504       ? ScrapeResult::timeout
                    : reply.status == 503     ? ScrapeResult::disconnected
                    : reply.status / 100 == 2 ? ScrapeResult::success
                                              : ScrapeResult::error,
                    took);
    std::string content_type = header_of(reply.headers, "Content-Type");
    if (content_type.empty()) content_type = "text/plain; charset=utf-8";
    const bool gzipped = encoding == "gzip";
    ex->send_prepared(reply.status, content_type,
                      std::make_shared<const std::string>(std::move(reply.body)), gzipped,
                      !gzipped);
  });
}

std::shared_ptr<MergedAgentScrape> DialinHub::start_merged_scrape(
    const std::string& timeout_header) {
  const auto tokens = core_.tokens();
  std::vector<AgentEntry> merged;
  if (tokens->any_merge()) {
    for (AgentEntry& e : core_.registry.snapshot(AgentRegistry::Clock::now())) {
      const DialinToken* t = e.connected ? tokens->find(e.token_id) : nullptr;
      if (t && t->merge) merged.push_back(std::move(e));
    }
  }
  if (merged.empty()) return nullptr;
  return std::make_shared<MergedScrape>(
      core_.registry, core_.metrics, merged,
      scrape_timeout_s(timeout_header, offset_, core_.config.scrape_timeout));
}

void DialinHub::reconfigure(const DialinConfig& next) {
  const DialinConfig& c = core_.config;
  if (c.agent_expiry != next.agent_expiry || c.hello_timeout != next.hello_timeout ||
      c.scrape_timeout != next.scrape_timeout || c.max_agents != next.max_agents ||
      c.max_in_flight != next.max_in_flight || c.max_message_bytes != next.max_message_bytes ||
      c.sd_target != next.sd_target || c.state_file != next.state_file ||
      c.file_sd_path != next.file_sd_path)
    log(LogLevel::warn,
        "[dialin] settings other than the tokens changed; they apply at the next start");
  auto tokens = std::make_shared<const AgentTokens>(next.tokens, next.clients);
  core_.set_tokens(tokens);
  const auto now = AgentRegistry::Clock::now();
  std::size_t closed = 0;
  for (const AgentEntry& e : core_.registry.snapshot(now)) {
    const DialinToken* t = e.connected ? tokens->find(e.token_id) : nullptr;
    if (!e.connected || (t && token_allows_alias(*t, e.alias))) continue;
    bool known = false;
    if (auto link = core_.registry.link_of(e.alias, known, now)) {
      link->revoked();
      ++closed;
    }
  }
  log(LogLevel::info, "[dialin] tokens reloaded",
      {{"tokens", std::to_string(next.tokens.size())},
       {"clients", std::to_string(next.clients.size())},
       {"connections_closed", std::to_string(closed)}});
}

void DialinHub::serve_sd(HttpExchange& ex) {
  std::string target = core_.config.sd_target;
  if (target.empty()) target = ex.header("Host");
  if (!plausible_host(target))
    return ex.send_text(400, "no usable Host header; set [dialin] sd_target");
  ex.send(200, "application/json",
          sd_targets_json(core_.registry.snapshot(AgentRegistry::Clock::now()), target), true);
}

std::vector<AgentStatus> DialinHub::agent_status() {
  const auto ms = [](std::chrono::system_clock::time_point t) -> int64_t {
    if (t == std::chrono::system_clock::time_point{}) return 0;
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  std::vector<AgentStatus> out;
  for (AgentEntry& e : core_.registry.snapshot(AgentRegistry::Clock::now())) {
    AgentStatus a;
    a.alias = std::move(e.alias);
    a.hostname = std::move(e.hostname);
    a.service = std::move(e.service);
    a.labels.assign(e.labels.begin(), e.labels.end());
    a.connected = e.connected;
    a.last_seen_unix_ms = ms(e.last_seen);
    a.last_scrape_unix_ms = ms(e.last_scrape);
    a.last_scrape_status = e.last_scrape_status;
    a.last_scrape_error = std::move(e.last_scrape_error);
    a.scrapes_ok = e.scrapes_ok;
    a.scrapes_failed = e.scrapes_failed;
    out.push_back(std::move(a));
  }
  return out;
}

void DialinHub::export_to(MetricSet& set) {
  auto agents = core_.registry.snapshot(AgentRegistry::Clock::now());
  core_.metrics.export_to(set, agents, core_.registry.connected());
}

}  // namespace pe::host::dialin
