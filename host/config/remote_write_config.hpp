// remote_write_config.hpp — one [[remote_write]] section of the host
// configuration: where to send, how to authenticate, what to send and how
// often, and the queue's limits. Read strictly by read_remote_write_sections.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "plugin_exporter/exposition/relabel.hpp"
#include "config/remote_write_protocol.hpp"

namespace pe::host {

class TableView;

// The collector name that selects the host's own metrics in `collectors`.
inline constexpr const char* kSelfMetricsCollector = "plugin_exporter";

struct RemoteWriteTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // SNI and the name the certificate must carry; empty = url host
  bool insecure_skip_verify = false;
};

struct RemoteWriteConfig {
  std::string name;  // identifies the endpoint in metrics and state_dir; default from the url
  std::string url;
  std::string basic_auth_username;
  std::string basic_auth_password;  // resolved secret
  std::string bearer_token;         // resolved secret
  bool has_basic_auth = false;
  RemoteWriteTls tls;
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::chrono::nanoseconds interval = std::chrono::seconds(15);
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);
  std::chrono::nanoseconds min_backoff = std::chrono::milliseconds(30);
  std::chrono::nanoseconds max_backoff = std::chrono::seconds(5);
  std::vector<std::string> collectors;  // empty = every collector (not the self-metrics)
  std::vector<RelabelRule> write_relabel;
  std::vector<std::pair<std::string, std::string>> external_labels;
  uint32_t max_samples_per_send = 2000;
  // 2.0 falls back to 1.0 for good when the receiver answers 415 or
  // acknowledges without the 2.0 "samples written" header (a 1.0 receiver).
  RemoteWriteProtocol protocol = RemoteWriteProtocol::v1;
  uint64_t queue_capacity_bytes = 256ull << 20;
  std::string queue_dir;    // state_dir/remote_write/<name>; empty = memory queue
  std::string fingerprint;  // everything above, canonical (reload keeps unchanged senders)
  std::string path;         // "remote_write[0]"
};

// Reads every [[remote_write]] table of `top`. `collector_names` are the
// configured collectors (a selection must name one of them or
// "plugin_exporter"); `state_dir` is the host's (may be empty). Errors go to
// the document, located.
std::vector<RemoteWriteConfig> read_remote_write_sections(
    TableView top, const std::vector<std::string>& collector_names, const std::string& state_dir);

}  // namespace pe::host
