// tls_server_context.cpp — the OpenSSL server context, with certificate
// reload on change through SSL_CTX_set_cert_cb.
#include "auth/tls_server_context.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "auth/openssl_error.hpp"

namespace pe::host {
namespace {

int tls_version(const std::string& v) {
  if (v == "TLS10") return TLS1_VERSION;
  if (v == "TLS11") return TLS1_1_VERSION;
  if (v == "TLS12") return TLS1_2_VERSION;
  return TLS1_3_VERSION;
}

// Go's curve names as exporter-toolkit spells them, or OpenSSL group names.
std::string curve_name(const std::string& c) {
  if (c == "CurveP256") return "P-256";
  if (c == "CurveP384") return "P-384";
  if (c == "CurveP521") return "P-521";
  return c;  // X25519, P-256, ...
}

struct FileStamp {
  timespec mtime{};
  off_t size = -1;
  ino_t inode = 0;
  bool operator==(const FileStamp& o) const {
    return mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec && size == o.size &&
           inode == o.inode;
  }
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  FileStamp s;
  if (::stat(path.c_str(), &st) == 0) {
    s.mtime = st.st_mtim;
    s.size = st.st_size;
    s.inode = st.st_ino;
  }
  return s;
}

}  // namespace

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using ChainPtr = std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>;

void free_chain(STACK_OF(X509) * chain) {
  sk_X509_pop_free(chain, X509_free);
}

// A certificate (with its chain) and key read from PEM files.
struct KeyPair {
  X509Ptr cert{nullptr, X509_free};
  ChainPtr chain{nullptr, free_chain};
  KeyPtr key{nullptr, EVP_PKEY_free};
};

KeyPair load_key_pair(const std::string& cert_file, const std::string& key_file) {
  KeyPair kp;
  std::unique_ptr<BIO, decltype(&BIO_free)> cb(BIO_new_file(cert_file.c_str(), "r"), BIO_free);
  if (!cb) throw std::runtime_error("cannot read cert_file " + cert_file);
  kp.cert.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  if (!kp.cert) throw std::runtime_error("cert_file " + cert_file + " holds no PEM certificate");
  kp.chain.reset(sk_X509_new_null());
  while (X509* extra = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr))
    sk_X509_push(kp.chain.get(), extra);
  ERR_clear_error();  // the loop ends on "no start line"
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new_file(key_file.c_str(), "r"), BIO_free);
  if (!kb) throw std::runtime_error("cannot read key_file " + key_file);
  kp.key.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  if (!kp.key) throw std::runtime_error("key_file " + key_file + " holds no PEM private key");
  if (X509_check_private_key(kp.cert.get(), kp.key.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("key_file " + key_file + " does not match cert_file " + cert_file);
  }
  return kp;
}

}  // namespace

struct TlsServerContext::Impl {
  TlsConfig config;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context{nullptr, SSL_CTX_free};
  std::mutex mu;
  FileStamp cert_stamp, key_stamp;
  std::shared_ptr<KeyPair> current;
  std::chrono::steady_clock::time_point last_check{};

  // The key pair to use now, re-read when a file changed (checked at most
  // once a second; a broken replacement keeps the previous pair).
  std::shared_ptr<KeyPair> key_pair() {
    std::lock_guard lock(mu);
    auto now = std::chrono::steady_clock::now();
    if (current && now - last_check < std::chrono::seconds(1)) return current;
    last_check = now;
    FileStamp c = stamp_of(config.cert_file), k = stamp_of(config.key_file);
    if (current && c == cert_stamp && k == key_stamp) return current;
    try {
      current = std::make_shared<KeyPair>(load_key_pair(config.cert_file, config.key_file));
      cert_stamp = c;
      key_stamp = k;
    } catch (const std::exception&) {
      // Half-written files during a rotation: keep serving the old pair.
    }
    return current;
  }

  static int cert_callback(SSL* ssl, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    std::shared_ptr<KeyPair> kp = self->key_pair();
    if (!kp) return 0;
    if (SSL_use_certificate(ssl, kp->cert.get()) != 1) return 0;
    if (SSL_use_PrivateKey(ssl, kp->key.get()) != 1) return 0;
    if (sk_X509_num(kp->chain.get()) > 0 && SSL_set1_chain(ssl, kp->chain.get()) != 1) return 0;
    return 1;
  }

  // RequestClientCert / RequireAnyClientCert: ask for a certificate but do
  // not verify its chain.
  static int accept_any(int, X509_STORE_CTX*) { return 1; }

  // Verifying policies: the chain as OpenSSL judged it, then (for the leaf)
  // one of client_allowed_sans, if any are configured.
  static int verify_with_sans(int preverify_ok, X509_STORE_CTX* store) {
    if (!preverify_ok) return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    SSL* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = static_cast<Impl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index()));
    if (!self || self->config.client_allowed_sans.empty()) return 1;
    X509* leaf = X509_STORE_CTX_get_current_cert(store);
    for (const std::string& san : subject_alternative_names_of(leaf))
      for (const std::string& allowed : self->config.client_allowed_sans)
        if (san == allowed) return 1;
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }

  static int ex_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }
};

TlsServerContext::TlsServerContext(const TlsConfig& config) : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  auto first = std::make_shared<KeyPair>(load_key_pair(config.cert_file, config.key_file));
  impl_->cert_stamp = stamp_of(config.cert_file);
  impl_->key_stamp = stamp_of(config.key_file);
  impl_->current = first;
  impl_->last_check = std::chrono::steady_clock::now();

  impl_->context.reset(SSL_CTX_new(TLS_server_method()));
  if (!impl_->context) throw std::runtime_error("TLS context: " + openssl_error());
  SSL_CTX* ctx = impl_->context.get();
  SSL_CTX_set_cipher_list(ctx, "HIGH:!aNULL:!MD5:!RC4");
  SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
  SSL_CTX_set_min_proto_version(ctx, tls_version(config.min_version));
  SSL_CTX_set_max_proto_version(ctx, tls_version(config.max_version));
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate(ctx, first->cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, first->key.get()) != 1)
    throw std::runtime_error("TLS certificate: " + openssl_error());
  SSL_CTX_set_cert_cb(ctx, &Impl::cert_callback, impl_.get());

  if (!config.cipher_suites.empty()) {
    // IANA names (as exporter-toolkit takes them) map to OpenSSL's; each
    // must be known on its own, since OpenSSL skips unknown names in a list.
    std::string list;
    for (const std::string& c : config.cipher_suites) {
      const char* mapped = OPENSSL_cipher_name(c.c_str());
      std::string name = mapped && std::string(mapped) != "(NONE)" ? mapped : c;
      std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> probe(SSL_CTX_new(TLS_server_method()),
                                                              SSL_CTX_free);
      bool known = SSL_CTX_set_cipher_list(probe.get(), name.c_str()) == 1;
      ERR_clear_error();
      if (!known) throw std::runtime_error("cipher_suites: unknown cipher suite \"" + c + "\"");
      if (!list.empty()) list += ':';
      list += name;
    }
    if (SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) {
      ERR_clear_error();
      throw std::runtime_error("cipher_suites: [" + list + "] rejected by OpenSSL");
    }
  }
  if (!config.curve_preferences.empty()) {
    std::string groups;
    for (const std::string& c : config.curve_preferences) {
      if (!groups.empty()) groups += ':';
      groups += curve_name(c);
    }
    if (SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1) {
      ERR_clear_error();
      throw std::runtime_error("curve_preferences: unknown curve in [" + groups + "]");
    }
  }

  const std::string& ca = config.client_auth;
  if (!config.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, config.client_ca_file.c_str(), nullptr) != 1)
      throw std::runtime_error("client_ca_file " + config.client_ca_file + ": " + openssl_error());
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
  }
  if (ca == "NoClientCert") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else if (ca == "RequestClientCert") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &Impl::accept_any);
  } else if (ca == "RequireAnyClientCert") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &Impl::accept_any);
  } else if (ca == "VerifyClientCertIfGiven") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &Impl::verify_with_sans);
  } else {  // RequireAndVerifyClientCert
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       &Impl::verify_with_sans);
  }
  SSL_CTX_set_ex_data(ctx, Impl::ex_index(), impl_.get());
  SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>("plugin_exporter"),
                                 15);
}

TlsServerContext::~TlsServerContext() = default;

SSL_CTX* TlsServerContext::native() const noexcept {
  return impl_->context.get();
}

std::string TlsServerContext::check(const TlsConfig& config) {
  try {
    TlsServerContext probe(config);
    (void)probe;
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::vector<std::string> subject_alternative_names_of(const X509* x) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(const_cast<X509*>(x), NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS || n->type == GEN_EMAIL || n->type == GEN_URI) {
      const ASN1_IA5STRING* s = n->d.ia5;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = n->d.ip;
      char buf[INET6_ADDRSTRLEN] = {};
      int len = ASN1_STRING_length(ip);
      const unsigned char* data = ASN1_STRING_get0_data(ip);
      if (len == 4)
        inet_ntop(AF_INET, data, buf, sizeof buf);
      else if (len == 16)
        inet_ntop(AF_INET6, data, buf, sizeof buf);
      if (buf[0]) out.emplace_back(buf);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace pe::host
