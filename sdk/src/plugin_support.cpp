// plugin_support.cpp — the non-template parts of the C++ plugin adapter.
#include <string>

#include "plugin_exporter/plugin.hpp"

namespace pe {

std::optional<std::string> CollectRequest::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return std::nullopt;
}

namespace detail {

pe_status create_failed(const pe_create_params* params, const char* what) {
  std::string msg = std::string("create failed: ") + what;
  params->api->log(params->host, PE_LOG_ERROR, msg.c_str());
  return PE_ERROR;
}

void log_http_failure(const InstanceBox& box, const char* what) {
  std::string msg = std::string("handle_http failed: ") + what;
  box.api->log(box.host, PE_LOG_ERROR, msg.c_str());
}

CollectRequest to_collect_request(const pe_collect_request* request) {
  CollectRequest r;
  r.deadline_monotonic_ns = request->deadline_monotonic_ns;
  r.params.reserve(request->param_count);
  for (std::size_t i = 0; i < request->param_count; ++i)
    r.params.emplace_back(request->params[i].name, request->params[i].value);
  return r;
}

HttpRequest to_http_request(const pe_http_request* request) {
  HttpRequest r;
  r.method = request->method;
  r.path = request->path;
  r.query = request->query ? request->query : "";
  r.headers.reserve(request->header_count);
  for (std::size_t i = 0; i < request->header_count; ++i)
    r.headers.emplace_back(request->headers[i].name, request->headers[i].value);
  r.body = std::string_view(request->body ? request->body : "", request->body_size);
  r.identity = request->identity ? request->identity : "";
  r.remote_address = request->remote_address ? request->remote_address : "";
  return r;
}

}  // namespace detail
}  // namespace pe
