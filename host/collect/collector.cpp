// collector.cpp — single-flight collects, result labelling, destroy.
#include "collect/collector.hpp"

#include <chrono>
#include <thread>

#include "base/logging.hpp"
#include "collect/quarantine.hpp"
#include "collect/same_content.hpp"
#include "collect/target_labels.hpp"
#include "collect/worker_pool.hpp"
#include "plugin/collect_sink.hpp"
#include "plugin/host_api.hpp"
#include "plugin_exporter/exposition/utf8.hpp"

namespace pe::host {
namespace {

std::string params_key(const Params& params) {
  Params sorted = params;
  std::sort(sorted.begin(), sorted.end());
  std::string key;
  for (const auto& [k, v] : sorted) {
    key += k;
    key += '\0';
    key += v;
    key += '\0';
  }
  return key;
}

CollectOutcome refusal(CollectStatus status, std::string reason) {
  CollectOutcome o;
  o.status = status;
  o.reason = std::move(reason);
  return o;
}

// A failure reason fit to be a label value: valid UTF-8, one line, bounded.
std::string printable_reason(std::string_view reason) {
  constexpr std::size_t kMax = 300;
  std::string out;
  for (char c : reason.substr(0, kMax)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!out.empty() && !pe::is_valid_utf8(out)) out.pop_back();  // cut inside a character
  if (!pe::is_valid_utf8(out)) out = "(reason is not valid UTF-8)";
  if (reason.size() > kMax) out += "...";
  return out.empty() ? "unknown error" : out;
}

}  // namespace

Collector::Collector(CollectorConfig config, std::shared_ptr<PluginLibrary> library,
                     std::unique_ptr<pe_host> context, pe_instance* instance,
                     RelabelProgram relabel, std::shared_ptr<const RelabelProgram> global_relabel)
    : config_(std::move(config)),
      library_(std::move(library)),
      plugin_label_(library_->name()),
      fingerprint_id_(collector_fingerprint_id(config_)),
      context_(std::move(context)),
      instance_(instance),
      relabel_(std::move(relabel)),
      global_relabel_(std::move(global_relabel)),
      in_flight_(monotonic_now_ns) {}

Collector::~Collector() = default;

Collector::Ticket Collector::begin(const Params& params, int64_t deadline_ns, WorkerPool& pool) {
  Ticket ticket;
  std::string key = params_key(params);
  std::shared_ptr<InFlightCollect> flight;
  {
    std::lock_guard lock(mu_);
    if (destroyed_) {
      ticket.immediate = refusal(CollectStatus::unavailable, "collector is shutting down");
      return ticket;
    }
    if (auto running = in_flight_.find(key)) {
      ticket.flight = std::move(running);
      ticket.joined = true;
      return ticket;
    }
    auto running = in_flight_.any_in_flight();
    if (running && !library_->has(PE_CAP_CONCURRENT_COLLECT)) {
      double secs = static_cast<double>(monotonic_now_ns() - running->started_ns()) / 1e9;
      ticket.immediate = refusal(
          CollectStatus::busy, "a collect with other parameters is still running (for " +
                                   std::to_string(static_cast<int>(secs)) + "s); not called again");
      return ticket;
    }
    flight = in_flight_.join_or_lead(key, deadline_ns).flight;  // leads: no flight of `key`
  }
  ticket.flight = flight;
  bool queued = false;
  try {
    queued =
        pool.submit([self = shared_from_this(), flight, params] { self->run(flight, params); });
  } catch (const std::exception&) {  // bad_alloc: nobody will run it either
  }
  if (!queued) {
    // Complete the flight here, or it would stay in flight for good and
    // every later scrape of this key would join it and wait out its deadline.
    CollectOutcome outcome;
    outcome.status = CollectStatus::unavailable;
    outcome.reason =
        "no collector thread took the collect (the exporter is stopping or out of threads)";
    in_flight_.complete(flight, std::move(outcome));
  }
  return ticket;
}

void Collector::run(const std::shared_ptr<InFlightCollect>& flight, const Params& params) {
  CollectOutcome outcome;
  const int64_t start = monotonic_now_ns();
  if (start >= flight->deadline_ns()) {
    // Waited in the pool's queue past the deadline: do not start late work.
    outcome.status = CollectStatus::timeout;
    outcome.reason = "deadline passed while waiting for a collector thread";
  } else {
    auto set = std::make_shared<MetricSet>();
    {
      // Sized like the last result, here on the collect's thread: the set's
      // memory is allocated once, by the thread that frees the set's
      // predecessor (an isolated collector's sink is filled by the
      // supervisor's reader thread, where growth took fresh pages each time).
      std::lock_guard lock(mu_);
      if (last_metrics_) set->reserve_like(*last_metrics_);
    }
    pe_sink sink(*set, config_.max_samples);
    std::vector<pe_label> raw_params;
    raw_params.reserve(params.size());
    for (const auto& [k, v] : params) raw_params.push_back(pe_label{k.c_str(), v.c_str()});
    pe_collect_request req{};
    req.struct_size = sizeof req;
    req.deadline_monotonic_ns = flight->deadline_ns();
    req.params = raw_params.data();
    req.param_count = raw_params.size();
    ++calls_;
    pe_status status;
    {
      const PluginCallSite site = call_site("collect");
      PluginCallScope scope(site);
      status = library_->descriptor().collect(instance_, &req, &sink);
    }
    double seconds = static_cast<double>(monotonic_now_ns() - start) / 1e9;
    outcome = finish(status, sink, std::move(set), seconds);
  }
  in_flight_.complete(flight, std::move(outcome));
}

CollectOutcome Collector::finish(pe_status status, pe_sink& sink, std::shared_ptr<MetricSet> set,
                                 double seconds) {
  CollectOutcome out;
  out.duration_seconds = seconds;
  out.invalid_samples = sink.invalid_samples;
  out.stats = std::move(sink.stats);
  if (sink.invalid_samples > 0) {
    log(LogLevel::warn, "collector emitted invalid samples; dropped",
        {{"collector", name()},
         {"dropped", std::to_string(sink.invalid_samples)},
         {"first_reason", sink.first_invalid_reason}});
  }
  switch (status) {
    case PE_OK:
      out.status = CollectStatus::ok;
      break;
    case PE_TIMEOUT:
      out.status = CollectStatus::timeout;
      break;
    case PE_BAD_REQUEST:
      out.status = CollectStatus::bad_request;
      break;
    case PE_UNAVAILABLE:
      out.status = CollectStatus::unavailable;
      break;
    default:
      out.status = CollectStatus::error;
      break;
  }
  if (out.status == CollectStatus::ok && sink.limit_reached) {
    out.status = CollectStatus::error;
  }
  if (out.status != CollectStatus::ok) {
    out.reason = !sink.error.empty() ? sink.error
                 : out.status == CollectStatus::timeout
                     ? "the plugin reported a timeout"
                     : "the plugin failed without a reason (status " + std::to_string(status) + ")";
    return out;
  }
  apply_target_labels(*set, config_.labels, config_.honor_labels);
  if (!relabel_.empty()) out.relabel_dropped += relabel_.apply(*set).samples_dropped;
  std::shared_ptr<const RelabelProgram> global;
  {
    std::lock_guard lock(mu_);
    global = global_relabel_;
  }
  if (global && !global->empty()) out.relabel_dropped += global->apply(*set).samples_dropped;
  // An unchanged result (a cached script result, a static file) is served as
  // the previous one, with its memo of written bytes: a scrape copies them.
  std::shared_ptr<const MetricSet> last;
  {
    std::lock_guard lock(mu_);
    last = last_metrics_;
    out.memo = last_memo_;
  }
  if (last && same_content(*last, *set)) {
    out.metrics = std::move(last);
    return out;
  }
  out.memo = std::make_shared<SegmentMemo>();
  out.metrics = std::move(set);
  std::lock_guard lock(mu_);
  last_metrics_ = out.metrics;
  last_memo_ = out.memo;
  return out;
}

void Collector::set_global_relabel(std::shared_ptr<const RelabelProgram> rules) {
  std::lock_guard lock(mu_);
  global_relabel_ = std::move(rules);
}

void Collector::record(const CollectOutcome& outcome) {
  std::lock_guard lock(mu_);
  health_.collected = true;
  health_.last_ok = outcome.status == CollectStatus::ok;
  ++(health_.last_ok ? health_.scrapes_ok : health_.scrapes_failed);
  health_.last_duration_seconds = outcome.duration_seconds;
  health_.last_collect_unix_ms = unix_now_ms();
  if (outcome.metrics) health_.last_samples = outcome.metrics->sample_count();
  health_.source_down = false;
  for (const auto& st : outcome.stats)
    if (st.name == PE_STAT_SOURCE_UP) health_.source_down = st.value == 0;
  if (!health_.last_ok) {
    health_.last_error = printable_reason(outcome.reason);
    health_.last_error_unix_ms = unix_now_ms();
  }
}

CollectorHealth Collector::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

pe_status Collector::handle_http(const pe_http_request& request, pe_http_response& response) {
  auto fn = library_->descriptor().handle_http;
  if (!fn) return PE_ERROR;
  {
    std::lock_guard lock(mu_);
    if (destroyed_) return PE_UNAVAILABLE;
    ++http_calls_;
  }
  pe_status st;
  {
    const PluginCallSite site = call_site("handle_http");
    PluginCallScope scope(site);
    st = fn(instance_, &request, &response);
  }
  --http_calls_;
  return st;
}

bool Collector::destroy(int64_t wait_until_ns) {
  {
    std::lock_guard lock(mu_);
    if (destroyed_) return true;
    destroyed_ = true;  // no new collects or HTTP calls from now on
  }
  for (;;) {
    bool idle;
    {
      std::lock_guard lock(mu_);
      idle = in_flight_.in_flight() == 0 && http_calls_ == 0;
    }
    if (idle) break;
    if (monotonic_now_ns() >= wait_until_ns) {
      log(LogLevel::warn, "collector still running at shutdown; not destroyed",
          {{"collector", name()}, {"plugin", plugin_name()}});
      library_->leak_on_destroy();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    const PluginCallSite site = call_site("destroy");
    PluginCallScope scope(site);
    library_->descriptor().destroy(instance_);
  }
  instance_ = nullptr;
  return true;
}

}  // namespace pe::host
