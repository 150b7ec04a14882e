// openssl_error.cpp — OpenSSL's last queued error as text.
#include "auth/openssl_error.hpp"

#include <openssl/err.h>

namespace pe::host {

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  if (!e) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

}  // namespace pe::host
