/*
 * crasher_plugin.c — a plugin that misbehaves from inside collect, to test
 * the host's in-process crash record and quarantine
 * (host/plugin/crash_record.hpp, host/collect/quarantine.hpp) and process
 * isolation (host/isolation/): crashes, exits, leaks, spins, and writes
 * garbage into a descriptor (the runner's socket, when isolated).
 *
 * Configuration ([collector.config]):
 *   mode = "segv"    # "segv": write through a NULL pointer; "abort": abort();
 *                    # "exit0": _exit(0); "exit3": exit(3);
 *                    # "segv_every_2nd": every second collect of a process
 *                    #   segfaults, the others succeed;
 *                    # "leak": keep 10 MB more (touched) on every collect;
 *                    # "spin": loop forever;
 *                    # "garbage": write 64 garbage bytes to descriptor 3
 *                    #   (only meaningful isolated: the runner's socket), then
 *                    #   collect normally;
 *                    # "big_alloc": malloc 1 GiB (then free it); when that
 *                    #   fails (memory_limit), the collect fails saying so;
 *                    # "ids": also emit crasher_uid and crasher_gid, the
 *                    #   process's real user and group ids (user = ...);
 *                    # "ok": collect normally (crasher_up 1)
 */
#include <plugin_exporter/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum crasher_mode {
  MODE_OK,
  MODE_SEGV,
  MODE_ABORT,
  MODE_EXIT0,
  MODE_EXIT3,
  MODE_SEGV_EVERY_2ND,
  MODE_LEAK,
  MODE_SPIN,
  MODE_GARBAGE,
  MODE_BIG_ALLOC,
  MODE_IDS
};

static const struct {
  const char* name;
  enum crasher_mode mode;
} modes[] = {{"ok", MODE_OK},           {"segv", MODE_SEGV},
             {"abort", MODE_ABORT},     {"exit0", MODE_EXIT0},
             {"exit3", MODE_EXIT3},     {"segv_every_2nd", MODE_SEGV_EVERY_2ND},
             {"leak", MODE_LEAK},       {"spin", MODE_SPIN},
             {"garbage", MODE_GARBAGE}, {"big_alloc", MODE_BIG_ALLOC},
             {"ids", MODE_IDS}};

struct pe_instance {
  const pe_host_api* api;
  enum crasher_mode mode;
  unsigned long collects;
  char* leaked; /* "leak": the newest block; each holds the previous one */
};

static pe_status crasher_create(const pe_create_params* params, pe_instance** out) {
  const pe_host_api* api = params->api;
  const pe_config* node = api->config_get(params->config, "mode");
  enum crasher_mode mode = MODE_SEGV;
  pe_instance* self;
  if (node) {
    const char* s = NULL;
    size_t n = 0, i, found = 0;
    if (api->config_string(node, &s, &n) != PE_OK) return PE_INVALID_CONFIG;
    for (i = 0; i < sizeof modes / sizeof modes[0]; ++i) {
      if (strlen(modes[i].name) == n && memcmp(s, modes[i].name, n) == 0) {
        mode = modes[i].mode;
        found = 1;
      }
    }
    if (!found) {
      api->config_error(params->host, node,
                        "mode is \"ok\", \"segv\", \"abort\", \"exit0\", \"exit3\", "
                        "\"segv_every_2nd\", \"leak\", \"spin\", \"garbage\", \"big_alloc\" "
                        "or \"ids\"");
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

#define BIG_ALLOC_BYTES ((size_t)1 << 30)

static pe_status sink_up(pe_instance* self, pe_sink* sink) {
  static const char text[] =
      "# HELP crasher_up 1 when the crasher collected without crashing.\n"
      "# TYPE crasher_up gauge\n"
      "crasher_up 1\n";
  const pe_text_options options = {sizeof(pe_text_options), PE_FORMAT_TEXT, 0};
  return self->api->sink_text(sink, text, sizeof text - 1, &options);
}

/* crasher_up, crasher_uid and crasher_gid of the process collecting. */
static pe_status sink_ids(pe_instance* self, pe_sink* sink) {
  char text[256];
  const pe_text_options options = {sizeof(pe_text_options), PE_FORMAT_TEXT, 0};
  const int n = snprintf(text, sizeof text,
                         "# TYPE crasher_uid gauge\ncrasher_uid %lu\n"
                         "# TYPE crasher_gid gauge\ncrasher_gid %lu\n",
                         (unsigned long)getuid(), (unsigned long)getgid());
  pe_status st = sink_up(self, sink);
  if (st != PE_OK || n < 0 || (size_t)n >= sizeof text) return st != PE_OK ? st : PE_ERROR;
  return self->api->sink_text(sink, text, (size_t)n, &options);
}

static pe_status crasher_collect(pe_instance* self, const pe_collect_request* request,
                                 pe_sink* sink) {
  static const char garbage[64] = "\xff\xff\xff\x7f garbage that is no frame of any protocol";
  volatile int* volatile nowhere = NULL;
  (void)request;
  ++self->collects;
  switch (self->mode) {
    case MODE_SEGV:
      *nowhere = 1;
      break;
    case MODE_ABORT:
      abort();
    case MODE_EXIT0:
      _exit(0);
    case MODE_EXIT3:
      exit(3);
    case MODE_SEGV_EVERY_2ND:
      if (self->collects % 2 == 0) *nowhere = 1;
      break;
    case MODE_LEAK: {
      char* block = (char*)malloc(10u << 20);
      if (block) {
        memset(block, 1, 10u << 20); /* touched: resident */
        /* Chained from the instance, never freed (and so not optimised away). */
        memcpy(block, &self->leaked, sizeof self->leaked);
        self->leaked = block;
      }
      break;
    }
    case MODE_SPIN:
      for (;;) {
      }
    case MODE_GARBAGE:
      if (write(3, garbage, sizeof garbage) < 0) break;
      break;
    case MODE_BIG_ALLOC: {
      /* volatile: the compiler may not drop the allocation. */
      char* volatile block = (char*)malloc(BIG_ALLOC_BYTES);
      if (!block) {
        self->api->sink_error(sink, "crasher: malloc of 1 GiB failed");
        return PE_ERROR;
      }
      block[0] = 1;
      free(block);
      break;
    }
    case MODE_IDS:
      return sink_ids(self, sink);
    case MODE_OK:
      break;
  }
  return sink_up(self, sink);
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
    "Test plugin that misbehaves in collect (crash, exit, leak, spin, garbage).",
    0,
    crasher_create,
    crasher_collect,
    crasher_destroy,
    NULL,
};

PE_PLUGIN_ENTRY {
  return &crasher_descriptor;
}
