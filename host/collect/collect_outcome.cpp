// collect_outcome.cpp — the names of collect statuses (logs, status page).
#include "collect/collect_outcome.hpp"

namespace pe::host {

std::string_view to_string(CollectStatus s) noexcept {
  switch (s) {
    case CollectStatus::ok:
      return "ok";
    case CollectStatus::error:
      return "error";
    case CollectStatus::timeout:
      return "timeout";
    case CollectStatus::bad_request:
      return "bad_request";
    case CollectStatus::busy:
      return "busy";
    case CollectStatus::unavailable:
      return "unavailable";
  }
  return "error";
}

}  // namespace pe::host
