// isolation_test.cpp — the collector-runner protocol codec (round trip,
// truncation, oversized and lying lengths; frames read in bulk, cut or large,
// over a real socket pair), the replay of a child's sink records (checked as
// an in-process plugin's samples are) and the
// restart/backoff/quarantine schedule with a fake clock.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <thread>

#include "isolation/frame_stream.hpp"
#include "isolation/reply_decoder.hpp"
#include "isolation/restart_policy.hpp"
#include "isolation/runner_protocol.hpp"
#include "plugin/collect_sink.hpp"

namespace pe::host::isolation {
namespace {

constexpr int64_t kSec = RestartPolicy::kSecond;

TEST(RunnerProtocol, FieldsRoundTrip) {
  FrameWriter w(FrameType::collect_done);
  w.u8(7);
  w.u32(0xdeadbeef);
  w.u64(0x0123456789abcdefULL);
  w.i32(-5);
  w.i64(std::numeric_limits<int64_t>::min());
  w.f64(-0.25);
  w.f64(std::numeric_limits<double>::infinity());
  w.str(std::string("with\0nul", 8));
  w.str("");
  w.opt_str(nullptr);
  w.opt_str("label");
  const std::string frame(w.finish());
  ASSERT_GE(frame.size(), 5u);
  EXPECT_EQ(static_cast<uint8_t>(frame[4]), static_cast<uint8_t>(FrameType::collect_done));
  FrameReader r(frame.data() + 5, frame.size() - 5);
  EXPECT_EQ(r.u8(), 7);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.u64(), 0x0123456789abcdefULL);
  EXPECT_EQ(r.i32(), -5);
  EXPECT_EQ(r.i64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(r.f64(), -0.25);
  EXPECT_TRUE(std::isinf(r.f64()));
  std::string_view s = r.str();
  EXPECT_EQ(s, std::string_view("with\0nul", 8));
  EXPECT_EQ(s.data()[s.size()], '\0');
  EXPECT_EQ(r.str(), "");
  EXPECT_EQ(r.opt_str(), nullptr);
  EXPECT_STREQ(r.opt_str(), "label");
  EXPECT_FALSE(r.failed());
  EXPECT_TRUE(r.at_end());
}

// A collect_part of collect 7 written by hand, opening with `family`: its
// records and their strings.
struct HandPart {
  explicit HandPart(const pe_family& family) {
    begin_part(w, 7);
    write_family_record(w, family);
  }
  std::string finish() { return std::string(finish_part(w, strings)); }
  FrameWriter w{FrameType::collect_part};
  std::string strings;
};

// The gauge `up`, the family of the hand-made parts below.
pe_family up_gauge() {
  pe_family up{};
  up.struct_size = sizeof up;
  up.name = "up";
  up.type = PE_TYPE_GAUGE;
  return up;
}

// One sample record with one label written by hand, its strings given as
// raw bytes (a hostile child may put a NUL inside one, which
// write_sample_record of a pe_sample cannot). `code` is the label name's
// code; the name follows unless the code is a table index.
void sample_record(HandPart& part, const char* name, uint32_t code, std::string_view label_name,
                   std::string_view label_value, double value) {
  const bool timestamped = value == 3;  // the third one has a timestamp
  FrameWriter& w = part.w;
  w.u8(static_cast<uint8_t>(SinkRecord::sample));
  w.u8(static_cast<uint8_t>((name ? kSampleHasName : 0) | (timestamped ? kSampleHasTimestamp : 0)));
  if (name) w.vbytes(name);
  w.varint(1);
  w.varint(code);
  if (code < kFirstLabelNameIndex) w.vbytes(label_name);
  w.varint(static_cast<uint32_t>(label_value.size()));
  part.strings.append(label_value);
  w.f64(value);
  if (timestamped) w.i64(1700000000000);
}

// Replays a collect_part frame (after its header and id).
bool replay_frame(const std::string& frame, pe_sink& sink, ReplayedLabelNames& names) {
  return replay_collect_part(std::string_view(frame).substr(5 + 8), sink, names);
}

TEST(ReplayCollectBatch, SamplesAreCheckedAsAPluginsAreInProcess) {
  using namespace std::string_view_literals;
  pe_family jobs{};
  jobs.struct_size = sizeof jobs;
  jobs.name = "jobs_total";
  jobs.help = "Jobs.";
  jobs.type = PE_TYPE_COUNTER;
  HandPart w(jobs);
  constexpr uint32_t queue = kFirstLabelNameIndex, bad_name = kFirstLabelNameIndex + 1;
  sample_record(w, nullptr, kNewLabelName, "queue", "a", 1);    // the family's name
  sample_record(w, "jobs_total", queue, "", "b\0hidden"sv, 2);  // a C string ends at its NUL
  sample_record(w, "jobs_total", queue, "", "c", 3);
  sample_record(w, "jobs_total", kNewLabelName, "bad-name", "d", 4);   // dropped and counted
  sample_record(w, "other_total", kInlineLabelName, "queue", "e", 5);  // not of this family
  sample_record(w, "jobs_total", queue, "", "\xff"sv, 6);              // not UTF-8
  sample_record(w, "jobs_total", bad_name, "", "f", 7);  // the invalid name again: dropped
  sample_record(w, "jobs_total", kInlineLabelName, "queue", "g", 8);  // inline: checked, kept
  const std::string frame = w.finish();

  pe::MetricSet replayed;
  pe_sink sink(replayed, 100);
  ReplayedLabelNames names;
  ASSERT_TRUE(replay_frame(frame, sink, names));
  EXPECT_EQ(names.size(), 2u);
  EXPECT_EQ(sink.invalid_samples, 4u);
  ASSERT_EQ(replayed.samples.size(), 4u);
  EXPECT_EQ(replayed.samples[0].name, "jobs_total");
  const auto value_of = [&](std::size_t i) {
    return replayed.labels[replayed.samples[i].label_begin].value;
  };
  EXPECT_EQ(value_of(0), "a");
  EXPECT_EQ(value_of(1), "b");
  EXPECT_EQ(value_of(2), "c");
  EXPECT_EQ(value_of(3), "g");
  EXPECT_FALSE(replayed.samples[1].has_timestamp);
  EXPECT_TRUE(replayed.samples[2].has_timestamp);
  EXPECT_EQ(replayed.samples[2].timestamp_ms, 1700000000000);

  // The same samples from an in-process plugin, through pe_sample: the
  // same set and the same drops.
  pe::MetricSet direct;
  pe_sink in_process(direct, 100);
  ASSERT_EQ(in_process.family(jobs), PE_OK);
  const struct {
    const char* name;
    const char* label;
    const char* value;
  } rows[] = {{nullptr, "queue", "a"},         {"jobs_total", "queue", "b"},
              {"jobs_total", "queue", "c"},    {"jobs_total", "bad-name", "d"},
              {"other_total", "queue", "e"},   {"jobs_total", "queue", "\xff"},
              {"jobs_total", "bad-name", "f"}, {"jobs_total", "queue", "g"}};
  double v = 1;
  for (const auto& row : rows) {
    const pe_label l{row.label, row.value};
    pe_sample s{};
    s.struct_size = sizeof s;
    s.name = row.name;
    s.labels = &l;
    s.label_count = 1;
    s.value = v;
    s.timestamp_ms = 1700000000000;
    s.has_timestamp = v == 3 ? 1 : 0;
    in_process.sample(s);
    ++v;
  }
  EXPECT_EQ(in_process.invalid_samples, sink.invalid_samples);
  EXPECT_EQ(in_process.first_invalid_reason, sink.first_invalid_reason);
  ASSERT_EQ(direct.samples.size(), replayed.samples.size());
  for (std::size_t i = 0; i < direct.samples.size(); ++i) {
    EXPECT_EQ(direct.samples[i].name, replayed.samples[i].name);
    EXPECT_EQ(direct.samples[i].value, replayed.samples[i].value);
    EXPECT_EQ(direct.labels[direct.samples[i].label_begin].value, value_of(i));
  }
}

TEST(ReplayCollectBatch, AMalformedRecordStopsTheReplay) {
  const pe_family up = up_gauge();
  HandPart w(up);
  sample_record(w, nullptr, kNewLabelName, "a", "1", 1);
  sample_record(w, nullptr, kFirstLabelNameIndex + 1, "", "2", 2);  // a code past the table
  const std::string frame = w.finish();
  pe::MetricSet set;
  pe_sink sink(set, 100);
  ReplayedLabelNames names;
  EXPECT_FALSE(replay_frame(frame, sink, names));
  EXPECT_EQ(set.samples.size(), 1u);  // the records before it were replayed
}

// A part whose strings are valid UTF-8 as a whole: values are kept from
// the sink's one copy of the block (the part may go), and a value that a
// hostile child cut inside a character is still checked alone — the same
// drops and reason as the same samples in process.
TEST(ReplayCollectBatch, ValuesOfAValidBlockAreKeptOnceAndCutCharactersChecked) {
  using namespace std::string_view_literals;
  const pe_family up = up_gauge();
  const std::string_view values[] = {"caf\xc3\xa9"sv, "\xc3"sv, "\xa9"sv, ""sv, "ok"sv};
  HandPart w(up);
  double v = 1;
  for (const std::string_view value : values) {
    sample_record(w, nullptr, v == 1 ? kNewLabelName : kFirstLabelNameIndex, "site", value, v * 2);
    ++v;
  }
  std::string frame = w.finish();
  ASSERT_NE(frame.find("caf\xc3\xa9\xc3\xa9ok"), std::string::npos);  // one block

  pe::MetricSet replayed;
  pe_sink sink(replayed, 100);
  ReplayedLabelNames names;
  ASSERT_TRUE(replay_frame(frame, sink, names));
  frame.assign(frame.size(), 'x');  // the part is gone: the values must not point into it

  pe::MetricSet direct;
  pe_sink in_process(direct, 100);
  ASSERT_EQ(in_process.family(up), PE_OK);
  v = 1;
  for (const std::string_view value : values) {
    const std::string text(value);
    const pe_label l{"site", text.c_str()};
    pe_sample s{};
    s.struct_size = sizeof s;
    s.labels = &l;
    s.label_count = 1;
    s.value = v++ * 2;
    in_process.sample(s);
  }
  EXPECT_EQ(sink.invalid_samples, 2u);
  EXPECT_EQ(in_process.invalid_samples, sink.invalid_samples);
  EXPECT_EQ(in_process.first_invalid_reason, sink.first_invalid_reason);
  ASSERT_EQ(replayed.samples.size(), 3u);
  ASSERT_EQ(direct.samples.size(), replayed.samples.size());
  for (std::size_t i = 0; i < direct.samples.size(); ++i) {
    EXPECT_EQ(direct.samples[i].value, replayed.samples[i].value);
    EXPECT_EQ(direct.labels[direct.samples[i].label_begin].value,
              replayed.labels[replayed.samples[i].label_begin].value);
  }
  EXPECT_EQ(replayed.labels[replayed.samples[0].label_begin].value, "caf\xc3\xa9");
}

// A value longer than what is left of the strings is malformed.
TEST(ReplayCollectBatch, AValueBeyondTheStringsIsMalformed) {
  const pe_family up = up_gauge();
  HandPart w(up);
  sample_record(w, nullptr, kNewLabelName, "a", "1", 1);
  std::string frame = w.finish();
  frame.pop_back();  // the value's byte
  frame[0] = static_cast<char>(frame[0] - 1);
  pe::MetricSet set;
  pe_sink sink(set, 100);
  ReplayedLabelNames names;
  EXPECT_FALSE(replay_frame(frame, sink, names));
  EXPECT_TRUE(set.samples.empty());
}

TEST(RunnerProtocol, VarintsAndCompactBytesRoundTrip) {
  FrameWriter w(FrameType::collect_part);
  for (uint32_t v : {0u, 127u, 128u, 16383u, 16384u, 0xffffffffu}) w.varint(v);
  w.vbytes(std::string("a\0b", 3));
  w.vbytes("");
  const std::string frame(w.finish());
  FrameReader r(frame.data() + 5, frame.size() - 5);
  for (uint32_t v : {0u, 127u, 128u, 16383u, 16384u, 0xffffffffu}) EXPECT_EQ(r.varint(), v);
  EXPECT_EQ(r.vbytes(), std::string_view("a\0b", 3));
  const std::string_view empty = r.vbytes();
  EXPECT_TRUE(empty.empty());
  EXPECT_NE(empty.data(), nullptr);  // present, even empty
  EXPECT_FALSE(r.failed());
  EXPECT_TRUE(r.at_end());

  // More than 32 bits, and a sixth byte, fail.
  for (const std::string& bad :
       {std::string("\xff\xff\xff\xff\x1f", 5), std::string("\x80\x80\x80\x80\x80\x00", 6)}) {
    FrameReader rb(bad.data(), bad.size());
    EXPECT_EQ(rb.varint(), 0u);
    EXPECT_TRUE(rb.failed());
  }
}

TEST(RunnerProtocol, LabelNamesGoOncePerCollectThenAsCodes) {
  LabelNameCodes codes;
  FrameWriter w(FrameType::collect_part);
  codes.write(w, 0, "job");       // new: entry 0
  codes.write(w, 1, "instance");  // new: entry 1
  codes.write(w, 0, "job");       // same place as last time
  codes.write(w, 0, "instance");  // another place: looked up
  const std::string frame(w.finish());
  FrameReader r(frame.data() + 5, frame.size() - 5);
  EXPECT_EQ(r.varint(), kNewLabelName);
  EXPECT_EQ(r.vbytes(), "job");
  EXPECT_EQ(r.varint(), kNewLabelName);
  EXPECT_EQ(r.vbytes(), "instance");
  EXPECT_EQ(r.varint(), kFirstLabelNameIndex);
  EXPECT_EQ(r.varint(), kFirstLabelNameIndex + 1);
  EXPECT_TRUE(r.at_end());

  // Past kMaxLabelNameCodes names, the rest go inline every time.
  LabelNameCodes many;
  FrameWriter m(FrameType::collect_part);
  for (uint32_t i = 0; i <= kMaxLabelNameCodes; ++i) many.write(m, 0, "l" + std::to_string(i));
  many.write(m, 0, "l" + std::to_string(kMaxLabelNameCodes));
  const std::string mf(m.finish());
  FrameReader rm(mf.data() + 5, mf.size() - 5);
  for (uint32_t i = 0; i < kMaxLabelNameCodes; ++i) {
    EXPECT_EQ(rm.varint(), kNewLabelName);
    rm.vbytes();
  }
  for (int twice = 0; twice < 2; ++twice) {
    EXPECT_EQ(rm.varint(), kInlineLabelName);
    EXPECT_EQ(rm.vbytes(), "l" + std::to_string(kMaxLabelNameCodes));
  }
  EXPECT_TRUE(rm.at_end());
}

TEST(RunnerProtocol, EveryTruncationFailsCleanly) {
  FrameWriter w(FrameType::log);
  w.i32(2);
  w.str("a log line");
  w.opt_str("x");
  w.u64(1);
  const std::string frame(w.finish());
  const std::string payload = frame.substr(5);
  for (std::size_t cut = 0; cut < payload.size(); ++cut) {
    FrameReader r(payload.data(), cut);
    r.i32();
    r.str();
    r.opt_str();
    r.u64();
    EXPECT_TRUE(r.failed()) << "cut at " << cut;
    EXPECT_EQ(r.u32(), 0u);  // zeros after a failure
  }
}

TEST(RunnerProtocol, LyingLengthsAndCountsAreRefused) {
  FrameWriter w(FrameType::log);
  w.u32(1000);  // a string "of 1000 bytes" with 3 following
  const std::string frame = std::string(w.finish()) + "abc";
  FrameReader r(frame.data() + 5, frame.size() - 5);
  EXPECT_EQ(r.str(), "");
  EXPECT_TRUE(r.failed());

  FrameWriter c(FrameType::collect);
  c.u32(kMaxLabels + 1);
  const std::string cf(c.finish());
  FrameReader rc(cf.data() + 5, cf.size() - 5);
  EXPECT_EQ(rc.count(kMaxLabels, 2), 0u);
  EXPECT_TRUE(rc.failed());

  FrameWriter m(FrameType::collect);
  m.u32(100);  // 100 items of >= 10 bytes, but none follow
  const std::string mf(m.finish());
  FrameReader rm(mf.data() + 5, mf.size() - 5);
  EXPECT_EQ(rm.count(kMaxLabels, 10), 0u);
  EXPECT_TRUE(rm.failed());

  // A string must be followed by its NUL.
  std::string no_nul("\x02\x00\x00\x00okX", 7);
  FrameReader rn(no_nul.data(), no_nul.size());
  rn.str();
  EXPECT_TRUE(rn.failed());
  // A presence byte is 0 or 1.
  std::string bad_presence("\x02", 1);
  FrameReader rp(bad_presence.data(), bad_presence.size());
  EXPECT_EQ(rp.opt_str(), nullptr);
  EXPECT_TRUE(rp.failed());
}

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0); }
  ~SocketPair() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
};

TEST(RunnerProtocol, FramesTravelOverASocket) {
  SocketPair sp;
  FrameWriter w(FrameType::hello);
  w.str("hello");
  const std::string f(w.finish());
  ASSERT_TRUE(write_all(sp.fd[0], f.data(), f.size()));
  ASSERT_TRUE(write_all(sp.fd[0], f.data(), f.size()));
  FrameStream in(sp.fd[1]);
  for (int i = 0; i < 2; ++i) {
    FrameType type{};
    std::string_view payload;
    std::string error;
    ASSERT_TRUE(in.next(type, payload, error)) << error;
    EXPECT_EQ(type, FrameType::hello);
    FrameReader r(payload.data(), payload.size());
    EXPECT_EQ(r.str(), "hello");
    EXPECT_EQ(in.buffered(), i == 0 ? f.size() : 0u);  // one read took both frames
  }
  close(sp.fd[0]);
  sp.fd[0] = -1;
  FrameType type{};
  std::string_view payload;
  std::string error;
  EXPECT_FALSE(in.next(type, payload, error));
  EXPECT_EQ(error, "");  // a clean EOF between frames
}

// Frames cut anywhere by the writer (a byte at a time from another thread)
// and frames far larger than the stream's first buffer arrive whole; two
// frames written by one writev arrive as two.
TEST(RunnerProtocol, FramesCutAnywhereOrLargeArriveWhole) {
  SocketPair sp;
  FrameWriter small(FrameType::log);
  small.i32(2);
  small.str("a log line");
  FrameWriter big(FrameType::collect_part);
  big.u64(7);
  const std::string blob(3u << 20, 'x');  // beyond the first buffer and one growth step
  big.str(blob);
  FrameWriter done(FrameType::collect_done);
  done.u64(7);
  done.i32(0);
  const std::string s(small.finish());
  std::thread writer([&] {
    for (char c : s) EXPECT_TRUE(write_all(sp.fd[0], &c, 1));
    EXPECT_TRUE(write_all(sp.fd[0], big.finish(), done.finish()));
    close(sp.fd[0]);
  });
  FrameStream in(sp.fd[1]);
  FrameType type{};
  std::string_view payload;
  std::string error;
  ASSERT_TRUE(in.next(type, payload, error)) << error;
  EXPECT_EQ(type, FrameType::log);
  EXPECT_EQ(payload, std::string_view(s).substr(5));
  ASSERT_TRUE(in.next(type, payload, error)) << error;
  EXPECT_EQ(type, FrameType::collect_part);
  FrameReader r(payload.data(), payload.size());
  EXPECT_EQ(r.u64(), 7u);
  EXPECT_EQ(r.str(), blob);
  EXPECT_TRUE(r.at_end());
  ASSERT_TRUE(in.next(type, payload, error)) << error;
  EXPECT_EQ(type, FrameType::collect_done);
  EXPECT_FALSE(in.next(type, payload, error));
  EXPECT_EQ(error, "");
  writer.join();
  sp.fd[0] = -1;
}

TEST(RunnerProtocol, OversizedZeroAndCutFramesAreErrors) {
  for (uint32_t len : {0u, kMaxFrameBytes + 1, 0xffffffffu}) {
    SocketPair sp;
    unsigned char head[4] = {static_cast<unsigned char>(len), static_cast<unsigned char>(len >> 8),
                             static_cast<unsigned char>(len >> 16),
                             static_cast<unsigned char>(len >> 24)};
    ASSERT_TRUE(write_all(sp.fd[0], reinterpret_cast<char*>(head), 4));
    FrameStream in(sp.fd[1]);
    FrameType type{};
    std::string_view payload;
    std::string error;
    EXPECT_FALSE(in.next(type, payload, error));
    EXPECT_NE(error.find("out of bounds"), std::string::npos) << error;
  }
  // A plausible length, then the peer goes away: no hang, an error.
  for (std::string cut : {std::string("\x64\x00\x00\x00\x09x", 6), std::string("\x64\x00", 2)}) {
    SocketPair sp;
    ASSERT_TRUE(write_all(sp.fd[0], cut.data(), cut.size()));
    close(sp.fd[0]);
    sp.fd[0] = -1;
    FrameStream in(sp.fd[1]);
    FrameType type{};
    std::string_view payload;
    std::string error;
    EXPECT_FALSE(in.next(type, payload, error));
    EXPECT_EQ(error, cut.size() > 4 ? "connection closed inside a frame"
                                    : "connection closed inside a frame header");
  }
}

TEST(RestartPolicy, FirstDeathRestartsAtOnceThenBackoffDoublesToFiveMinutes) {
  RestartPolicy p;
  int64_t now = 1000 * kSec;
  p.started(now);
  p.succeeded();
  std::vector<int64_t> delays;
  for (int i = 0; i < 12; ++i) {
    now += 60 * kSec;  // dies a minute after each start: never healthy for 10 min
    p.died(now);
    delays.push_back(p.last_delay_ns() / kSec);
    EXPECT_EQ(p.restart_at_ns(), now + p.last_delay_ns());
    now = p.restart_at_ns();
    p.started(now);
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}));
}

TEST(RestartPolicy, TenHealthyMinutesResetTheBackoff) {
  RestartPolicy p;
  int64_t now = 0;
  p.started(now);
  p.succeeded();
  p.died(now += 700 * kSec);
  p.started(now);
  p.died(now += kSec);
  EXPECT_EQ(p.last_delay_ns(), kSec);
  p.started(now += kSec);
  p.died(now += 600 * kSec);  // ran 10 min
  EXPECT_EQ(p.last_delay_ns(), 0);
  EXPECT_FALSE(p.quarantined());
}

TEST(RestartPolicy, FiveDeathsInTenMinutesQuarantine) {
  RestartPolicy p;
  int64_t now = 0;
  p.started(now);
  p.succeeded();
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(p.died(now += 100 * kSec)) << i;
    p.started(now);
  }
  EXPECT_TRUE(p.died(now += 100 * kSec));
  EXPECT_TRUE(p.quarantined());
}

TEST(RestartPolicy, DeathsSpreadBeyondTheWindowDoNotQuarantine) {
  RestartPolicy p;
  int64_t now = 0;
  p.started(now);
  p.succeeded();
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(p.died(now += 200 * kSec)) << i;  // at most 3 within any 10 min
    p.started(now);
  }
  EXPECT_LE(p.deaths_in_window(), 3u);
}

TEST(RestartPolicy, TwoDeathsBeforeTheFirstSuccessQuarantine) {
  RestartPolicy p;
  p.started(0);
  EXPECT_FALSE(p.died(kSec));
  EXPECT_EQ(p.last_delay_ns(), 0);  // the first restart is immediate
  p.started(kSec);
  EXPECT_TRUE(p.died(2 * kSec));
}

TEST(RestartPolicy, ASuccessBetweenDeathsAvoidsTheEarlyQuarantine) {
  RestartPolicy p;
  p.started(0);
  EXPECT_FALSE(p.died(kSec));
  p.started(kSec);
  p.succeeded();
  EXPECT_FALSE(p.died(2 * kSec));
}

}  // namespace
}  // namespace pe::host::isolation
