// fuzz_authorization_header.cpp — any Authorization header (and client
// certificate SAN list) through the Authenticator: never crashes, and only
// the configured credentials authenticate.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"

namespace {

pe::host::AuthConfig config() {
  pe::host::AuthConfig c;
  c.tokens.push_back({"t", "fuzz-token-0123456789abcdef", pe::host::RoleSet().with(pe::host::Role::scrape)});
  // htpasswd -nbBC 4 "" test-password (cost 4 keeps the fuzzer fast)
  c.users.push_back({"prometheus", "$2y$04$ZY73JOs4OjzUghby7OWNBuMUygjOvD5CUkbfBcVlOfp9sTJcbLuGS",
                     pe::host::RoleSet().with(pe::host::Role::scrape)});
  c.certificates.push_back({"admin.example", pe::host::RoleSet::all()});
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pe::host::Authenticator auth(config());
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // First line: the header; further lines: client certificate SANs.
  auto nl = in.find('\n');
  std::string header(in.substr(0, nl));
  std::vector<std::string> sans;
  while (nl != std::string_view::npos) {
    in.remove_prefix(nl + 1);
    nl = in.find('\n');
    sans.emplace_back(in.substr(0, nl));
  }
  auto id = auth.authenticate(header, sans);
  if (id) {
    bool by_token = header.find("fuzz-token-0123456789abcdef") != std::string::npos;
    bool by_user = id->name == "user:prometheus";
    bool by_cert = id->name == "cert:admin.example";
    if (!by_token && !by_user && !by_cert) std::abort();
  }
  return 0;
}
