/*
 * hello.c — a complete plugin_exporter collector plugin in plain C99, using
 * nothing but <plugin_exporter/plugin.h>. Copy it to start your own.
 *
 * Configuration ([collector.config]):
 *   greeting = "hello"   # string, shown as a label of hello_info
 *   value    = 42.0      # number, exported as hello_value
 *
 * Metrics: hello_info{greeting=...} 1, hello_value, hello_collects_total
 * (this instance's collect count), and hello_text_answer given as exposition
 * text to show the sink's text path.
 *
 * It is built for ABI 1.0 (PE_TARGET_ABI_MINOR 0), so it loads in every 1.x
 * host, also ones older than the SDK it is compiled with.
 */
#define PE_TARGET_ABI_MINOR 0
#include <plugin_exporter/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pe_instance {
  const pe_host_api* api;
  pe_host* host;
  char greeting[128];
  double value;
  double collects; /* touched only by collect, which never runs concurrently with itself */
};

static pe_status hello_create(const pe_create_params* params, pe_instance** out) {
  const pe_host_api* api = params->api;
  pe_instance* self;
  const pe_config* node;
  const char* greeting = "hello";
  size_t greeting_len = 5;
  double value = 42.0;
  int bad = 0;

  node = api->config_get(params->config, "greeting");
  if (node && api->config_string(node, &greeting, &greeting_len) != PE_OK) bad = 1;
  if (!bad && greeting_len >= sizeof self->greeting) {
    api->config_error(params->host, node, "greeting is longer than 127 bytes");
    bad = 1;
  }
  node = api->config_get(params->config, "value");
  if (node && api->config_double(node, &value) != PE_OK) bad = 1;
  if (bad) return PE_INVALID_CONFIG;
  if (params->check_only) {
    /* Validation only: nothing to open. The host still calls destroy. */
  }

  self = (pe_instance*)calloc(1, sizeof *self);
  if (!self) return PE_ERROR;
  self->api = api;
  self->host = params->host;
  memcpy(self->greeting, greeting, greeting_len);
  self->greeting[greeting_len] = '\0';
  self->value = value;
  *out = self;
  return PE_OK;
}

static pe_status emit_gauge(pe_instance* self, pe_sink* sink, const char* name, const char* help,
                            pe_metric_type type, const char* sample_name, const pe_label* labels,
                            size_t label_count, double value) {
  pe_family family;
  pe_sample sample;
  pe_status st;
  memset(&family, 0, sizeof family);
  family.struct_size = sizeof family;
  family.name = name;
  family.help = help;
  family.type = type;
  st = self->api->sink_family(sink, &family);
  if (st != PE_OK) return st;
  memset(&sample, 0, sizeof sample);
  sample.struct_size = sizeof sample;
  sample.name = sample_name;
  sample.labels = labels;
  sample.label_count = label_count;
  sample.value = value;
  return self->api->sink_sample(sink, &sample);
}

static pe_status hello_collect(pe_instance* self, const pe_collect_request* request,
                               pe_sink* sink) {
  static const char text[] =
      "# HELP hello_text_answer A metric handed to the host as exposition text.\n"
      "# TYPE hello_text_answer gauge\n"
      "hello_text_answer 42\n";
  pe_label info_label;
  (void)request;
  self->collects += 1;
  info_label.name = "greeting";
  info_label.value = self->greeting;
  if (emit_gauge(self, sink, "hello_info", "The configured greeting (value always 1).",
                 PE_TYPE_GAUGE, NULL, &info_label, 1, 1.0) == PE_LIMIT_EXCEEDED ||
      emit_gauge(self, sink, "hello_value", "The configured value.", PE_TYPE_GAUGE, NULL, NULL, 0,
                 self->value) == PE_LIMIT_EXCEEDED ||
      emit_gauge(self, sink, "hello_collects_total", "Collects of this instance.",
                 PE_TYPE_COUNTER, "hello_collects_total", NULL, 0,
                 self->collects) == PE_LIMIT_EXCEEDED) {
    self->api->sink_error(sink, "sample limit reached");
    return PE_ERROR;
  }
  const pe_text_options options = {sizeof(pe_text_options), PE_FORMAT_TEXT, 0};
  return self->api->sink_text(sink, text, sizeof text - 1, &options);
}

static void hello_destroy(pe_instance* self) { free(self); }

static const pe_plugin_descriptor hello_descriptor = {
    sizeof(pe_plugin_descriptor),
    PE_ABI_MAJOR,
    PE_TARGET_ABI_MINOR,
    "hello",
    "1.0.0",
    "Example plugin in plain C: a greeting, a value and a collect counter.",
    0,
    hello_create,
    hello_collect,
    hello_destroy,
    NULL,
};

PE_PLUGIN_ENTRY { return &hello_descriptor; }
