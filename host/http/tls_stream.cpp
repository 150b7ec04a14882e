// tls_stream.cpp — the OpenSSL side of TlsStream: the SSL object, a BIO
// whose reads and writes go to the connection's own ciphertext buffers, and
// the mapping of OpenSSL's results to what an operation does next.
#include "http/tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>
#include <climits>
#include <cstring>
#include <new>

namespace pe::host::tls_detail {

namespace {

// Enough for one whole TLS record (16 KiB of plaintext plus its overhead).
constexpr std::size_t kReceiveBytes = 16384 + 2048;
// The most a record adds to its plaintext: header, MAC or tag, padding (TLS 1.2's CBC suites).
constexpr std::size_t kRecordOverhead = 5 + 64 + 256;

}  // namespace

// The BIO between OpenSSL and a Core: reads take the received ciphertext,
// writes append to the output. Its method table is built once (thread-safe
// static initialisation) and shared by every connection.
struct BioGlue {
  static Core& core(BIO* bio) { return *static_cast<Core*>(BIO_get_data(bio)); }

  static int read(BIO* bio, char* data, int size) {
    BIO_clear_retry_flags(bio);
    Core& c = core(bio);
    std::size_t available = c.in_size_ - c.in_pos_;
    if (available == 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    std::size_t n = std::min(available, static_cast<std::size_t>(size));
    std::memcpy(data, c.in_.get() + c.in_pos_, n);
    c.in_pos_ += n;  // the buffer is kept for the next receive until the connection waits
    return static_cast<int>(n);
  }

  static int write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    auto& out = core(bio).out_;
    const auto* bytes = reinterpret_cast<const unsigned char*>(data);  // one memmove
    out.insert(out.end(), bytes, bytes + size);
    return size;
  }

  static long control(BIO* bio, int command, long, void*) {
    switch (command) {
      case BIO_CTRL_FLUSH:
        return 1;
      case BIO_CTRL_PENDING:
        return static_cast<long>(core(bio).in_size_ - core(bio).in_pos_);
      case BIO_CTRL_WPENDING:
        return static_cast<long>(core(bio).out_.size());
      default:
        return 0;
    }
  }

  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  static BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
      BIO_METHOD* made =
          BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "plugin_exporter TLS");
      if (!made) throw std::bad_alloc();
      BIO_meth_set_read(made, &BioGlue::read);
      BIO_meth_set_write(made, &BioGlue::write);
      BIO_meth_set_ctrl(made, &BioGlue::control);
      BIO_meth_set_create(made, &BioGlue::create);
      return made;
    }();
    return m;
  }
};

Core::Core(boost::beast::tcp_stream&& next, ssl_ctx_st* context)
    : next_(std::move(next)), wake_(next_.get_executor()) {
  wake_.expires_at(boost::asio::steady_timer::time_point::max());
  boost::system::error_code ignored;
  next_.socket().non_blocking(true, ignored);  // for receive_now
  ssl_ = SSL_new(context);
  BIO* bio = ssl_ ? BIO_new(BioGlue::method()) : nullptr;
  if (!bio) {
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one reference, owned by the SSL
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_accept_state(ssl_);
}

Core::~Core() {
  SSL_free(ssl_);
}

Step Core::handshake() {
  ERR_clear_error();
  return result(SSL_do_handshake(ssl_), 0);
}

Step Core::read(void* data, std::size_t size) {
  ERR_clear_error();
  std::size_t n = 0;
  int ret = SSL_read_ex(ssl_, data, std::min<std::size_t>(size, INT_MAX), &n);
  return result(ret, n);
}

Step Core::write(const void* data, std::size_t size) {
  ERR_clear_error();
  // Room for the records at once (each adds at most its header, padding and
  // tag), growing geometrically: one operation writes several buffers.
  const std::size_t need = out_.size() + size + (size / 16384 + 1) * kRecordOverhead;
  if (out_.capacity() < need) out_.reserve(std::max(need, 2 * out_.capacity()));
  std::size_t n = 0;
  int ret = SSL_write_ex(ssl_, data, size, &n);
  return result(ret, n);
}

Step Core::shutdown() {
  ERR_clear_error();
  int ret = SSL_shutdown(ssl_);  // 0: close_notify sent; once more to await the peer's
  if (ret == 0) ret = SSL_shutdown(ssl_);
  return result(ret, 0);
}

// As asio::ssl::stream reports them: a close_notify is eof; a socket that
// ends without one is stream_truncated; OpenSSL's errors in the SSL category.
Step Core::result(int ret, std::size_t bytes) {
  if (ret > 0) return {Want::done, {}, bytes};
  int error = SSL_get_error(ssl_, ret);
  unsigned long queued = ERR_get_error();
  switch (error) {
    case SSL_ERROR_WANT_READ:
      return {Want::input, {}, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {Want::done, boost::asio::error::eof, 0};
    case SSL_ERROR_SYSCALL:
      if (queued == 0) return {Want::done, boost::asio::ssl::error::stream_truncated, 0};
      break;
    default:
      if (queued == 0)  // WANT_WRITE and the like: our BIO never blocks
        return {Want::done, boost::asio::error::operation_not_supported, 0};
      break;
  }
  return {
      Want::done,
      boost::system::error_code(static_cast<int>(queued), boost::asio::error::get_ssl_category()),
      0};
}

void Core::end_write() {
  sending_.clear();  // its memory is reused by the next write, released when the connection waits
  writing_ = false;
  wake_.cancel();
}

boost::system::error_code Core::receive_now(bool eof_is_truncation) {
  if (in_pos_ < in_size_) return {};
  if (!in_) in_.reset(new unsigned char[kReceiveBytes]);
  boost::system::error_code ec;
  std::size_t n = next_.socket().read_some(boost::asio::buffer(in_.get(), kReceiveBytes), ec);
  if (ec) {
    release_input();
    if (ec == boost::asio::error::eof && eof_is_truncation)
      ec = boost::asio::ssl::error::stream_truncated;
    return ec;
  }
  in_pos_ = 0;
  in_size_ = n;
  return {};
}

boost::system::error_code Core::end_read(boost::system::error_code ec, bool eof_is_truncation) {
  reading_ = false;
  wake_.cancel();
  if (ec == boost::asio::error::eof && eof_is_truncation)
    return boost::asio::ssl::error::stream_truncated;
  if (ec) return ec;
  // The byte that ended the wait, then whatever else has arrived.
  if (!in_) in_.reset(new unsigned char[kReceiveBytes]);
  in_[0] = first_byte_;
  boost::system::error_code more;
  std::size_t n =
      next_.socket().read_some(boost::asio::buffer(in_.get() + 1, kReceiveBytes - 1), more);
  in_pos_ = 0;
  in_size_ = 1 + (more ? 0 : n);
  return {};
}

void Core::release_idle_buffers() {
  release_input();
  if (out_.empty()) std::vector<unsigned char>().swap(out_);
  if (!writing_) std::vector<unsigned char>().swap(sending_);
}

void Core::release_input() {
  in_.reset();
  in_pos_ = in_size_ = 0;
}

}  // namespace pe::host::tls_detail
