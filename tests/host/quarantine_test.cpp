// quarantine_test.cpp — the persisted quarantine (collect/quarantine.hpp):
// kept across instances (a restart), cleared by a changed or removed
// collector, exported as a 0/1 metric, and a missing, unreadable or corrupt
// file handled with a clear log line instead of a failure.
#include "collect/quarantine.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/logging.hpp"
#include "config/config_loader.hpp"
#include "plugin_exporter/exposition/text_writer.hpp"

using namespace pe::host;
namespace fs = std::filesystem;

namespace {

// The host's log on stderr, as the exporter sets it up (captured by the tests).
class QuarantineFile : public testing::Test {
 protected:
  void SetUp() override { setup_logging(LogLevel::info, LogFormat::logfmt); }
};

// A fresh directory per test, under the test's working directory.
std::string fresh_dir(const std::string& name) {
  fs::path dir = fs::current_path() / "quarantine_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

ExporterConfig load(const std::string& greeting_a, bool with_b = true) {
  std::string text =
      "[[collector]]\nname = \"a\"\nplugin = \"hello\"\n[collector.config]\n"
      "greeting = \"" +
      greeting_a + "\"\n";
  if (with_b) text += "[[collector]]\nname = \"b\"\nplugin = \"hello\"\nlabels = { x = \"b\" }\n";
  LoadResult r = load_config_text(text, "t.toml", ConfigOverrides{{}, PE_PLUGIN_DIR});
  EXPECT_TRUE(r.errors.empty());
  return std::move(*r.config);
}

QuarantineEntry entry_for(const ExporterConfig& config, const std::string& name) {
  for (const auto& c : config.collectors)
    if (c.name == name)
      return {c.name, "hello", collector_fingerprint_id(c), 1764982800123, "collect", "SIGSEGV"};
  ADD_FAILURE() << "no collector " << name;
  return {};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_F(QuarantineFile, MissingFileIsEmptyAndSaysNothing) {
  const std::string dir = fresh_dir("missing");
  testing::internal::CaptureStderr();
  Quarantine q(dir);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(q.entries().empty());
  EXPECT_EQ(log, "");
  EXPECT_FALSE(fs::exists(dir + "/quarantine"));
}

TEST_F(QuarantineFile, EntriesSurviveARestartWithEveryField) {
  const std::string dir = fresh_dir("restart");
  const ExporterConfig config = load("hi");
  {
    Quarantine q(dir);
    q.add(entry_for(config, "a"));
    q.add(entry_for(config, "a"));  // replaces, never duplicates
  }
  Quarantine again(dir);
  ASSERT_EQ(again.entries().size(), 1u);
  const QuarantineEntry e = again.entries()[0];
  EXPECT_EQ(e.collector, "a");
  EXPECT_EQ(e.plugin, "hello");
  EXPECT_EQ(e.fingerprint, entry_for(config, "a").fingerprint);
  EXPECT_EQ(e.unix_ms, 1764982800123);
  EXPECT_EQ(e.entry, "collect");
  EXPECT_EQ(e.signal, "SIGSEGV");
  EXPECT_EQ(quarantine_reason(e),
            "crashed the exporter in collect with SIGSEGV at 2025-12-06T01:00:00Z");
  ASSERT_EQ(again.matching(config).size(), 1u);
}

TEST_F(QuarantineFile, CorruptLinesAreLoggedAndSkippedValidOnesKept) {
  const std::string dir = fresh_dir("corrupt");
  const ExporterConfig config = load("hi");
  {
    Quarantine q(dir);
    q.add(entry_for(config, "b"));
  }
  const std::string valid = read_file(dir + "/quarantine");
  {
    std::ofstream out(dir + "/quarantine", std::ios::trunc | std::ios::binary);
    out << "garbage without tabs\n"
        << "a\thello\tffff\tnot-a-number\tcollect\tSIGSEGV\n"
        << std::string("\0\x01\xff\t\t", 5) << "\n"
        << valid;
  }
  testing::internal::CaptureStderr();
  Quarantine q(dir);
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_EQ(q.entries().size(), 1u);
  EXPECT_EQ(q.entries()[0].collector, "b");
  EXPECT_NE(log.find("quarantine file: malformed line ignored"), std::string::npos) << log;
  for (const char* line : {"line=1", "line=2", "line=3"})
    EXPECT_NE(log.find(line), std::string::npos) << line << " in " << log;
  EXPECT_EQ(log.find("line=4"), std::string::npos) << log;
}

TEST_F(QuarantineFile, UnreadableFileIsLoggedAndEmpty) {
  const std::string dir = fresh_dir("unreadable");
  fs::create_directories(dir + "/quarantine");  // a directory where the file should be
  testing::internal::CaptureStderr();
  Quarantine q(dir);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(q.entries().empty());
  EXPECT_NE(log.find("cannot read the quarantine file"), std::string::npos) << log;
  // Saving fails too, logged; the entry still holds for this process.
  testing::internal::CaptureStderr();
  q.add(entry_for(load("hi"), "a"));
  const std::string save_log = testing::internal::GetCapturedStderr();
  EXPECT_NE(save_log.find("cannot replace the quarantine file"), std::string::npos) << save_log;
  EXPECT_EQ(q.entries().size(), 1u);
}

TEST_F(QuarantineFile, ApplyClearsChangedAndRemovedCollectorsOnly) {
  const std::string dir = fresh_dir("apply");
  const ExporterConfig before = load("hi");
  Quarantine q(dir);
  q.add(entry_for(before, "a"));
  q.add(entry_for(before, "b"));
  EXPECT_EQ(q.matching(before).size(), 2u);
  q.apply(before);
  EXPECT_EQ(q.entries().size(), 2u);

  const ExporterConfig changed_a = load("hello again");
  ASSERT_EQ(q.matching(changed_a).size(), 1u);
  EXPECT_EQ(q.matching(changed_a)[0].collector, "b");
  EXPECT_EQ(q.entries().size(), 2u);  // matching changes nothing
  testing::internal::CaptureStderr();
  q.apply(changed_a);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("quarantine cleared: the collector's configuration changed"),
            std::string::npos)
      << log;
  ASSERT_EQ(Quarantine(dir).entries().size(), 1u);  // saved

  testing::internal::CaptureStderr();
  q.apply(load("hello again", /*with_b=*/false));
  log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("quarantine cleared: the collector is no longer configured"),
            std::string::npos)
      << log;
  EXPECT_TRUE(q.entries().empty());
  EXPECT_EQ(read_file(dir + "/quarantine"), "");
}

TEST_F(QuarantineFile, ClearOneOrAll) {
  const std::string dir = fresh_dir("clear");
  const ExporterConfig config = load("hi");
  Quarantine q(dir);
  q.add(entry_for(config, "a"));
  q.add(entry_for(config, "b"));
  EXPECT_FALSE(q.clear("nope"));
  EXPECT_TRUE(q.clear("a"));
  EXPECT_EQ(Quarantine(dir).entries().size(), 1u);
  EXPECT_EQ(q.clear_all(), std::vector<std::string>{"b"});
  EXPECT_TRUE(Quarantine(dir).entries().empty());
  EXPECT_TRUE(q.clear_all().empty());
}

TEST_F(QuarantineFile, MetricIsOneForQuarantinedZeroForOthers) {
  Quarantine q("");  // no state directory: memory only
  const ExporterConfig config = load("hi");
  q.add(entry_for(config, "a"));
  pe::MetricSet empty;
  q.export_to(empty);
  EXPECT_TRUE(empty.empty());  // nothing listed yet
  q.set_listed({{"a", "hello"}, {"b", "hello"}});
  pe::MetricSet set;
  q.export_to(set);
  const std::string text = pe::write_exposition(set, pe::ExpositionFormat::text);
  EXPECT_NE(text.find("# TYPE plugin_exporter_collector_quarantined gauge\n"), std::string::npos);
  EXPECT_NE(
      text.find("plugin_exporter_collector_quarantined{collector=\"a\",plugin=\"hello\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("plugin_exporter_collector_quarantined{collector=\"b\",plugin=\"hello\"} 0\n"),
      std::string::npos)
      << text;
}

TEST_F(QuarantineFile, DemotionsAreKeptAndOldLinesAreQuarantines) {
  const std::string dir = fresh_dir("demoted");
  const ExporterConfig config = load("hi");
  QuarantineEntry demoted = entry_for(config, "a");
  demoted.demoted = true;
  {
    Quarantine q(dir);
    q.add(demoted);
    q.add(entry_for(config, "b"));
  }
  // A demotion ends in "isolate"; a quarantine has the six fields it always had.
  const std::string file = read_file(dir + "/quarantine");
  EXPECT_NE(file.find("\tSIGSEGV\tisolate\nb\thello\t"), std::string::npos) << file;
  EXPECT_EQ(file.substr(file.size() - 9), "\tSIGSEGV\n") << file;
  const auto [quarantined, demotions] = split_demoted(Quarantine(dir).matching(config));
  ASSERT_EQ(quarantined.size(), 1u);
  ASSERT_EQ(demotions.size(), 1u);
  EXPECT_EQ(quarantined[0].collector, "b");
  EXPECT_EQ(demotions[0].collector, "a");
  EXPECT_EQ(demotion_reason(demotions[0]),
            "crashed the exporter in collect with SIGSEGV at 2025-12-06T01:00:00Z; demoted to "
            "isolation = \"process\" (on_crash = \"isolate\")");

  // A file written before demotions existed (six fields) holds quarantines;
  // a seventh field that is neither action is a malformed line.
  const std::string fp = entry_for(config, "a").fingerprint;
  {
    std::ofstream out(dir + "/quarantine", std::ios::trunc);
    out << "a\thello\t" << fp << "\t1\tcollect\tSIGSEGV\n"
        << "b\thello\t" << fp << "\t1\tcollect\tSIGSEGV\tsideways\n";
  }
  testing::internal::CaptureStderr();
  Quarantine old(dir);
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_EQ(old.entries().size(), 1u);
  EXPECT_FALSE(old.entries()[0].demoted);
  EXPECT_NE(log.find("line=2"), std::string::npos) << log;

  // A changed collector ends its demotion, and the log says which it was.
  Quarantine q(fresh_dir("demotion-ends"));
  q.add(demoted);
  testing::internal::CaptureStderr();
  q.apply(load("hello again"));
  const std::string ended = testing::internal::GetCapturedStderr();
  EXPECT_NE(
      ended.find("demotion to process isolation ended: the collector's configuration changed"),
      std::string::npos)
      << ended;
  EXPECT_TRUE(q.entries().empty());
}

TEST_F(QuarantineFile, DemotedMetricIsOneForDemotedOnly) {
  Quarantine q("");
  const ExporterConfig config = load("hi");
  QuarantineEntry demoted = entry_for(config, "a");
  demoted.demoted = true;
  q.add(demoted);
  q.set_listed({{"a", "hello"}, {"b", "hello"}});
  pe::MetricSet set;
  q.export_to(set);
  const std::string text = pe::write_exposition(set, pe::ExpositionFormat::text);
  for (const char* line :
       {"plugin_exporter_collector_demoted{collector=\"a\",plugin=\"hello\"} 1\n",
        "plugin_exporter_collector_demoted{collector=\"b\",plugin=\"hello\"} 0\n",
        "plugin_exporter_collector_quarantined{collector=\"a\",plugin=\"hello\"} 0\n",
        "# TYPE plugin_exporter_collector_demoted gauge\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
}
