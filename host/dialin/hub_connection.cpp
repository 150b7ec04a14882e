// hub_connection.cpp — hello, registration and scrape multiplexing of one
// agent connection on the hub.
#include "dialin/hub_connection.hpp"

#include <cmath>

#include "base/logging.hpp"

namespace pe::host::dialin {

ScrapeReply hub_reply(uint64_t id, int status, const std::string& text) {
  ScrapeReply r;
  r.id = id;
  r.status = status;
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  r.body = text + "\n";
  return r;
}

HubConnection::HubConnection(HubCore& core, std::weak_ptr<WebSocketChannel> channel,
                             std::string peer, std::vector<std::string> peer_sans)
    : core_(core),
      channel_(std::move(channel)),
      peer_(std::move(peer)),
      peer_sans_(std::move(peer_sans)),
      hello_timer_(core.clock) {
  limits_.max_message_bytes = core.config.max_message_bytes;
}

void HubConnection::start() {
  core_.metrics.connection_opened();
  hello_timer_.expires_after(core_.config.hello_timeout);
  hello_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    if (self->registered_ || self->refused_) return;
    if (auto ch = self->channel_.lock()) {
      self->core_.metrics.refused(Refusal::hello_timeout);
      log(LogLevel::warn, "agent refused", {{"reason", "hello_timeout"}, {"peer", self->peer_}});
      ch->close(1008, "no hello in time");
    }
  });
}

void HubConnection::send(const Frame& frame) {
  EncodedFrame e = encode_frame(frame);
  if (auto ch = channel_.lock()) ch->send(std::move(e.bytes), e.binary);
}

void HubConnection::refuse(Refusal reason, int code, const std::string& message) {
  refused_ = true;
  core_.metrics.refused(reason);
  log(LogLevel::warn, "agent refused",
      {{"reason", refusal_name(reason)},
       {"code", std::to_string(code)},
       {"peer", peer_},
       {"message", message}});
  send(Refused{code, std::string(refusal_name(reason)), message});
  if (auto ch = channel_.lock()) ch->close(1008, std::string(refusal_name(reason)));
}

const DialinToken* HubConnection::identify(const Hello& hello, const AgentTokens& tokens) {
  // A token, when sent, decides alone; without one the certificate does.
  if (!hello.token.empty()) {
    const DialinToken* token = tokens.verify(hello.token);
    if (!token) refuse(Refusal::bad_token, 401, "invalid token");
    return token;
  }
  const DialinToken* client = tokens.verify_certificate(peer_sans_);
  if (client) return client;
  std::string names;
  for (const std::string& san : peer_sans_) names += (names.empty() ? "" : ", ") + san;
  refuse(Refusal::bad_certificate, 401,
         peer_sans_.empty()
             ? "no token, and no client certificate that the hub's listener verified"
             : "no token, and no [[dialin.client]] names a SAN of the client certificate (" +
                   names + ")");
  return nullptr;
}

void HubConnection::on_hello(const std::string& message, bool binary) {
  std::string error;
  auto frame = decode_frame(message, binary, error, limits_);
  const Hello* hello = frame ? std::get_if<Hello>(&*frame) : nullptr;
  if (!hello)
    return refuse(Refusal::bad_hello, 400, frame ? "the first frame must be a hello" : error);
  if (hello->version != kProtocolVersion)
    return refuse(Refusal::bad_hello, 400,
                  "protocol version " + std::to_string(hello->version) + " is not supported (1)");
  const auto tokens = core_.tokens();  // kept while `token` is used
  const DialinToken* token = identify(*hello, *tokens);
  if (!token) return;
  if (!token_allows_alias(*token, hello->alias))
    return refuse(Refusal::alias_not_allowed, 403,
                  token->id + " may not claim alias " + hello->alias);
  alias_ = hello->alias;  // before the registry publishes this link to scrapes
  auto result = core_.registry.claim(*hello, token->id, peer_, shared_from_this(),
                                     AgentRegistry::Clock::now());
  if (result == AgentRegistry::ClaimResult::alias_taken)
    return refuse(Refusal::alias_taken, 409,
                  "alias " + hello->alias + " is bound to another token or client certificate");
  if (result == AgentRegistry::ClaimResult::too_many_agents)
    return refuse(Refusal::too_many_agents, 503, "the hub's max_agents is reached");
  registered_ = true;
  hello_timer_.cancel();
  core_.metrics.registered();
  log(LogLevel::info, "agent registered",
      {{"alias", alias_},
       {"token", token->id},
       {"hostname", hello->hostname},
       {"service", hello->service},
       {"peer", peer_}});
  send(Accepted{alias_});
}

void HubConnection::on_message(std::string message, bool binary) {
  if (refused_) return;
  if (!registered_) return on_hello(message, binary);
  std::string error;
  auto frame = decode_frame(message, binary, error, limits_);
  ScrapeReply* reply = frame ? std::get_if<ScrapeReply>(&*frame) : nullptr;
  if (!reply) {
    log(LogLevel::warn, "agent sent an invalid frame; closing its connection",
        {{"alias", alias_}, {"peer", peer_}, {"error", frame ? "not a response" : error}});
    if (auto ch = channel_.lock()) ch->close(1008, "invalid frame");
    return;
  }
  complete(reply->id, std::move(*reply));
}

void HubConnection::complete(uint64_t id, ScrapeReply reply) {
  std::function<void(ScrapeReply)> done;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // late (timed out) or never asked
    done = std::move(it->second.done);
    if (it->second.timer) it->second.timer->cancel();
    pending_.erase(it);
  }
  done(std::move(reply));
}

void HubConnection::on_close() {
  hello_timer_.cancel();
  core_.metrics.connection_closed();
  std::map<uint64_t, Pending> failed;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    failed.swap(pending_);
  }
  if (registered_) {
    core_.registry.disconnected(alias_, this, AgentRegistry::Clock::now());
    log(LogLevel::info, "agent disconnected", {{"alias", alias_}, {"peer", peer_}});
  }
  for (auto& [id, p] : failed) {
    if (p.timer) p.timer->cancel();
    p.done(hub_reply(id, 503, "agent " + alias_ + " disconnected"));
  }
}

void HubConnection::replaced() {
  log(LogLevel::info, "agent connected again; closing its previous connection",
      {{"alias", alias_}, {"peer", peer_}});
  if (auto ch = channel_.lock()) ch->close(1000, "replaced");
}

void HubConnection::revoked() {
  log(LogLevel::warn,
      "agent's token was removed or no longer allows its alias; closing its connection",
      {{"alias", alias_}, {"peer", peer_}});
  if (auto ch = channel_.lock()) ch->close(1008, "token_revoked");
}

void HubConnection::scrape(ScrapeRequest request, std::function<void(ScrapeReply)> done) {
  const double wait_s = request.timeout_s;
  // The agent gets a little less than the hub waits, for the trip back.
  request.timeout_s = std::max(0.001, wait_s - std::min(0.5, wait_s * 0.1));
  std::unique_lock lock(mu_);
  if (closed_) {
    lock.unlock();
    return done(hub_reply(0, 503, "agent " + alias_ + " disconnected"));
  }
  if (pending_.size() >= core_.config.max_in_flight) {
    lock.unlock();
    return done(hub_reply(0, 503,
                          "agent " + alias_ + " has " + std::to_string(core_.config.max_in_flight) +
                              " scrapes in flight (max_in_flight)"));
  }
  const uint64_t id = next_id_++;
  request.id = id;
  Pending& p = pending_[id];
  p.done = std::move(done);
  p.timer = std::make_unique<boost::asio::steady_timer>(core_.clock);
  p.timer->expires_after(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(wait_s)));
  p.timer->async_wait([weak = weak_from_this(), id, wait_s](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock())
      self->complete(id, hub_reply(id, 504,
                                   "agent " + self->alias_ + " did not answer within " +
                                       std::to_string(wait_s) + " s"));
  });
  lock.unlock();
  send(request);
}

}  // namespace pe::host::dialin
