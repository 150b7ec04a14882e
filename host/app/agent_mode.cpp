// agent_mode.cpp — the [agent] section's client across reloads.
#include "app/agent_mode.hpp"

namespace pe::host {

AgentMode::AgentMode(dialin::AgentClient::Producer producer, SelfMetrics& metrics,
                     StatusBoard& board)
    : producer_(std::move(producer)), metrics_(metrics), board_(board) {}

AgentMode::~AgentMode() {
  stop();
  std::lock_guard lock(mu_);
  show(false);
}

void AgentMode::apply(const std::optional<AgentConfig>& config) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  if (!client_) {
    if (!config) return;
    client_ = std::make_unique<dialin::AgentClient>(*config, producer_);
    client_->start();
  } else {
    client_->reconfigure(config ? *config : AgentConfig{});
  }
  show(config.has_value());
}

void AgentMode::show(bool on) {
  if (on == shown_) return;
  shown_ = on;
  dialin::AgentClient* a = on ? client_.get() : nullptr;
  board_.set_hubs(a ? HubLinkStatusSource([a] { return a->hub_status(); }) : nullptr);
  metrics_.set_extra_exporter(
      "agent",
      a ? std::function<void(MetricSet&)>([a](MetricSet& set) { a->export_to(set); }) : nullptr);
}

void AgentMode::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  if (client_) client_->stop();
}

}  // namespace pe::host
