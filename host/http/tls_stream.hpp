// tls_stream.hpp — the server side of a TLS connection: an Asio AsyncStream
// over OpenSSL's SSL and a beast::tcp_stream (whose timeouts apply to every
// wait on the socket). Unlike asio::ssl::stream it holds no fixed record
// buffers: ciphertext lives in buffers sized to what is in flight, reused
// while the connection is busy and freed when it waits for its peer (freed
// after every write they cost 5-8% more CPU per 190 KB TLS scrape than
// asio::ssl::stream; reused, 5% less), an idle connection waits for readability with a
// one-byte read, and OpenSSL releases its record buffers when idle
// (SSL_MODE_RELEASE_BUFFERS). Only the buffering glue is ours; TLS is
// OpenSSL's. Included by http_server.cpp only.
#pragma once

#include <algorithm>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

struct ssl_st;
struct ssl_ctx_st;

namespace pe::host {

namespace tls_detail {

// What an OpenSSL call asks for next: nothing (done, with ec and bytes), or
// more ciphertext from the socket.
enum class Want { done, input };

struct Step {
  Want want = Want::done;
  boost::system::error_code ec;
  std::size_t bytes = 0;
};

// The state of one connection: the SSL object, its ciphertext buffers and
// the socket. Not thread-safe: it is driven from the connection's strand,
// with at most one read and one write operation pending (Asio's rule for a
// stream); a second operation that needs the socket direction another one
// holds waits for it.
class Core {
 public:
  Core(boost::beast::tcp_stream&& next, ssl_ctx_st* context);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // One OpenSSL call each; ciphertext it produces is left in the output.
  Step handshake();
  Step read(void* data, std::size_t size);
  Step write(const void* data, std::size_t size);
  Step shutdown();

  bool has_output() const noexcept { return !out_.empty(); }
  bool writing() const noexcept { return writing_; }
  bool reading() const noexcept { return reading_; }

  // Starts sending the output (the handler gets error_code, bytes).
  template <class Handler>
  void start_write(Handler&& handler);
  void end_write();

  // Reads what the socket holds now without waiting: no error, would_block,
  // or the socket's error (eof mapped for this operation).
  boost::system::error_code receive_now(bool eof_is_truncation);
  // Waits for the socket's next byte, within the tcp_stream's timeout.
  template <class Handler>
  void start_read(Handler&& handler);
  boost::system::error_code end_read(boost::system::error_code ec, bool eof_is_truncation);

  // Waits until another operation's socket read or write ends.
  template <class Handler>
  void wait(Handler&& handler) {
    wake_.async_wait(std::forward<Handler>(handler));
  }

  boost::beast::tcp_stream& next() noexcept { return next_; }
  ssl_st* ssl() const noexcept { return ssl_; }

 private:
  friend struct BioGlue;
  Step result(int ret, std::size_t bytes);
  void release_idle_buffers();
  void release_input();

  boost::beast::tcp_stream next_;
  ssl_st* ssl_ = nullptr;
  boost::asio::steady_timer wake_;
  std::unique_ptr<unsigned char[]> in_;  // ciphertext received, not yet read by OpenSSL
  std::size_t in_size_ = 0, in_pos_ = 0;
  std::vector<unsigned char> out_;      // ciphertext OpenSSL wrote, not yet being sent
  std::vector<unsigned char> sending_;  // ciphertext being sent
  unsigned char first_byte_ = 0;        // the target of the one-byte read
  bool reading_ = false, writing_ = false;
};

template <class Handler>
void Core::start_write(Handler&& handler) {
  writing_ = true;
  sending_.swap(out_);
  boost::asio::async_write(next_, boost::asio::buffer(sending_), std::forward<Handler>(handler));
}

template <class Handler>
void Core::start_read(Handler&& handler) {
  release_idle_buffers();  // nothing to decrypt until the byte arrives
  reading_ = true;
  next_.async_read_some(boost::asio::buffer(&first_byte_, 1), std::forward<Handler>(handler));
}

// One operation: calls the engine (an OpenSSL call), sends what it wrote,
// feeds it what it asks for, repeats until it is done.
template <class Engine>
class Operation {
 public:
  Operation(Core& core, Engine engine) : core_(core), engine_(std::move(engine)) {}

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}, std::size_t = 0) {
    switch (state_) {
      case State::start:
        state_ = State::running;
        return run(self);
      case State::sending:
        core_.end_write();
        if (ec && !step_.ec) step_ = {Want::done, ec, 0};
        state_ = State::running;
        if (step_.want == Want::done) return finish(self);
        return run(self);
      case State::receiving:
        state_ = State::running;
        ec = core_.end_read(ec, Engine::eof_is_truncation);
        if (ec) {
          step_ = {Want::done, ec, 0};
          return finish(self);
        }
        return run(self);
      case State::waiting:
        state_ = State::running;
        if (step_.want == Want::done) {
          if (advance(self)) run(self);
          return;
        }
        return run(self);
      case State::running:  // a posted completion
        return complete(self);
    }
  }

 private:
  enum class State { start, running, sending, receiving, waiting };

  template <class Self>
  void run(Self& self) {
    do step_ = engine_(core_);
    while (advance(self));
  }

  // Acts on the last step; true when the engine should run again now.
  template <class Self>
  bool advance(Self& self) {
    if (core_.has_output()) {
      waited_ = true;
      state_ = core_.writing() ? State::waiting : State::sending;
      if (core_.writing())
        core_.wait(std::move(self));
      else
        core_.start_write(std::move(self));
      return false;
    }
    if (step_.want == Want::done) {
      finish(self);
      return false;
    }
    if (core_.reading()) {
      waited_ = true;
      state_ = State::waiting;
      core_.wait(std::move(self));
      return false;
    }
    boost::system::error_code ec = core_.receive_now(Engine::eof_is_truncation);
    if (!ec) return true;
    if (ec == boost::asio::error::would_block) {
      waited_ = true;
      state_ = State::receiving;
      core_.start_read(std::move(self));
      return false;
    }
    step_ = {Want::done, ec, 0};
    finish(self);
    return false;
  }

  // Completes; through the executor if nothing has waited yet, as the
  // handler must not run inside the call that started the operation.
  template <class Self>
  void finish(Self& self) {
    state_ = State::running;
    if (!waited_) return boost::asio::post(std::move(self));
    complete(self);
  }

  template <class Self>
  void complete(Self& self) {
    if constexpr (Engine::with_bytes)
      self.complete(step_.ec, step_.bytes);
    else
      self.complete(step_.ec);
  }

  Core& core_;
  Engine engine_;
  Step step_;
  State state_ = State::start;
  bool waited_ = false;  // an asynchronous step has run
};

struct HandshakeEngine {
  static constexpr bool with_bytes = false, eof_is_truncation = true;
  Step operator()(Core& c) const { return c.handshake(); }
};

struct ShutdownEngine {
  static constexpr bool with_bytes = false, eof_is_truncation = false;
  Step operator()(Core& c) const { return c.shutdown(); }
};

template <class MutableBufferSequence>
struct ReadEngine {
  static constexpr bool with_bytes = true, eof_is_truncation = true;
  MutableBufferSequence buffers;
  Step operator()(Core& c) const {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return c.read(b.data(), b.size());
    }
    return {};
  }
};

// Encrypts up to four records' worth (64 KiB) of the buffers per operation:
// the ciphertext held while a write is in flight stays that size (and is
// freed when sent), and a large response takes a quarter of the socket
// writes and completions one record per operation would.
template <class ConstBufferSequence>
struct WriteEngine {
  static constexpr bool with_bytes = true, eof_is_truncation = true;
  static constexpr std::size_t kMaxPlaintext = 4 * 16384;
  ConstBufferSequence buffers;
  Step operator()(Core& c) const {
    std::size_t total = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && total < kMaxPlaintext; ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      Step s = c.write(b.data(), std::min(b.size(), kMaxPlaintext - total));
      if (s.want != Want::done || s.ec) return total > 0 ? Step{Want::done, {}, total} : s;
      total += s.bytes;
    }
    return {Want::done, {}, total};
  }
};

}  // namespace tls_detail

// The stream. Movable (its state lives on the heap) while no operation is
// pending. Not thread-safe: see tls_detail::Core.
class TlsStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using next_layer_type = boost::beast::tcp_stream;

  // A server-side connection over `next` with a new SSL from `context`.
  TlsStream(boost::beast::tcp_stream&& next, ssl_ctx_st* context)
      : core_(std::make_unique<tls_detail::Core>(std::move(next), context)) {}

  executor_type get_executor() noexcept { return core_->next().get_executor(); }
  next_layer_type& next_layer() noexcept { return core_->next(); }
  const next_layer_type& next_layer() const noexcept { return core_->next(); }
  ssl_st* native_handle() const noexcept { return core_->ssl(); }

  template <class Token>
  auto async_handshake(Token&& token) {
    return start<void(boost::system::error_code)>(tls_detail::HandshakeEngine{},
                                                  std::forward<Token>(token));
  }
  template <class Token>
  auto async_shutdown(Token&& token) {
    return start<void(boost::system::error_code)>(tls_detail::ShutdownEngine{},
                                                  std::forward<Token>(token));
  }
  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return start<void(boost::system::error_code, std::size_t)>(
        tls_detail::ReadEngine<MutableBufferSequence>{buffers}, std::forward<Token>(token));
  }
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return start<void(boost::system::error_code, std::size_t)>(
        tls_detail::WriteEngine<ConstBufferSequence>{buffers}, std::forward<Token>(token));
  }

 private:
  template <class Signature, class Engine, class Token>
  auto start(Engine engine, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        tls_detail::Operation<Engine>(*core_, std::move(engine)), token, core_->next());
  }

  std::unique_ptr<tls_detail::Core> core_;
};

namespace tls_detail {

// Beast's WebSocket teardown: close_notify, then the TCP teardown.
class Teardown {
 public:
  Teardown(boost::beast::role_type role, TlsStream& stream) : role_(role), stream_(stream) {}

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}) {
    switch (step_++) {
      case 0:
        return stream_.async_shutdown(std::move(self));
      case 1: {
        first_ = ec;
        using boost::beast::websocket::async_teardown;
        return async_teardown(role_, stream_.next_layer(), std::move(self));
      }
      default:
        self.complete(first_ ? first_ : ec);
    }
  }

 private:
  boost::beast::role_type role_;
  TlsStream& stream_;
  int step_ = 0;
  boost::system::error_code first_;
};

}  // namespace tls_detail

// Found by argument-dependent lookup from beast::websocket::stream.
template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, TlsStream& stream, TeardownHandler&& handler) {
  boost::asio::async_compose<std::decay_t<TeardownHandler>, void(boost::system::error_code)>(
      tls_detail::Teardown(role, stream), handler, stream.next_layer());
}

}  // namespace pe::host
