/*
 * abi_frozen_layout.c — ABI 1.0 is frozen: this file records the layout and
 * every function signature of plugin.h as they were frozen, and fails to
 * COMPILE when any of them changes (a moved field, a removed or inserted
 * table entry, a changed parameter). Appending in a later minor changes only
 * the sizeof lines, which then get a new, separately asserted minor. Built as
 * C11 (plugin.h is C99; _Static_assert and __typeof__ are only used here).
 * Offsets are for LP64 targets (x86_64, aarch64), where the packages are built.
 */
#include <plugin_exporter/plugin.h>
#include <stddef.h>
#include <stdio.h>

#if defined(__LP64__)

#define AT(type, field, offset) \
  _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved")
#define SIZE(type, size) _Static_assert(sizeof(type) == (size), "sizeof " #type " changed")
#define SIG(type, field, signature)                                                      \
  _Static_assert(__builtin_types_compatible_p(__typeof__(((type*)0)->field), signature), \
                 #type "." #field " changed its signature")

_Static_assert(PE_ABI_MAJOR == 1, "the major changed: write a new frozen record");

AT(pe_label, name, 0);
AT(pe_label, value, 8);
SIZE(pe_label, 16);

AT(pe_family, struct_size, 0);
AT(pe_family, name, 8);
AT(pe_family, help, 16);
AT(pe_family, type, 24);
AT(pe_family, unit, 32);

AT(pe_sample, struct_size, 0);
AT(pe_sample, name, 8);
AT(pe_sample, labels, 16);
AT(pe_sample, label_count, 24);
AT(pe_sample, value, 32);
AT(pe_sample, timestamp_ms, 40);
AT(pe_sample, has_timestamp, 48);

AT(pe_text_options, struct_size, 0);
AT(pe_text_options, format, 4);
AT(pe_text_options, skip_invalid_lines, 8);

AT(pe_create_params, struct_size, 0);
AT(pe_create_params, api, 8);
AT(pe_create_params, host, 16);
AT(pe_create_params, config, 24);
AT(pe_create_params, collector_name, 32);
AT(pe_create_params, check_only, 40);
AT(pe_create_params, state_dir, 48);

AT(pe_collect_request, struct_size, 0);
AT(pe_collect_request, deadline_monotonic_ns, 8);
AT(pe_collect_request, params, 16);
AT(pe_collect_request, param_count, 24);

AT(pe_http_request, struct_size, 0);
AT(pe_http_request, method, 8);
AT(pe_http_request, path, 16);
AT(pe_http_request, query, 24);
AT(pe_http_request, headers, 32);
AT(pe_http_request, header_count, 40);
AT(pe_http_request, body, 48);
AT(pe_http_request, body_size, 56);
AT(pe_http_request, identity, 64);
AT(pe_http_request, remote_address, 72);

AT(pe_route, struct_size, 0);
AT(pe_route, method, 8);
AT(pe_route, path_prefix, 16);
AT(pe_route, role, 24);
AT(pe_route, max_body_bytes, 32);

AT(pe_plugin_descriptor, struct_size, 0);
AT(pe_plugin_descriptor, abi_major, 4);
AT(pe_plugin_descriptor, abi_minor, 8);
AT(pe_plugin_descriptor, name, 16);
AT(pe_plugin_descriptor, version, 24);
AT(pe_plugin_descriptor, description, 32);
AT(pe_plugin_descriptor, capabilities, 40);
AT(pe_plugin_descriptor, create, 48);
AT(pe_plugin_descriptor, collect, 56);
AT(pe_plugin_descriptor, destroy, 64);
AT(pe_plugin_descriptor, handle_http, 72);
SIG(pe_plugin_descriptor, create, pe_status (*)(const pe_create_params*, pe_instance**));
SIG(pe_plugin_descriptor, collect,
    pe_status (*)(pe_instance*, const pe_collect_request*, pe_sink*));
SIG(pe_plugin_descriptor, destroy, void (*)(pe_instance*));
SIG(pe_plugin_descriptor, handle_http,
    pe_status (*)(pe_instance*, const pe_http_request*, pe_http_response*));

AT(pe_host_api, struct_size, 0);
AT(pe_host_api, abi_major, 4);
AT(pe_host_api, abi_minor, 8);
AT(pe_host_api, log, 16);
AT(pe_host_api, log_enabled, 24);
AT(pe_host_api, monotonic_ns, 32);
AT(pe_host_api, realtime_ms, 40);
AT(pe_host_api, config_kind, 48);
AT(pe_host_api, config_get, 56);
AT(pe_host_api, config_size, 64);
AT(pe_host_api, config_at, 72);
AT(pe_host_api, config_key_at, 80);
AT(pe_host_api, config_string, 88);
AT(pe_host_api, config_int, 96);
AT(pe_host_api, config_double, 104);
AT(pe_host_api, config_bool, 112);
AT(pe_host_api, config_duration, 120);
AT(pe_host_api, config_secret, 128);
AT(pe_host_api, config_error, 136);
AT(pe_host_api, sink_family, 144);
AT(pe_host_api, sink_sample, 152);
AT(pe_host_api, sink_text, 160);
AT(pe_host_api, sink_error, 168);
AT(pe_host_api, sink_stat, 176);
AT(pe_host_api, register_route, 184);
AT(pe_host_api, http_status, 192);
AT(pe_host_api, http_header, 200);
AT(pe_host_api, http_write, 208);
SIG(pe_host_api, log, void (*)(pe_host*, pe_log_level, const char*));
SIG(pe_host_api, log_enabled, int32_t (*)(pe_host*, pe_log_level));
SIG(pe_host_api, monotonic_ns, int64_t (*)(void));
SIG(pe_host_api, realtime_ms, int64_t (*)(void));
SIG(pe_host_api, config_kind, pe_config_kind (*)(const pe_config*));
SIG(pe_host_api, config_get, const pe_config* (*)(const pe_config*, const char*));
SIG(pe_host_api, config_size, size_t (*)(const pe_config*));
SIG(pe_host_api, config_at, const pe_config* (*)(const pe_config*, size_t));
SIG(pe_host_api, config_key_at, const char* (*)(const pe_config*, size_t));
SIG(pe_host_api, config_string, pe_status (*)(const pe_config*, const char**, size_t*));
SIG(pe_host_api, config_int, pe_status (*)(const pe_config*, int64_t*));
SIG(pe_host_api, config_double, pe_status (*)(const pe_config*, double*));
SIG(pe_host_api, config_bool, pe_status (*)(const pe_config*, int32_t*));
SIG(pe_host_api, config_duration, pe_status (*)(const pe_config*, int64_t*));
SIG(pe_host_api, config_secret,
    pe_status (*)(const pe_config*, const char*, char*, size_t, size_t*));
SIG(pe_host_api, config_error, void (*)(pe_host*, const pe_config*, const char*));
SIG(pe_host_api, sink_family, pe_status (*)(pe_sink*, const pe_family*));
SIG(pe_host_api, sink_sample, pe_status (*)(pe_sink*, const pe_sample*));
SIG(pe_host_api, sink_text,
    pe_status (*)(pe_sink*, const char*, size_t, const pe_text_options*));
SIG(pe_host_api, sink_error, void (*)(pe_sink*, const char*));
SIG(pe_host_api, sink_stat, pe_status (*)(pe_sink*, const char*, const char*, double));
SIG(pe_host_api, register_route, pe_status (*)(pe_host*, const pe_route*));
SIG(pe_host_api, http_status, void (*)(pe_http_response*, int32_t));
SIG(pe_host_api, http_header, void (*)(pe_http_response*, const char*, const char*));
SIG(pe_host_api, http_write, pe_status (*)(pe_http_response*, const char*, size_t));

/* The 1.0 sizes: minor 0 appended nothing yet. A later minor appends after
 * these offsets and states its own sizes below them. */
SIZE(pe_family, 40);
SIZE(pe_sample, 56);
SIZE(pe_text_options, 12);
SIZE(pe_create_params, 56);
SIZE(pe_collect_request, 32);
SIZE(pe_http_request, 80);
SIZE(pe_route, 40);
SIZE(pe_plugin_descriptor, 80);
SIZE(pe_host_api, 216);

#endif

int main(void) {
  printf("plugin ABI %d.%d layout matches the frozen 1.0 record\n", PE_ABI_MAJOR, PE_ABI_MINOR);
  return 0;
}
