// http_request_test.cpp — the request sent to a backend: forwarded
// parameters (allowlist only, encoded, replacing the URL's own), the header
// block, the Host header for ports and IPv6, the scrape-timeout header.
#include <gtest/gtest.h>

#include <string>

#include "base64.hpp"
#include "http_request.hpp"

using pe::proxy::HttpRequest;
using pe::proxy::HttpTarget;

namespace {

HttpTarget target(std::string host = "127.0.0.1", uint16_t port = 9115, bool https = false) {
  HttpTarget t;
  t.host = std::move(host);
  t.port = port;
  t.https = https;
  t.path = "/probe";
  return t;
}

}  // namespace

TEST(HttpRequest, NothingIsForwardedByDefault) {
  HttpTarget t = target();
  t.query = {"module=http_2xx"};
  HttpRequest r(t);
  EXPECT_EQ(r.target({{"target", "example.org"}, {"module", "icmp"}}), "/probe?module=http_2xx");
}

TEST(HttpRequest, AllowlistedParametersAreEncodedAndReplaceTheUrlsOwn) {
  HttpTarget t = target();
  t.query = {"module=http_2xx", "debug=false"};
  t.forward_params = {"target", "module"};
  HttpRequest r(t);
  EXPECT_EQ(r.target({{"target", "http://a b/?x=1&y"}, {"module", "icmp"}, {"other", "no"}}),
            "/probe?debug=false&target=http%3A%2F%2Fa%20b%2F%3Fx%3D1%26y&module=icmp");
  // Absent from the scrape: the URL's own value stays.
  EXPECT_EQ(r.target({{"target", "h"}}), "/probe?module=http_2xx&debug=false&target=h");
  // Repeated parameters are all passed on, in order.
  EXPECT_EQ(r.target({{"target", "a"}, {"target", "b"}}),
            "/probe?module=http_2xx&debug=false&target=a&target=b");
}

TEST(HttpRequest, EncodedKeysInTheUrlAreRecognised) {
  HttpTarget t = target();
  t.query = {"mod%75le=old"};
  t.forward_params = {"module"};
  EXPECT_EQ(HttpRequest(t).target({{"module", "new"}}), "/probe?module=new");
}

TEST(HttpRequest, HeaderBlock) {
  HttpTarget t = target("127.0.0.1", 80);
  t.authorization = "Bearer s3cret";
  t.headers = {{"X-Tenant", "a"}};
  std::string out;
  HttpRequest(t).render({}, 9.5, out);
  EXPECT_EQ(out.rfind("GET /probe HTTP/1.1\r\nHost: 127.0.0.1\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("\r\nAccept: text/plain;version=0.0.4"), std::string::npos);
  EXPECT_NE(out.find("\r\nAccept-Encoding: gzip\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nAuthorization: Bearer s3cret\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nX-Tenant: a\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nX-Prometheus-Scrape-Timeout-Seconds: 9.500\r\n\r\n"), std::string::npos);
  EXPECT_EQ(out.size() - 4, out.find("\r\n\r\n"));
}

TEST(HttpRequest, HostHeaderCarriesNonDefaultPortsAndBracketsIpv6) {
  std::string out;
  HttpRequest(target("::1", 9100)).render({}, 1, out);
  EXPECT_NE(out.find("\r\nHost: [::1]:9100\r\n"), std::string::npos) << out;
  HttpRequest(target("exporter.local", 443, true)).render({}, 1, out);
  EXPECT_NE(out.find("\r\nHost: exporter.local\r\n"), std::string::npos) << out;
}

TEST(HttpRequest, ConfiguredAcceptAndNoCompression) {
  HttpTarget t = target();
  t.headers = {{"accept", "text/plain"}};
  t.gzip = false;
  std::string out;
  HttpRequest(t).render({}, 1, out);
  EXPECT_EQ(out.find("Accept: text/plain;version"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\naccept: text/plain\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nAccept-Encoding: identity\r\n"), std::string::npos);
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(pe::proxy::base64_encode(""), "");
  EXPECT_EQ(pe::proxy::base64_encode("f"), "Zg==");
  EXPECT_EQ(pe::proxy::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(pe::proxy::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(pe::proxy::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(pe::proxy::base64_encode("user:pa ss"), "dXNlcjpwYSBzcw==");
}
