/*
 * abi_variant_plugin.c — a plugin that declares another ABI version than the
 * SDK's, built several times with -DMAJOR_DELTA=/-DMINOR_DELTA=, to prove
 * the host refuses other majors and newer minors (and accepts older minors).
 * Its create must never run when refused; it aborts if it does.
 */
#include <plugin_exporter/plugin.h>
#include <stdlib.h>

#ifndef MAJOR_DELTA
#define MAJOR_DELTA 0
#endif
#ifndef MINOR_DELTA
#define MINOR_DELTA 0
#endif
#define VARIANT_MAJOR (PE_ABI_MAJOR + MAJOR_DELTA)
#define VARIANT_MINOR (PE_ABI_MINOR + MINOR_DELTA)

struct pe_instance {
  int unused;
};

static pe_status variant_create(const pe_create_params* params, pe_instance** out) {
  static pe_instance instance;
  (void)params;
  if (VARIANT_MAJOR != PE_ABI_MAJOR || VARIANT_MINOR > PE_ABI_MINOR) abort();
  *out = &instance;
  return PE_OK;
}

static pe_status variant_collect(pe_instance* self, const pe_collect_request* req, pe_sink* sink) {
  (void)self;
  (void)req;
  (void)sink;
  return PE_OK;
}

static void variant_destroy(pe_instance* self) {
  (void)self;
}

static const pe_plugin_descriptor descriptor = {
    sizeof(pe_plugin_descriptor),
    VARIANT_MAJOR,
    VARIANT_MINOR,
    "abi_variant",
    "0.0.1",
    "ABI version test plugin",
    0,
    variant_create,
    variant_collect,
    variant_destroy,
    NULL,
};

PE_PLUGIN_ENTRY {
  return &descriptor;
}
