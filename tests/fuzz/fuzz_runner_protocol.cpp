// fuzz_runner_protocol.cpp — what the host decodes from a collector-runner
// child (isolation = "process"), which may be hostile: a collect's batch of
// sink records replayed into the host's real sink (pe_sink over a
// MetricSet; a collect_part's records and strings), the answer to a forwarded HTTP request, and the
// frame stream those arrive in (lengths, frames cut by EOF; collect parts in it are replayed), and
// the bytes of a child's shared ring (collect_part frames of one collect, cut anywhere). Never
// crashes, never reads out of bounds, and a batch it accepts fills the sink only with what the sink
// validated. The first input byte chooses the decoder.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "isolation/frame_stream.hpp"
#include "isolation/reply_decoder.hpp"
#include "isolation/runner_protocol.hpp"
#include "plugin/collect_sink.hpp"

namespace {

// The rest of the input as the bytes of a child's socket: frames are read
// until EOF or an error; each collect_part is replayed into one sink.
void read_stream(const char* bytes, std::size_t size) {
  using namespace pe::host::isolation;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::abort();
  std::thread writer([&] {
    write_all(sv[0], bytes, size);
    close(sv[0]);
  });
  FrameStream in(sv[1]);
  pe::MetricSet set;
  pe_sink sink(set, 1000);
  ReplayedLabelNames names;  // the parts of one collect
  FrameType type{};
  std::string_view payload;
  std::string error;
  while (in.next(type, payload, error)) {
    if (payload.size() > size) std::abort();
    if (type != FrameType::collect_part || payload.size() < 8) continue;
    if (!replay_collect_part(payload.substr(8), sink, names)) break;  // after the id
  }
  writer.join();
  close(sv[1]);
  if (set.sample_count() > 1000) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace pe::host::isolation;
  if (size == 0) return 0;
  const char* payload = reinterpret_cast<const char*>(data + 1);
  if (data[0] & 4) {
    // Ring bytes as they come: in two takes, cut where the second byte says.
    const std::string_view bytes(payload, size - 1);
    const std::size_t cut = size > 1 ? std::min<std::size_t>(data[1], bytes.size()) : 0;
    pe::MetricSet set;
    pe_sink sink(set, 1000);
    ReplayedLabelNames names;
    std::size_t at = 0;
    if (replay_part_frames(bytes.substr(0, cut), at, 1, sink, names)) {
      if (at > cut) std::abort();
      replay_part_frames(bytes, at, 1, sink, names);
      if (at > bytes.size()) std::abort();
    }
    if (set.sample_count() > 1000) std::abort();
    return 0;
  }
  if (data[0] & 2) {
    read_stream(payload, size - 1);
    return 0;
  }
  FrameReader r(payload, size - 1);
  if (data[0] & 1) {
    HttpAnswer answer;
    if (decode_http_answer(r, answer)) {
      for (auto& [k, v] : answer.headers)
        if (std::strlen(k.data()) > k.size() || std::strlen(v.data()) > v.size()) std::abort();
      if (answer.body.size() > size) std::abort();
    }
    return 0;
  }
  // One collect_part's payload after its id.
  pe::MetricSet set;
  pe_sink sink(set, 1000);
  ReplayedLabelNames names;
  const std::string_view part(payload, size - 1);
  if (part.size() >= 8) replay_collect_part(part.substr(8), sink, names);
  if (set.sample_count() > 1000) std::abort();
  return 0;
}
