// push_api.cpp — request parsing and answers of the push collector's routes.
#include "api/push_api.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "api/status_json.hpp"
#include "body/push_body.hpp"
#include "plugin_exporter/duration.hpp"
#include "plugin_exporter/exposition/float_format.hpp"
#include "plugin_exporter/exposition/metric_names.hpp"
#include "plugin_exporter/text.hpp"
#include "store/push_error.hpp"
#include "store/url_codec.hpp"

namespace pe::push {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

Params query_params(std::string_view query) {
  Params out;
  std::string error;
  if (!parse_query(query, out, error)) throw PushError(400, error);
  return out;
}

// A Prometheus duration ("90s", "1h30m", "250ms", "0") in milliseconds, in
// the grammar of the configuration (plugin_exporter/duration.hpp).
int64_t parse_duration_ms(std::string_view s, std::string_view what) {
  auto d = parse_duration(s);
  if (!d || d->count() < 0)
    throw PushError(400, std::string(what) + ": invalid duration \"" + std::string(s) +
                             "\" (use e.g. 90s, 15m, 1h30m; units largest first)");
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d).count();
}

bool parse_bool(std::string_view v, std::string_view what) {
  if (v == "" || v == "1" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "no") return false;
  throw PushError(400,
                  std::string(what) + ": expected true or false, not \"" + std::string(v) + "\"");
}

std::optional<std::string_view> header(const HttpRequest& r, std::string_view name) {
  return r.header(name);
}

}  // namespace

PushApi::PushApi(const PushConfig& config, MetricStore& store, WriteAheadLog* wal, PushStats& stats,
                 const pe_host_api* api, HostLog log)
    : config_(config), store_(store), wal_(wal), stats_(stats), api_(api), log_(log) {}

std::vector<PushApi::RouteSpec> PushApi::routes(const std::string& p) {
  std::vector<RouteSpec> r;
  for (const char* m : {"PUT", "POST", "DELETE"}) {
    r.push_back({m, p + "/metrics/job", "push"});
    r.push_back({m, p + "/metrics/job@base64", "push"});
  }
  r.push_back({"PATCH", p + "/metrics", "push"});
  r.push_back({"POST", p + "/metrics", "push"});
  r.push_back({"DELETE", p + "/metrics", "push"});
  r.push_back({"DELETE", p + "/metrics/__all", "admin"});
  r.push_back({"DELETE", p + "/api/v1/groups", "push"});
  r.push_back({"DELETE", p + "/api/v1/metrics", "push"});
  r.push_back({"PUT", p + "/api/v1/admin/wipe", "admin"});
  r.push_back({"DELETE", p + "/api/v1/admin/wipe", "admin"});
  r.push_back({"GET", p + "/api/v1/metrics", "scrape"});
  r.push_back({"GET", p + "/api/v1/status", "scrape"});
  return r;
}

void PushApi::wait_durable(uint64_t ticket) {
  if (!wal_ || ticket == 0) return;
  std::string error;
  if (!wal_->wait_durable(ticket, config_.durable_wait_timeout, error))
    throw PushError(503, "the change is applied in memory but could not be persisted: " + error);
}

void PushApi::handle(const HttpRequest& req, HttpResponse& resp) {
  std::string_view path = req.path.substr(std::min(req.path.size(), config_.path_prefix.size()));
  const std::string_view method = req.method;
  Operation op = Operation::put;
  try {
    if (path.starts_with("/metrics/job") &&
        (method == "PUT" || method == "POST" || method == "DELETE")) {
      op = method == "PUT"    ? Operation::put
           : method == "POST" ? Operation::post
                              : Operation::delete_group;
      push(req, path.substr(std::strlen("/metrics")), resp);
    } else if (method == "PATCH" && path.starts_with("/metrics/")) {
      op = Operation::patch;
      patch(req, path.substr(std::strlen("/metrics/")), resp);
    } else if (method == "POST" && path == "/metrics") {
      op = Operation::post_default;
      post_default_group(req, resp);
    } else if (method == "DELETE" && path == "/metrics/__all") {
      op = Operation::wipe;
      wipe(resp);
    } else if (method == "DELETE" && path.starts_with("/metrics/")) {
      op = Operation::delete_series;
      delete_series(req, path.substr(std::strlen("/metrics/")), resp);
    } else if (method == "DELETE" && path == "/api/v1/groups") {
      op = Operation::delete_groups;
      delete_groups(req, resp);
    } else if (method == "DELETE" && path.starts_with("/api/v1/metrics/")) {
      op = Operation::delete_metric;
      delete_metric(req, path.substr(std::strlen("/api/v1/metrics/")), resp);
    } else if ((method == "PUT" || method == "DELETE") && path == "/api/v1/admin/wipe") {
      op = Operation::wipe;
      wipe(resp);
    } else if ((method == "GET" || method == "HEAD") && path == "/api/v1/metrics") {
      resp.status(200);
      resp.header("Content-Type", "application/json");
      resp.write(groups_json(store_.snapshot(now_ms())));
      return;
    } else if ((method == "GET" || method == "HEAD") && path == "/api/v1/status") {
      status(resp);
      return;
    } else {
      resp.status(404);
      resp.write("not found: " + std::string(method) + " " + std::string(req.path) + "\n");
      return;
    }
    stats_.count(op, 200);
  } catch (const PushError& e) {
    stats_.count(op, e.status());
    if (!e.limit().empty()) stats_.count_limit(e.limit());
    if (log_.enabled(PE_LOG_DEBUG))
      log_.debug(std::string(method) + " " + std::string(req.path) + " refused " +
                 std::to_string(e.status()) + ": " + e.what());
    resp.status(e.status());
    resp.header("Content-Type", "text/plain; charset=utf-8");
    if (e.status() == 429) resp.header("Retry-After", "60");
    resp.write(std::string(e.what()) + "\n");
  }
}

void PushApi::push(const HttpRequest& req, std::string_view rest, HttpResponse& resp) {
  GroupingKey key;
  std::string error;
  if (!decode_grouping_path(rest, key, error)) throw PushError(400, error);
  const int64_t now = now_ms();
  if (req.method == "DELETE") {
    uint64_t ticket = 0;
    store_.remove_group(key, now, ticket);
    wait_durable(ticket);
    resp.status(202);
    return;
  }
  PushCommand cmd;
  cmd.key = std::move(key);
  cmd.replace = req.method == "PUT";
  cmd.now_ms = now;
  cmd.ttl_ms = config_.default_ttl_ms;
  const JobRule* rule = config_.rule_for(cmd.key.job());
  if (rule) {
    if (rule->aggregate) cmd.group_aggregates = *rule->aggregate;
    if (rule->ttl_ms) cmd.ttl_ms = *rule->ttl_ms;
  }
  for (const auto& [k, v] : query_params(req.query)) {
    if (k == "aggregate")
      cmd.add = parse_bool(v, "query parameter aggregate");
    else if (k == "pusher")
      cmd.pusher = v;
    else if (k == "ttl")
      cmd.ttl_ms = parse_duration_ms(v, "query parameter ttl");
    else
      throw PushError(400, "unknown query parameter \"" + k + "\" (known: aggregate, pusher, ttl)");
  }
  if (!cmd.pusher.empty()) cmd.add = true;
  decode_body(req, cmd);
  uint64_t ticket = store_.push(cmd);
  wait_durable(ticket);
  resp.status(200);
}

void PushApi::post_default_group(const HttpRequest& req, HttpResponse& resp) {
  if (!req.query.empty())
    throw PushError(400, "POST /metrics takes no query parameters (the group is {job=\"" +
                             config_.post_job + "\"}; pushgateway's routes take the others)");
  PushCommand cmd;
  cmd.key.labels.emplace_back("job", config_.post_job);
  cmd.key.seal();
  cmd.add = true;
  cmd.group_aggregates = true;
  cmd.now_ms = now_ms();
  cmd.ttl_ms = config_.default_ttl_ms;
  if (const JobRule* rule = config_.rule_for(config_.post_job); rule && rule->ttl_ms)
    cmd.ttl_ms = *rule->ttl_ms;
  decode_body(req, cmd);
  uint64_t ticket = store_.push(cmd);
  wait_durable(ticket);
  resp.status(200);
}

void PushApi::decode_body(const HttpRequest& req, PushCommand& cmd) const {
  BodyLimits limits;
  limits.rules.allow_timestamps = config_.allow_timestamps;
  limits.rules.max_series_per_push = config_.max_series_per_push;
  limits.rules.max_families_per_push = config_.max_families_per_push;
  limits.rules.max_labels_per_series = config_.max_labels_per_series;
  limits.rules.max_label_name_bytes = config_.max_label_name_bytes;
  limits.rules.max_label_value_bytes = config_.max_label_value_bytes;
  limits.max_decompressed_bytes = config_.max_decompressed_bytes;
  decode_push_body(req.body, header(req, "content-type").value_or(""),
                   header(req, "content-encoding").value_or(""), cmd.key, limits, cmd.body);
}

void PushApi::patch(const HttpRequest& req, std::string_view rest, HttpResponse& resp) {
  auto decoded = percent_decode(rest);
  if (!decoded || decoded->empty() || decoded->find('/') != std::string::npos)
    throw PushError(400,
                    "PATCH expects /metrics/<metric>?<label>=<value>&value=<n>, not /metrics/" +
                        std::string(rest));
  std::string name = *decoded;
  if (!name.ends_with("_total")) name += "_total";
  double value = 1;
  std::string job = config_.patch_job;
  int64_t ttl = config_.default_ttl_ms;
  bool ttl_given = false;
  Params labels;
  for (auto& [k, v] : query_params(req.query)) {
    if (k == "value") {
      if (!parse_double(v, value) || !std::isfinite(value) || value < 0)
        throw PushError(
            400, "value must be a finite number >= 0 (a counter only goes up), not \"" + v + "\"");
    } else if (k == "job") {
      if (v.empty()) throw PushError(400, "job must not be empty");
      job = v;
    } else if (k == "ttl") {
      ttl = parse_duration_ms(v, "query parameter ttl");
      ttl_given = true;
    } else {
      labels.emplace_back(std::move(k), std::move(v));
    }
  }
  PushCommand cmd;
  cmd.key.labels.emplace_back("job", job);
  cmd.key.seal();
  cmd.add = true;
  cmd.now_ms = now_ms();
  cmd.ttl_ms = ttl;
  const JobRule* rule = config_.rule_for(job);
  if (rule) {
    if (rule->aggregate) cmd.group_aggregates = *rule->aggregate;
    if (rule->ttl_ms && !ttl_given) cmd.ttl_ms = *rule->ttl_ms;
  }
  AssemblyRules rules;
  rules.max_labels_per_series = config_.max_labels_per_series;
  rules.max_label_name_bytes = config_.max_label_name_bytes;
  rules.max_label_value_bytes = config_.max_label_value_bytes;
  FamilyAssembler assembler(cmd.key, rules, cmd.body);
  std::vector<LabelPairView> views;
  for (const auto& [k, v] : labels) {
    if (k == "job") continue;
    views.push_back(LabelPairView{k, v});
  }
  assembler.family(name, MetricType::counter, "", false, "", "");
  assembler.series(name, views, value, false, 0, "");
  assembler.finish();
  uint64_t hash = 0;
  if (!cmd.body.families.empty()) hash = cmd.body.families[0]->series()[0].hash;
  uint64_t ticket = store_.push(cmd);
  wait_durable(ticket);
  double now_value = store_.value_of(cmd.key, name, hash);
  char buf[kMaxNumberChars];
  char* end = format_double(buf, now_value);
  resp.status(200);
  resp.header("Content-Type", "text/plain; charset=utf-8");
  std::string body = name + "{job=\"" + job + "\"";
  for (const auto& v : views)
    body += "," + std::string(v.name) + "=\"" + std::string(v.value) + "\"";
  resp.write(body + "} " + std::string(buf, end) + "\n");
}

void PushApi::delete_groups(const HttpRequest& req, HttpResponse& resp) {
  Params subset = query_params(req.query);
  if (subset.empty())
    throw PushError(400,
                    "give the grouping labels to match as query parameters, e.g. ?job=backup "
                    "(everything at once is PUT /api/v1/admin/wipe)");
  for (const auto& [k, v] : subset)
    if (!is_valid_label_name(k)) throw PushError(400, "improper label name \"" + k + "\"");
  uint64_t ticket = 0;
  auto removed = store_.remove_matching(subset, {}, now_ms(), ticket);
  wait_durable(ticket);
  resp.status(202);
  resp.write("deleted " + std::to_string(removed.groups) + " groups\n");
}

void PushApi::delete_metric(const HttpRequest& req, std::string_view rest, HttpResponse& resp) {
  auto name = percent_decode(rest);
  if (!name || !is_valid_metric_name(*name))
    throw PushError(400, "DELETE expects /api/v1/metrics/<metric name>[?<label>=<value>...]");
  Params subset = query_params(req.query);
  uint64_t ticket = 0;
  auto removed = store_.remove_matching(subset, *name, now_ms(), ticket);
  wait_durable(ticket);
  resp.status(202);
  resp.write("deleted " + *name + " from " + std::to_string(removed.families) + " groups\n");
}

void PushApi::delete_series(const HttpRequest& req, std::string_view rest, HttpResponse& resp) {
  auto name = percent_decode(rest);
  if (!name || !is_valid_metric_name(*name))
    throw PushError(400,
                    "DELETE expects /metrics/<metric name>[?<label>=<value>...], not /metrics/" +
                        std::string(rest));
  Params subset = query_params(req.query);
  for (const auto& [k, v] : subset)
    if (!is_valid_label_name(k)) throw PushError(400, "improper label name \"" + k + "\"");
  uint64_t ticket = 0;
  auto removed = store_.remove_series(*name, subset, ticket);
  wait_durable(ticket);
  resp.status(202);
  resp.write("deleted " + std::to_string(removed.series) + " series of " + *name + " from " +
             std::to_string(removed.groups) + " groups\n");
}

void PushApi::wipe(HttpResponse& resp) {
  uint64_t ticket = 0;
  std::size_t n = store_.wipe(ticket);
  wait_durable(ticket);
  resp.status(202);
  resp.write("deleted " + std::to_string(n) + " groups\n");
}

// Counts since start (requests by result, limit hits, TTL expiries) and the
// groups pushed to most recently — the newest few, never every group's series.
std::string PushApi::activity_json() const {
  std::string out = "\"requests\":{";
  for (std::size_t r = 0; r < kResultNames.size(); ++r) {
    uint64_t n = 0;
    for (const auto& op : stats_.requests) n += op[r].load(std::memory_order_relaxed);
    out += (r ? ",\"" : "\"") + std::string(kResultNames[r]) + "\":" + std::to_string(n);
  }
  out += "},\"limit_hits\":{";
  for (std::size_t i = 0; i < kLimitNames.size(); ++i)
    out += (i ? ",\"" : "\"") + std::string(kLimitNames[i]) +
           "\":" + std::to_string(stats_.limit_hits[i].load(std::memory_order_relaxed));
  out += "},\"expired_groups\":" + std::to_string(store_.expired_total());
  constexpr std::size_t kRecent = 10;
  std::vector<GroupPtr> groups = store_.snapshot(now_ms());
  auto newer = [](const GroupPtr& a, const GroupPtr& b) {
    return a->push_time_ms > b->push_time_ms;
  };
  std::size_t n = std::min(kRecent, groups.size());
  std::partial_sort(groups.begin(), groups.begin() + static_cast<std::ptrdiff_t>(n), groups.end(),
                    newer);
  out += ",\"recent_pushes\":[";
  for (std::size_t i = 0; i < n; ++i) {
    const GroupState& g = *groups[i];
    out += i ? ",{\"labels\":{" : "{\"labels\":{";
    for (std::size_t k = 0; k < g.key->labels.size(); ++k)
      out += (k ? "," : "") + json_quoted(g.key->labels[k].first) + ":" +
             json_quoted(g.key->labels[k].second);
    out += "},\"push_time_unix_ms\":" + std::to_string(g.push_time_ms) +
           ",\"series\":" + std::to_string(g.series) + "}";
  }
  return out + "]";
}

void PushApi::status(HttpResponse& resp) {
  auto t = store_.totals();
  const std::string wal_failure = wal_ ? wal_->failure() : std::string();
  std::string durability = config_.durability == Durability::fsync   ? "fsync"
                           : config_.durability == Durability::write ? "write"
                                                                     : "none";
  std::string out =
      "{\"status\":\"success\",\"data\":{\"groups\":" + std::to_string(t.groups) +
      ",\"series\":" + std::to_string(t.series) + ",\"families\":" + std::to_string(t.families) +
      ",\"durability\":" + json_quoted(durability) +
      ",\"durable\":" + (wal_ && !wal_failure.empty() ? "false" : "true") +
      ",\"last_error\":" + json_quoted(wal_failure) +
      ",\"state_dir\":" + json_quoted(config_.state_dir) +
      ",\"path_prefix\":" + json_quoted(config_.path_prefix) +
      ",\"limits\":{\"max_body_bytes\":" + std::to_string(config_.max_body_bytes) +
      ",\"max_decompressed_bytes\":" + std::to_string(config_.max_decompressed_bytes) +
      ",\"max_series_per_push\":" + std::to_string(config_.max_series_per_push) +
      ",\"max_series_per_group\":" + std::to_string(config_.store.max_series_per_group) +
      ",\"max_series_total\":" + std::to_string(config_.store.max_series_total) +
      ",\"max_groups\":" + std::to_string(config_.store.max_groups) +
      ",\"max_families_per_push\":" + std::to_string(config_.max_families_per_push) +
      ",\"max_labels_per_series\":" + std::to_string(config_.max_labels_per_series) +
      ",\"max_label_name_bytes\":" + std::to_string(config_.max_label_name_bytes) +
      ",\"max_label_value_bytes\":" + std::to_string(config_.max_label_value_bytes) + "}," +
      activity_json() + "}}";
  resp.status(200);
  resp.header("Content-Type", "application/json");
  resp.write(out);
}

}  // namespace pe::push
