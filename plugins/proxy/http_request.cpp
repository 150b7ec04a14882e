// http_request.cpp — building the backend request.
#include "http_request.hpp"

#include <algorithm>
#include <cstdio>

#include "plugin_exporter/text.hpp"

namespace pe::proxy {

const char* const kAcceptHeader =
    "text/plain;version=0.0.4;q=1.0,application/openmetrics-text;version=1.0.0;q=0.8,*/*;q=0.1";

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The decoded key of a raw "k=v" query item.
std::string decoded_key(std::string_view item) {
  std::string_view raw = item.substr(0, item.find('='));
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+') {
      out += ' ';
    } else if (raw[i] == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 &&
               hex_value(raw[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    } else {
      out += raw[i];
    }
  }
  return out;
}

}  // namespace

HttpRequest::HttpRequest(const HttpTarget& t)
    : path_(t.path), query_(t.query), forward_params_(t.forward_params) {
  std::string host = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  bool default_port = (t.https && t.port == 443) || (!t.https && t.port == 80);
  if (!default_port) host += ":" + std::to_string(t.port);
  bool custom_accept = std::any_of(t.headers.begin(), t.headers.end(),
                                   [](const auto& h) { return iequals(h.first, "accept"); });
  headers_ = "Host: " + host + "\r\n";
  headers_ += "User-Agent: plugin_exporter-proxy/1.0\r\n";
  if (!custom_accept) headers_ += std::string("Accept: ") + kAcceptHeader + "\r\n";
  headers_ += t.gzip ? "Accept-Encoding: gzip\r\n" : "Accept-Encoding: identity\r\n";
  if (t.authorization) headers_ += "Authorization: " + *t.authorization + "\r\n";
  for (const auto& [name, value] : t.headers) headers_ += name + ": " + value + "\r\n";
}

std::string HttpRequest::target(
    const std::vector<std::pair<std::string, std::string>>& params) const {
  std::string out = path_;
  char sep = '?';
  auto forwarded = [&](const std::string& key) {
    if (std::find(forward_params_.begin(), forward_params_.end(), key) == forward_params_.end())
      return false;
    return std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.first == key; });
  };
  for (const std::string& item : query_) {
    if (!forward_params_.empty() && forwarded(decoded_key(item))) continue;  // replaced below
    out += sep;
    out += item;
    sep = '&';
  }
  for (const std::string& name : forward_params_) {
    for (const auto& [k, v] : params) {
      if (k != name) continue;
      out += sep;
      out += percent_encode(k);
      out += '=';
      out += percent_encode(v);
      sep = '&';
    }
  }
  return out;
}

void HttpRequest::render(const std::vector<std::pair<std::string, std::string>>& params,
                         double timeout_seconds, std::string& out) const {
  out.clear();
  out += "GET ";
  out += target(params);
  out += " HTTP/1.1\r\n";
  out += headers_;
  char buf[96];
  std::snprintf(buf, sizeof buf, "X-Prometheus-Scrape-Timeout-Seconds: %.3f\r\n\r\n",
                timeout_seconds > 0 ? timeout_seconds : 0.001);
  out += buf;
}

}  // namespace pe::proxy
