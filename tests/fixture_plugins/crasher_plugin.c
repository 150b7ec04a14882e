/*
 * crasher_plugin.c — a plugin that brings the whole process down from inside
 * collect, to test the host's in-process crash record and quarantine
 * (host/plugin/crash_record.hpp, host/collect/quarantine.hpp).
 *
 * Configuration ([collector.config]):
 *   mode = "segv"    # "segv": write through a NULL pointer; "abort": abort();
 *                    # "ok": collect normally (crasher_up 1)
 */
#include <plugin_exporter/plugin.h>
#include <stdlib.h>
#include <string.h>

enum crasher_mode { MODE_OK, MODE_SEGV, MODE_ABORT };

struct pe_instance {
  const pe_host_api* api;
  enum crasher_mode mode;
};

static pe_status crasher_create(const pe_create_params* params, pe_instance** out) {
  const pe_host_api* api = params->api;
  const pe_config* node = api->config_get(params->config, "mode");
  enum crasher_mode mode = MODE_SEGV;
  pe_instance* self;
  if (node) {
    const char* s = NULL;
    size_t n = 0;
    if (api->config_string(node, &s, &n) != PE_OK) return PE_INVALID_CONFIG;
    if (n == 2 && memcmp(s, "ok", 2) == 0) {
      mode = MODE_OK;
    } else if (n == 4 && memcmp(s, "segv", 4) == 0) {
      mode = MODE_SEGV;
    } else if (n == 5 && memcmp(s, "abort", 5) == 0) {
      mode = MODE_ABORT;
    } else {
      api->config_error(params->host, node, "mode is \"ok\", \"segv\" or \"abort\"");
      return PE_INVALID_CONFIG;
    }
  }
  self = (pe_instance*)calloc(1, sizeof *self);
  if (!self) return PE_ERROR;
  self->api = api;
  self->mode = mode;
  *out = self;
  return PE_OK;
}

static pe_status crasher_collect(pe_instance* self, const pe_collect_request* request,
                                 pe_sink* sink) {
  static const char text[] =
      "# HELP crasher_up 1 when the crasher collected without crashing.\n"
      "# TYPE crasher_up gauge\n"
      "crasher_up 1\n";
  (void)request;
  if (self->mode == MODE_SEGV) {
    volatile int* volatile nowhere = NULL;
    *nowhere = 1;
  } else if (self->mode == MODE_ABORT) {
    abort();
  }
  const pe_text_options options = {sizeof(pe_text_options), PE_FORMAT_TEXT, 0};
  return self->api->sink_text(sink, text, sizeof text - 1, &options);
}

static void crasher_destroy(pe_instance* self) {
  free(self);
}

static const pe_plugin_descriptor crasher_descriptor = {
    sizeof(pe_plugin_descriptor),
    PE_ABI_MAJOR,
    PE_TARGET_ABI_MINOR,
    "crasher",
    "0.0.1",
    "Test plugin that crashes the process from collect (SIGSEGV or abort).",
    0,
    crasher_create,
    crasher_collect,
    crasher_destroy,
    NULL,
};

PE_PLUGIN_ENTRY {
  return &crasher_descriptor;
}
