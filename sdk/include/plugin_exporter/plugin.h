/*
 * plugin_exporter/plugin.h — the stable C ABI between the plugin_exporter host
 * and its collector plugins (shared objects).
 *
 * ABI 1.0 is FROZEN: nothing below is removed, reordered or changes meaning
 * while PE_ABI_MAJOR is 1. It was frozen once a second implementation of it
 * existed (the process-isolation runner serves this same table to a plugin in
 * a child process) and its warts were fixed: one sink_text (with options), no
 * redundant timeout in pe_collect_request, the "source_up" stat documented, a
 * thread tag on every entry. Plugins built from pre-freeze headers of this
 * repository (before plugin_exporter 0.2) must be rebuilt.
 *
 * C99, plain types only. This file is the whole contract a third party needs:
 * a plugin includes it, exports exactly one symbol (PE_PLUGIN_ENTRY) and talks
 * to the host only through the function table it is handed (pe_host_api).
 *
 * Versioning
 *   PE_ABI_MAJOR changes only when something below is removed or changes
 *   meaning; the host refuses plugins of another major. PE_ABI_MINOR grows when
 *   something is appended; the host refuses plugins built for a newer minor
 *   than its own, and serves older minors unchanged. Every struct that may grow
 *   begins with `uint32_t struct_size` (sizeof as the writer compiled it); the
 *   reader zero-fills its own copy and copies only what the writer declared, so
 *   fields appended later read as zero/NULL from older peers. Fields and table
 *   entries are only ever appended, each marked with the minor that added it
 *   ("(1.0)", "(1.1)"...).
 *
 * Building for an older host
 *   Define PE_TARGET_ABI_MINOR before including this file (e.g. -DPE_TARGET_ABI_MINOR=0)
 *   to build a plugin that loads in hosts of that minor and later: fields and
 *   entries added after it are compiled out (so sizeof and struct_size declare
 *   the older layout and using a newer entry is a compile error), and the
 *   descriptor's abi_minor is PE_TARGET_ABI_MINOR. It defaults to PE_ABI_MINOR.
 *   Entries added in minor N are wrapped in `#if PE_TARGET_ABI_MINOR >= N`.
 *
 * Ownership (applies everywhere unless a function says otherwise)
 *   - Pointers passed INTO a function are owned by the caller and valid only
 *     for the duration of that call. Copy what you keep.
 *   - Nothing is freed across the boundary: the host never frees plugin memory
 *     and the plugin never frees host memory. Strings travel as UTF-8,
 *     NUL-terminated, or as (pointer, length) where stated.
 *   - No C++ exceptions, longjmp, or exit() may cross the boundary. C++ plugins
 *     catch everything at the edge (plugin.hpp does this for you).
 *
 * Threads — every function and table entry carries one of these tags
 * (grep for them):
 *   [main-thread]     the host's main thread (create, destroy, configuration
 *                     reading); never concurrently with collect/handle_http of
 *                     the same instance, except where destroy says so.
 *   [collect-thread]  a collector-pool thread running this instance's collect;
 *                     one instance's collect never runs concurrently with
 *                     itself unless the plugin declares PE_CAP_CONCURRENT_COLLECT
 *                     (then never concurrently for equal parameters).
 *   [http-thread]     an HTTP thread running handle_http, possibly concurrently
 *                     with itself and with collect.
 *   [any-thread]      any thread, including threads the plugin started itself.
 *   A host function tagged with a thread may be called only on that thread and
 *   only during the call it belongs to (sink_* during collect, http_* during
 *   handle_http, config_* during create). With process isolation
 *   (isolation = "process") the same rules hold inside the child process.
 */
#ifndef PLUGIN_EXPORTER_PLUGIN_H
#define PLUGIN_EXPORTER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions and the entry point                                              */
/* ------------------------------------------------------------------------ */

#define PE_ABI_MAJOR 1
#define PE_ABI_MINOR 0

#ifndef PE_TARGET_ABI_MINOR
#define PE_TARGET_ABI_MINOR PE_ABI_MINOR
#endif
#if PE_TARGET_ABI_MINOR > PE_ABI_MINOR || PE_TARGET_ABI_MINOR < 0
#error "PE_TARGET_ABI_MINOR must be between 0 and PE_ABI_MINOR of this header"
#endif

/* The one symbol a plugin exports. Its type is pe_entry_fn. */
#define PE_ENTRY_SYMBOL "plugin_exporter_entry"

#if defined(__GNUC__) || defined(__clang__)
#define PE_EXPORT __attribute__((visibility("default")))
#else
#define PE_EXPORT
#endif

#ifdef __cplusplus
#define PE_EXTERN_C extern "C"
#else
#define PE_EXTERN_C
#endif

/* Define the entry point:  PE_PLUGIN_ENTRY { return &my_descriptor; }
 * [main-thread] The host calls it right after dlopen, BEFORE it has checked
 * the ABI version: it must only return the address of a static descriptor
 * (data), not run code that uses the host. */
#define PE_PLUGIN_ENTRY \
  PE_EXTERN_C PE_EXPORT const struct pe_plugin_descriptor* plugin_exporter_entry(void)

/* ------------------------------------------------------------------------ */
/* Plain enumerations (fixed-width on purpose: enum sizes vary by compiler)  */
/* ------------------------------------------------------------------------ */

typedef int32_t pe_status;
#define PE_OK 0             /* success */
#define PE_ERROR 1          /* failure; the message says why */
#define PE_TIMEOUT 2        /* the deadline passed before the work finished */
#define PE_INVALID_CONFIG 3 /* create: configuration rejected (see config_error) */
#define PE_BAD_REQUEST 4    /* collect: the scrape's parameters were rejected (HTTP 400) */
#define PE_UNAVAILABLE 5    /* temporarily cannot serve (e.g. a concurrency cap) */
#define PE_LIMIT_EXCEEDED 6 /* a configured size/count limit was reached */
#define PE_NOT_FOUND 7      /* the thing asked for does not exist */

typedef int32_t pe_metric_type;
#define PE_TYPE_UNKNOWN 0
#define PE_TYPE_COUNTER 1
#define PE_TYPE_GAUGE 2
#define PE_TYPE_HISTOGRAM 3
#define PE_TYPE_SUMMARY 4
#define PE_TYPE_GAUGE_HISTOGRAM 5
#define PE_TYPE_INFO 6
#define PE_TYPE_STATESET 7

typedef int32_t pe_log_level;
#define PE_LOG_ERROR 0
#define PE_LOG_WARN 1
#define PE_LOG_INFO 2
#define PE_LOG_DEBUG 3

typedef int32_t pe_format;
#define PE_FORMAT_AUTO 0        /* OpenMetrics if the text ends in "# EOF", else text 0.0.4 */
#define PE_FORMAT_TEXT 1        /* Prometheus text exposition 0.0.4 */
#define PE_FORMAT_OPENMETRICS 2 /* OpenMetrics 1.0 text */

typedef int32_t pe_config_kind;
#define PE_CONFIG_NONE 0 /* absent */
#define PE_CONFIG_TABLE 1
#define PE_CONFIG_ARRAY 2
#define PE_CONFIG_STRING 3
#define PE_CONFIG_INTEGER 4
#define PE_CONFIG_FLOAT 5
#define PE_CONFIG_BOOLEAN 6
#define PE_CONFIG_DATETIME 7

/* Descriptor capability bits.
 * PE_CAP_HTTP_ROUTES: handle_http is set; routes are registered at create.
 * PE_CAP_CONCURRENT_COLLECT: collect may run concurrently for different parameters. */
#define PE_CAP_HTTP_ROUTES (UINT64_C(1) << 0)
#define PE_CAP_CONCURRENT_COLLECT (UINT64_C(1) << 1)

/* ------------------------------------------------------------------------ */
/* Opaque handles                                                            */
/* ------------------------------------------------------------------------ */

typedef struct pe_instance pe_instance;           /* plugin-owned: one configured collector */
typedef struct pe_host pe_host;                   /* host-owned: the host's side of one collector */
typedef struct pe_config pe_config;               /* host-owned: one node of the configuration */
typedef struct pe_sink pe_sink;                   /* host-owned: where one collect's metrics go */
typedef struct pe_http_response pe_http_response; /* host-owned: the response being built */

/* A name/value pair of UTF-8 strings (labels, query parameters, headers).
 * Fixed forever: it never grows. */
typedef struct pe_label {
  const char* name;
  const char* value;
} pe_label;

/* ------------------------------------------------------------------------ */
/* Metric records handed to the sink                                         */
/* ------------------------------------------------------------------------ */

/* (1.0, every field) Starts a metric family; following samples belong to it. */
typedef struct pe_family {
  uint32_t struct_size;
  const char* name; /* required: the family name, [a-zA-Z_:][a-zA-Z0-9_:]* */
  const char* help; /* optional (NULL): free text */
  pe_metric_type type;
  const char* unit; /* optional (NULL): e.g. "seconds"; the name should end in it */
} pe_family;

/* (1.0, every field) One sample of the current family. */
typedef struct pe_sample {
  uint32_t struct_size;
  const char* name; /* full sample name (family + "_total", "_bucket", ...); NULL = family name */
  const pe_label* labels; /* label_count pairs; names must be valid, must not start with "__" */
  size_t label_count;
  double value;          /* any double, including NaN and +-Inf */
  int64_t timestamp_ms;  /* milliseconds since the Unix epoch, used if has_timestamp */
  int32_t has_timestamp; /* 0 or 1 */
} pe_sample;

/* (1.0, every field) How sink_text parses a text. NULL options = PE_FORMAT_AUTO, strict. */
typedef struct pe_text_options {
  uint32_t struct_size;
  pe_format format;           /* PE_FORMAT_* */
  int32_t skip_invalid_lines; /* 1: drop lines that fail to parse (counted as invalid
                                 samples) and keep the rest; 0: fail the whole text */
} pe_text_options;

/* ------------------------------------------------------------------------ */
/* Calls from the host into the plugin                                       */
/* ------------------------------------------------------------------------ */

struct pe_host_api;

/* (1.0, every field) What create is given. */
typedef struct pe_create_params {
  uint32_t struct_size;
  const struct pe_host_api* api; /* valid until the process exits; keep it */
  pe_host* host;                 /* valid until destroy returns; keep it */
  const pe_config* config;       /* the collector's plugin table (empty table if none);
                                    valid only during create */
  const char* collector_name;    /* valid only during create */
  int32_t check_only;            /* 1: validate the configuration and return; touch no
                                    file, socket or thread (--check-config). destroy is
                                    still called on success. */
  const char* state_dir;         /* a writable directory reserved for this collector's
                                    durable state, or NULL if none is configured */
} pe_create_params;

/* (1.0, every field) What collect is given. */
typedef struct pe_collect_request {
  uint32_t struct_size;
  int64_t deadline_monotonic_ns; /* CLOCK_MONOTONIC time after which the host has given up
                                    (time left: deadline - api->monotonic_ns()) */
  const pe_label* params;        /* the scrape's query parameters (minus the host's own, e.g.
                                    "collector"); the plugin decides which it accepts */
  size_t param_count;
} pe_collect_request;

/* (1.0, every field) One request on a plugin route. */
typedef struct pe_http_request {
  uint32_t struct_size;
  const char* method;      /* "GET", "PUT", ... */
  const char* path;        /* percent-decoding NOT applied; begins with the route prefix */
  const char* query;       /* raw query string without '?', "" if none */
  const pe_label* headers; /* names lower-cased */
  size_t header_count;
  const char* body; /* the whole body, read by the host within the route's limit */
  size_t body_size;
  const char* identity;       /* the caller: "token:NAME", "user:NAME", "cert:SAN",
                                 or "anonymous" when authentication is off */
  const char* remote_address; /* "ip:port" of the peer */
} pe_http_request;

/* (1.0, every field) An HTTP route a plugin serves (PE_CAP_HTTP_ROUTES),
 * registered during create. */
typedef struct pe_route {
  uint32_t struct_size;
  const char* method;      /* "PUT", "POST", "DELETE", "PATCH", "GET" */
  const char* path_prefix; /* matches the path itself or path_prefix + "/..." */
  const char* role;        /* permission a caller needs: "scrape", "push" or "admin" */
  uint64_t max_body_bytes; /* larger bodies are refused 413 before the plugin runs;
                              0 = the host's default */
} pe_route;

typedef struct pe_plugin_descriptor {
  uint32_t struct_size;    /* (1.0) sizeof(pe_plugin_descriptor) */
  uint32_t abi_major;      /* (1.0) PE_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;      /* (1.0) PE_TARGET_ABI_MINOR the plugin was built for */
  const char* name;        /* (1.0) short plugin name, e.g. "postgres" */
  const char* version;     /* (1.0) the plugin's own version */
  const char* description; /* (1.0) one line */
  uint64_t capabilities;   /* (1.0) PE_CAP_* bits */

  /* (1.0) [main-thread] Validate `params->config` and make an instance. Must
   * not block on the network (connect lazily in collect). On a configuration
   * problem, report each one with api->config_error and return
   * PE_INVALID_CONFIG; on other failures return PE_ERROR after api->log. Keys
   * of the plugin table never read through the api are reported by the host
   * as unknown. *out is owned by the plugin until destroy. */
  pe_status (*create)(const pe_create_params* params, pe_instance** out);

  /* (1.0) [collect-thread] Collect metrics into `sink`, at the latest by
   * request->deadline_monotonic_ns. Returns PE_OK (also when there is no
   * data), PE_TIMEOUT, PE_BAD_REQUEST (parameters rejected: set the reason
   * with sink_error) or PE_ERROR (set the reason with sink_error). Samples
   * emitted before a failure are discarded by the host. Never concurrently
   * with itself for one instance (unless PE_CAP_CONCURRENT_COLLECT: then never
   * concurrently for equal parameters), never concurrently with destroy.
   * `request` and `sink` are valid only during the call. */
  pe_status (*collect)(pe_instance* instance, const pe_collect_request* request, pe_sink* sink);

  /* (1.0) [main-thread] Release the instance: stop threads, close
   * connections, free memory. Called after every collect and handle_http of
   * this instance has returned. */
  void (*destroy)(pe_instance* instance);

  /* (1.0, optional, with PE_CAP_HTTP_ROUTES) [http-thread] Serve one request
   * on a route this instance registered with api->register_route. The host
   * has already authenticated it and checked the route's role. Build the
   * answer with api->http_status / http_header / http_write; returning
   * without a status means 200. Return PE_OK unless the plugin failed
   * internally (the host then answers 500 if nothing was written). Runs
   * concurrently with itself and with collect. */
  pe_status (*handle_http)(pe_instance* instance, const pe_http_request* request,
                           pe_http_response* response);
} pe_plugin_descriptor;

/* The type of PE_ENTRY_SYMBOL. [main-thread], before the ABI check: return
 * the address of static data only. */
typedef const pe_plugin_descriptor* (*pe_entry_fn)(void);

/* ------------------------------------------------------------------------ */
/* Calls from the plugin into the host                                       */
/* ------------------------------------------------------------------------ */

/* Stat names (sink_stat) the host itself reads. Any other name is only
 * exported. */
/* "source_up": 1 when the plugin reached its source (database, upstream),
 * 0 when it did not although collect itself succeeded (e.g. the postgres
 * plugin's pg_up). A collector whose last collect reported source_up = 0 is
 * not ready: /readyz answers 503 (readiness "all"), the status page shows it
 * as source_down; exported as plugin_exporter_collector_source_up. */
#define PE_STAT_SOURCE_UP "source_up"

typedef struct pe_host_api {
  uint32_t struct_size; /* (1.0) */
  uint32_t abi_major;   /* (1.0) the host's PE_ABI_MAJOR */
  uint32_t abi_minor;   /* (1.0) the host's PE_ABI_MINOR (may be newer than the plugin's) */

  /* --- logging (1.0) --- */

  /* (1.0) [any-thread] Log a message attributed to this collector. */
  void (*log)(pe_host* host, pe_log_level level, const char* message);
  /* (1.0) [any-thread] 1 if messages of `level` would be written (skip
   * building them otherwise). */
  int32_t (*log_enabled)(pe_host* host, pe_log_level level);

  /* --- clock (1.0) --- */

  /* (1.0) [any-thread] CLOCK_MONOTONIC in ns, the clock of all deadlines. */
  int64_t (*monotonic_ns)(void);
  /* (1.0) [any-thread] Milliseconds since the Unix epoch. */
  int64_t (*realtime_ms)(void);

  /* --- configuration (1.0): [main-thread], only during create ---
   * Nodes are owned by the host. Reading a key marks it as used. A typed
   * accessor given a node of another kind records the error itself ("expected
   * a string, got an integer" at the node's file:line:column) and returns
   * PE_INVALID_CONFIG. */

  /* (1.0) [main-thread] PE_CONFIG_NONE for NULL. */
  pe_config_kind (*config_kind)(const pe_config* node);
  /* (1.0) [main-thread] Child of a table by key, or NULL when absent. */
  const pe_config* (*config_get)(const pe_config* table, const char* key);
  /* (1.0) [main-thread] Number of elements of an array or keys of a table;
   * 0 otherwise. */
  size_t (*config_size)(const pe_config* node);
  /* (1.0) [main-thread] Element `index` of an array, or the value at key
   * `index` of a table (in file order); NULL when out of range. */
  const pe_config* (*config_at)(const pe_config* node, size_t index);
  /* (1.0) [main-thread] Key `index` of a table in file order, or NULL. The
   * string is valid during create. */
  const char* (*config_key_at)(const pe_config* table, size_t index);
  /* (1.0) [main-thread] String value; *out valid during create, *out_len
   * excludes the NUL. */
  pe_status (*config_string)(const pe_config* node, const char** out, size_t* out_len);
  /* (1.0) [main-thread] */
  pe_status (*config_int)(const pe_config* node, int64_t* out);
  /* (1.0) [main-thread] Integers accepted. */
  pe_status (*config_double)(const pe_config* node, double* out);
  /* (1.0) [main-thread] */
  pe_status (*config_bool)(const pe_config* node, int32_t* out);
  /* (1.0) [main-thread] A Prometheus-style duration string ("1m30s",
   * "250ms", "2h") → nanoseconds. */
  pe_status (*config_duration)(const pe_config* node, int64_t* out_ns);
  /* (1.0) [main-thread] A secret named `key` in `table`, given inline
   * (`key`), as a file path (`key_file`, trailing newline stripped) or an
   * environment variable name (`key_env`); at most one of the three. Copies it
   * into buf (NUL-terminated) and sets *out_len. Returns PE_NOT_FOUND if none
   * is given (no error is recorded), PE_LIMIT_EXCEEDED if buf is too small
   * (*out_len = length needed), PE_INVALID_CONFIG after recording the error
   * (unreadable file, unset variable, two forms given). The value is redacted
   * from /configz. */
  pe_status (*config_secret)(const pe_config* table, const char* key, char* buf, size_t buf_size,
                             size_t* out_len);
  /* (1.0) [main-thread] Record a configuration error at `node` (or at the
   * collector's plugin table if NULL), reported as
   * "file:line:column: key.path: message". */
  void (*config_error)(pe_host* host, const pe_config* node, const char* message);

  /* --- the sink (1.0): [collect-thread], only during collect --- */

  /* (1.0) [collect-thread] Start a family. Returns PE_ERROR (and drops its
   * samples, counting them) when the name is invalid, PE_LIMIT_EXCEEDED when
   * the collector's sample limit is reached: stop emitting then. With
   * isolation = "process" the checks happen when the host replays the
   * collect's records, and these return PE_OK. */
  pe_status (*sink_family)(pe_sink* sink, const pe_family* family);
  /* (1.0) [collect-thread] Add a sample to the current family. Invalid
   * names/labels are dropped and counted (PE_ERROR); PE_LIMIT_EXCEEDED as
   * above. */
  pe_status (*sink_sample)(pe_sink* sink, const pe_sample* sample);
  /* (1.0) [collect-thread] Parse an exposition text (Prometheus 0.0.4 or
   * OpenMetrics, see pe_text_options; NULL options = PE_FORMAT_AUTO, strict)
   * into the sink. `data` is copied as needed; invalid input returns PE_ERROR
   * and the reason (line:column) becomes the collect's error unless
   * sink_error is called. */
  pe_status (*sink_text)(pe_sink* sink, const char* data, size_t len,
                         const pe_text_options* options);
  /* (1.0) [collect-thread] Set the reason the collect failed (the last call
   * wins). */
  void (*sink_error)(pe_sink* sink, const char* message);
  /* (1.0) [collect-thread] Report a figure about this collect (e.g.
   * "response_size_bytes"); the host exports it as the gauge
   * plugin_exporter_collector_<name>{collector,plugin} next to success and
   * duration, whether the collect succeeded or not. `name` is [a-z0-9_]+;
   * `help` may be NULL. The last value per name wins. PE_STAT_SOURCE_UP
   * (above) also changes readiness. */
  pe_status (*sink_stat)(pe_sink* sink, const char* name, const char* help, double value);

  /* --- HTTP routes (1.0): for plugins with PE_CAP_HTTP_ROUTES --- */

  /* (1.0) [main-thread] During create: serve requests matching `route`.
   * Register in check_only mode too (nothing is served then): the host
   * reports two collectors that register the same method and prefix as a
   * configuration error, also in --check-config. The longest matching prefix
   * wins. PE_ERROR for an invalid route (method, prefix not starting with
   * '/', unknown role). */
  pe_status (*register_route)(pe_host* host, const pe_route* route);
  /* (1.0) [http-thread] During handle_http: the status code (default 200). */
  void (*http_status)(pe_http_response* response, int32_t code);
  /* (1.0) [http-thread] During handle_http: add a response header. */
  void (*http_header)(pe_http_response* response, const char* name, const char* value);
  /* (1.0) [http-thread] During handle_http: append to the body. */
  pe_status (*http_write)(pe_http_response* response, const char* data, size_t len);
} pe_host_api;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PLUGIN_EXPORTER_PLUGIN_H */
