// service_notifier.hpp — tells a service manager (systemd, Type=notify) what
// the exporter is doing: READY=1 once it serves, RELOADING=1 / READY=1 around
// a reload, STOPPING=1 at shutdown. The sd_notify protocol is one datagram
// to the unix socket named by $NOTIFY_SOCKET; without it nothing is sent.
#pragma once

#include <string_view>

namespace pe::host {

// Sends `state` (e.g. "READY=1\nSTATUS=serving") if $NOTIFY_SOCKET is set.
// Returns false only when the socket is set but the send failed.
bool notify_service_manager(std::string_view state);

}  // namespace pe::host
