// script_collector_test.cpp — the script plugin (script.so) driven through
// the real host library with real programs: metrics, figures and counters;
// garbage; non-zero exits; timeouts that take the children along; the output
// limit; the exact environment; parameters (400s, nothing run, unknown ones
// ignored and counted); coalescing by validated parameters; concurrent runs
// for different parameters; the process-wide cap; cached and background
// modes; running as nobody; configuration errors located in the file.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "collect/collector_factory.hpp"
#include "collect/scrape_orchestrator.hpp"
#include "collect/self_metrics.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_loader.hpp"
#include "in_process_host.hpp"
#include "plugin/host_api.hpp"
#include "script_test_support.hpp"

using namespace pe::host;
using namespace script_test;
using namespace std::chrono_literals;

namespace {

using ScriptHost = pe::test::InProcessHost;

// Errors create_collectors reports for one script collector's config table.
std::vector<std::string> config_errors(const std::string& config_table) {
  return pe::test::config_errors(
      "[[collector]]\nname = \"s\"\nplugin = \"script\"\n[collector.config]\n" + config_table);
}

std::string collector(const std::string& name, const std::string& config,
                      const std::string& timeout = "10s") {
  return "[[collector]]\nname = \"" + name + "\"\nplugin = \"script\"\ntimeout = \"" + timeout +
         "\"\n[collector.config]\n" + config + "\n";
}

std::string command(std::initializer_list<std::string> argv) {
  std::string out = "command = [";
  for (const auto& a : argv) out += (out.back() == '[' ? "" : ", ") + ("'" + a + "'");
  return out + "]\n";
}

double sample(const CollectOutcome& o, std::string_view name,
              std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {}) {
  if (!o.metrics) return NAN;
  for (const pe::Sample& s : o.metrics->samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : labels) {
      bool found = false;
      for (const pe::Label& l : o.metrics->labels_of(s)) found |= l.name == k && l.value == v;
      all &= found;
    }
    if (all) return s.value;
  }
  return NAN;
}

double stat(const CollectOutcome& o, const std::string& name) {
  for (const auto& s : o.stats)
    if (s.name == name) return s.value;
  return NAN;
}

std::set<std::string> label_values(const CollectOutcome& o, std::string_view name,
                                   std::string_view label) {
  std::set<std::string> out;
  if (!o.metrics) return out;
  for (const pe::Sample& s : o.metrics->samples)
    if (s.name == name)
      for (const pe::Label& l : o.metrics->labels_of(s))
        if (l.name == label) out.insert(std::string(l.value));
  return out;
}

// The counted_run.sh collector: one line per run in dir/runs, held open
// until dir/release exists (or max_wait tenths of a second).
std::string counted(const TempDir& dir, const std::string& extra = "", int max_wait = 100) {
  return command({program("counted_run.sh")}) + "environment = { RUNS_FILE = '" + dir.file("runs") +
         "', RELEASE_FILE = '" + dir.file("release") + "', MAX_WAIT = '" +
         std::to_string(max_wait) + "' }\n" + extra;
}

void release(const TempDir& dir) {
  std::ofstream(dir.file("release")) << "go\n";
}

}  // namespace

TEST(ScriptCollector, ServesTheProgramsMetricsWithFiguresAndCounters) {
  ScriptHost host(collector("m", command({program("metrics.sh")})));
  CollectOutcome o = host.scrape_one("m");
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(sample(o, "script_test_queue_length", {{"queue", "mail"}}), 42);
  EXPECT_EQ(sample(o, "script_test_jobs_total"), 1027);
  EXPECT_EQ(stat(o, "exit_code"), 0);
  EXPECT_EQ(stat(o, "cached"), 0);
  EXPECT_GT(stat(o, "output_bytes"), 100);
  EXPECT_EQ(sample(o, "plugin_exporter_script_runs_total", {{"collector", "m"}, {"result", "ok"}}),
            1);
  EXPECT_EQ(sample(o, "plugin_exporter_script_runs_total", {{"result", "timeout"}}), 0);
  o = host.scrape_one("m");
  EXPECT_EQ(sample(o, "plugin_exporter_script_runs_total", {{"result", "ok"}}), 2);
}

TEST(ScriptCollector, GarbageFailsAtItsPositionUnlessInvalidLinesAreSkipped) {
  ScriptHost host(
      collector("strict", command({program("garbage.sh")})) +
      collector("lenient", command({program("garbage.sh")}) + "skip_invalid_lines = true\n"));
  CollectOutcome strict = host.scrape_one("strict");
  EXPECT_EQ(strict.status, CollectStatus::error);
  EXPECT_NE(strict.reason.find("2:"), std::string::npos) << strict.reason;  // line 2
  EXPECT_EQ(stat(strict, "exit_code"), 0);
  CollectOutcome lenient = host.scrape_one("lenient");
  ASSERT_EQ(lenient.status, CollectStatus::ok) << lenient.reason;
  EXPECT_EQ(sample(lenient, "script_test_before_garbage"), 1);
  EXPECT_EQ(sample(lenient, "script_test_after_garbage"), 2);
  EXPECT_EQ(lenient.invalid_samples, 1u);
}

TEST(ScriptCollector, NonZeroExitFailsWithItsCodeAndDiscardsTheOutput) {
  ScriptHost host(
      collector("fail", command({program("exit3.sh")})) +
      collector("keep", command({program("exit3.sh")}) + "keep_output_on_error = true\n"));
  CollectOutcome o = host.scrape_one("fail");
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_EQ(o.reason, "program exited with code 3; its output (22 bytes) was discarded");
  EXPECT_EQ(stat(o, "exit_code"), 3);
  EXPECT_EQ(o.metrics, nullptr);
  // The reason never carries stderr (it becomes a label on /metrics).
  EXPECT_EQ(o.reason.find("queue server"), std::string::npos);
  CollectOutcome kept = host.scrape_one("keep");
  ASSERT_EQ(kept.status, CollectStatus::ok) << kept.reason;
  EXPECT_EQ(sample(kept, "script_test_partial"), 1);
  EXPECT_EQ(stat(kept, "exit_code"), 3);
  EXPECT_EQ(sample(kept, "plugin_exporter_script_runs_total", {{"result", "exit_error"}}), 1);
}

TEST(ScriptCollector, TimeoutTerminatesTheProgramAndItsChild) {
  TempDir dir;
  ScriptHost host(collector("slow", command({program("sleeper_with_child.sh"), dir.file("pids")}) +
                                        "timeout = \"700ms\"\nkill_grace = \"300ms\"\n"));
  CollectOutcome o = host.scrape_one("slow");
  EXPECT_EQ(o.status, CollectStatus::timeout);
  EXPECT_NE(o.reason.find("program did not finish within 0.700s"), std::string::npos) << o.reason;
  EXPECT_EQ(stat(o, "exit_code"), -1);
  std::istringstream pids(read_file(dir.file("pids")));
  pid_t shell = 0, child = 0;
  pids >> shell >> child;
  ASSERT_GT(child, 0);
  EXPECT_TRUE(process_gone(shell));
  EXPECT_TRUE(process_gone(child));
}

TEST(ScriptCollector, TheScrapeDeadlineLimitsTheRunAndIsPassedOn) {
  TempDir dir;
  // The host's collector timeout (1s) is shorter than the plugin's (10s).
  ScriptHost host(collector(
      "deadline",
      "command = ['/bin/sh', '-c', 'echo \"script_test_timeout_seconds $" +
          std::string("PLUGIN_EXPORTER_TIMEOUT_SECONDS\"; echo \"script_test_deadline $") +
          "PLUGIN_EXPORTER_DEADLINE\"']\nkill_grace = '200ms'\n",
      "1s"));
  CollectOutcome o = host.scrape_one("deadline");
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  double timeout = sample(o, "script_test_timeout_seconds");
  EXPECT_GT(timeout, 0.5);
  EXPECT_LE(timeout, 0.8);  // 1s minus the 200ms grace
  double now = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count()) /
               1000.0;
  EXPECT_NEAR(sample(o, "script_test_deadline"), now, 5.0);
}

TEST(ScriptCollector, OutputBeyondTheLimitFailsAndStopsTheProgram) {
  ScriptHost host(
      collector("flood", command({program("flood.sh")}) + "max_output_bytes = 1048576\n", "30s"));
  CollectOutcome o = host.scrape_one("flood");
  EXPECT_EQ(o.status, CollectStatus::error);
  EXPECT_NE(o.reason.find("more than max_output_bytes = 1048576 bytes"), std::string::npos)
      << o.reason;
  EXPECT_LT(stat(o, "output_bytes"), 10 << 20);
}

TEST(ScriptCollector, TheProgramSeesOnlyTheAllowedEnvironment) {
  ::setenv("PE_SCRIPT_TEST_INHERITED", "yes", 1);
  ::setenv("PE_SCRIPT_TEST_NOT_ASKED", "no", 1);
  ScriptHost host(collector("env", command({program("env_metrics.py")}) +
                                       "environment = { LANG = 'C.UTF-8' }\n"
                                       "inherit_environment = ['PE_SCRIPT_TEST_INHERITED']\n"
                                       "[[collector.config.parameter]]\nname = 'target'\n"
                                       "regex = '[a-z]+'\nenv = 'TARGET'\n"));
  CollectOutcome o = host.scrape_one(
      "env", {{"target", "abc"}, {"PATH", "/tmp"}, {"LD_PRELOAD", "/tmp/x.so"}, {"HOME", "/root"}});
  ::unsetenv("PE_SCRIPT_TEST_INHERITED");
  ::unsetenv("PE_SCRIPT_TEST_NOT_ASKED");
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(label_values(o, "script_test_env", "variable"),
            (std::set<std::string>{"LANG", "PE_SCRIPT_TEST_INHERITED", "PATH", "TARGET",
                                   "PLUGIN_EXPORTER_TIMEOUT_SECONDS", "PLUGIN_EXPORTER_DEADLINE"}));
  EXPECT_EQ(sample(o, "plugin_exporter_script_unknown_parameters_total", {{"collector", "env"}}),
            3);
}

TEST(ScriptCollector, AnInvalidParameterIsABadRequestAndNothingRuns) {
  TempDir dir;
  ScriptHost host(collector("p", counted(dir,
                                         "[[collector.config.parameter]]\nname = 'target'\n"
                                         "regex = '[a-z0-9.-]{1,63}'\nenv = 'TARGET'\n",
                                         0)));
  for (const std::string& hostile :
       {std::string("a;touch ") + dir.file("pwned"),
        std::string("$(touch ") + dir.file("pwned") + ")", std::string("a\nb"),
        std::string("../../etc/passwd"), std::string(5000, 'a')}) {
    CollectOutcome o = host.scrape_one("p", {{"target", hostile}});
    EXPECT_EQ(o.status, CollectStatus::bad_request) << hostile;
    EXPECT_NE(o.reason.find("parameter \"target\""), std::string::npos) << o.reason;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("runs")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("pwned")));
  CollectOutcome ok = host.scrape_one("p", {{"target", "db1"}});
  ASSERT_EQ(ok.status, CollectStatus::ok) << ok.reason;
  EXPECT_EQ(sample(ok, "script_test_counted_run", {{"target", "db1"}}), 1);
  EXPECT_EQ(sample(ok, "plugin_exporter_script_refused_total", {{"reason", "bad_parameter"}}), 5);
}

TEST(ScriptCollector, ScrapesDifferingOnlyInUnknownParametersShareOneRun) {
  TempDir dir;
  ScriptHost host(collector("c", counted(dir)));
  constexpr int kScrapes = 24;
  std::atomic<int> calling{0}, ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kScrapes; ++i) {
    threads.emplace_back([&, i] {
      ++calling;
      // Each has its own junk parameter, so the host cannot coalesce them.
      CollectOutcome o = host.scrape_one("c", {{"junk", std::to_string(i)}});
      if (o.status == CollectStatus::ok && sample(o, "script_test_counted_run") == 1) ++ok;
    });
  }
  while (calling < kScrapes) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(wait_for_file(dir.file("runs"), 10s));
  std::this_thread::sleep_for(1s);  // every scrape has joined the run
  release(dir);
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kScrapes);
  EXPECT_EQ(count_lines(dir.file("runs")), 1u) << read_file(dir.file("runs"));
}

TEST(ScriptCollector, DifferentParametersRunSideBySide) {
  TempDir dir;
  ScriptHost host(collector("t", counted(dir,
                                         "[[collector.config.parameter]]\nname = 'target'\n"
                                         "regex = '[a-z]+'\nenv = 'TARGET'\n")));
  std::thread slow([&] { host.scrape_one("t", {{"target", "slow"}}); });
  ASSERT_TRUE(wait_for_file(dir.file("runs"), 10s));
  // "slow" is held open until the release file exists. "fast" (held the
  // same way) must start its own run meanwhile, not wait for "slow".
  std::thread fast([&] { host.scrape_one("t", {{"target", "fast"}}); });
  auto until = std::chrono::steady_clock::now() + 10s;
  while (count_lines(dir.file("runs")) < 2 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(count_lines(dir.file("runs")), 2u) << "the second run waited for the first";
  release(dir);
  slow.join();
  fast.join();
}

TEST(ScriptCollector, TheProcessWideCapRefusesAtOnceWithAReason) {
  TempDir dir;
  ScriptHost host(collector("holder", counted(dir, "max_running_programs = 1\n")) +
                  collector("other", command({program("metrics.sh")})));
  std::thread holder([&] { host.scrape_one("holder"); });
  ASSERT_TRUE(wait_for_file(dir.file("runs"), 10s));
  CollectOutcome refused = host.scrape_one("other");
  EXPECT_EQ(refused.status, CollectStatus::unavailable);
  EXPECT_NE(refused.reason.find("max_running_programs"), std::string::npos) << refused.reason;
  release(dir);
  holder.join();
  CollectOutcome later = host.scrape_one("other");
  ASSERT_EQ(later.status, CollectStatus::ok) << later.reason;
  EXPECT_EQ(
      sample(later, "plugin_exporter_script_refused_total", {{"reason", "concurrency_limit"}}), 1);
}

TEST(ScriptCollector, CachedModeRunsAtMostOncePerMinInterval) {
  TempDir dir;
  ScriptHost host(collector("c", counted(dir,
                                         "mode = 'cached'\nmin_interval = '1h'\n"
                                         "[[collector.config.parameter]]\nname = 'target'\n"
                                         "regex = '[a-z]+'\nenv = 'TARGET'\n",
                                         0)));
  CollectOutcome first = host.scrape_one("c", {{"target", "a"}});
  ASSERT_EQ(first.status, CollectStatus::ok) << first.reason;
  EXPECT_EQ(stat(first, "cached"), 0);
  for (int i = 0; i < 3; ++i) {
    CollectOutcome again = host.scrape_one("c", {{"target", "a"}, {"junk", std::to_string(i)}});
    ASSERT_EQ(again.status, CollectStatus::ok) << again.reason;
    EXPECT_EQ(stat(again, "cached"), 1);
    EXPECT_EQ(sample(again, "script_test_counted_run", {{"target", "a"}}), 1);
  }
  EXPECT_EQ(count_lines(dir.file("runs")), 1u);
  CollectOutcome other = host.scrape_one("c", {{"target", "b"}});  // its own cache entry
  EXPECT_EQ(stat(other, "cached"), 0);
  EXPECT_EQ(count_lines(dir.file("runs")), 2u);
}

TEST(ScriptCollector, CachedModeServesAFailureWithoutRunningAgain) {
  TempDir dir;
  ScriptHost host(collector("c", "command = ['/bin/sh', '-c', 'echo run >> " + dir.file("runs") +
                                     "; exit 3']\nmode = 'cached'\nmin_interval = '1h'\n"));
  CollectOutcome first = host.scrape_one("c");
  EXPECT_EQ(first.status, CollectStatus::error);
  CollectOutcome second = host.scrape_one("c");
  EXPECT_EQ(second.status, CollectStatus::error);
  EXPECT_NE(second.reason.find("the last run ("), std::string::npos) << second.reason;
  EXPECT_NE(second.reason.find("exited with code 3"), std::string::npos) << second.reason;
  EXPECT_EQ(stat(second, "cached"), 1);
  EXPECT_EQ(count_lines(dir.file("runs")), 1u);
}

TEST(ScriptCollector, BackgroundModeRunsWithoutScrapesAndServesTheLatest) {
  TempDir dir;
  ScriptHost host(collector("b", counted(dir, "mode = 'background'\ninterval = '50ms'\n", 0)));
  auto until = std::chrono::steady_clock::now() + 20s;
  while (count_lines(dir.file("runs")) < 3 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  EXPECT_GE(count_lines(dir.file("runs")), 3u);
  CollectOutcome o = host.scrape_one("b");
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(sample(o, "script_test_counted_run"), 1);
  EXPECT_EQ(stat(o, "cached"), 1);
  EXPECT_GE(stat(o, "result_age_seconds"), 0);
}

TEST(ScriptCollector, DestroyStopsARunningBackgroundProgramAndItsChild) {
  TempDir dir;
  auto host = std::make_unique<ScriptHost>(collector(
      "b", command({program("sleeper_with_child.sh"), dir.file("pids")}) +
               "mode = 'background'\ninterval = '1h'\ntimeout = '1h'\nkill_grace = '200ms'\n"));
  ASSERT_TRUE(wait_for_file(dir.file("pids"), 10s));
  auto start = std::chrono::steady_clock::now();
  host.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  std::istringstream pids(read_file(dir.file("pids")));
  pid_t shell = 0, child = 0;
  pids >> shell >> child;
  EXPECT_TRUE(process_gone(shell));
  EXPECT_TRUE(process_gone(child));
}

TEST(ScriptCollector, RunsAsTheConfiguredUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  ScriptHost host(collector("u",
                            "command = ['/bin/sh', '-c', 'echo script_test_uid $(id -u); "
                            "echo script_test_gid $(id -g)']\nuser = 'nobody'\n"));
  CollectOutcome o = host.scrape_one("u");
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(sample(o, "script_test_uid"), 65534);
  EXPECT_EQ(sample(o, "script_test_gid"), 65534);
}

TEST(ScriptConfig, ErrorsAreLocatedAndSayWhatIsWrong) {
  auto has = [](const std::vector<std::string>& errors, const std::string& part) {
    for (const auto& e : errors)
      if (e.find(part) != std::string::npos) return true;
    return false;
  };
  auto e = config_errors("");
  EXPECT_TRUE(has(e, "missing required key \"command\"")) << (e.empty() ? "" : e[0]);
  e = config_errors("command = ['sh', '-c', 'true']\n");
  EXPECT_TRUE(has(e, "t.toml:5:")) << (e.empty() ? "" : e[0]);
  EXPECT_TRUE(has(e, "collector[0].config.command: the program must be an absolute path"));
  e = config_errors("command = ['/nonexistent/x']\n");
  EXPECT_TRUE(has(e, "does not exist"));
  e = config_errors("command = ['/bin/true']\nmode = 'sometimes'\n");
  EXPECT_TRUE(has(e, "collector[0].config.mode: must be \"scrape\", \"cached\" or \"background\""));
  e = config_errors("command = ['/bin/true']\nmode = 'cached'\n");
  EXPECT_TRUE(has(e, "needs min_interval"));
  e = config_errors("command = ['/bin/true']\ninterval = '1m'\n");
  EXPECT_TRUE(has(e, "only applies to mode = \"background\""));
  e = config_errors(
      "command = ['/bin/true']\nmode = 'background'\ninterval = '1m'\n"
      "[[collector.config.parameter]]\nname = 'a'\nregex = 'x'\nenv = 'A'\n");
  EXPECT_TRUE(has(e, "cannot take scrape parameters"));
  e = config_errors(
      "command = ['/bin/true']\n[[collector.config.parameter]]\nname = 'p'\n"
      "regex = '.*'\nenv = 'PATH'\n");
  EXPECT_TRUE(has(e, "\"PATH\" may not be set from a scrape parameter"));
  e = config_errors(
      "command = ['/bin/true']\n[[collector.config.parameter]]\nname = 'p'\n"
      "regex = '.*'\nenv = 'LD_PRELOAD'\n");
  EXPECT_TRUE(has(e, "LD_"));
  e = config_errors(
      "command = ['/bin/true']\n[[collector.config.parameter]]\nname = 'p'\n"
      "regex = '.*'\nenv = 'P'\nargument = '--p'\n");
  EXPECT_TRUE(has(e, "give exactly one of env"));
  e = config_errors(
      "command = ['/bin/true']\n[[collector.config.parameter]]\nname = 'p'\n"
      "regex = '(oops'\nenv = 'P'\n");
  EXPECT_TRUE(has(e, "invalid regex"));
  e = config_errors("command = ['/bin/true']\nuser = 'no-such-user-here'\n");
  EXPECT_TRUE(has(e, "unknown user"));
  e = config_errors("command = ['/bin/true']\nenvironment = { PLUGIN_EXPORTER_X = '1' }\n");
  EXPECT_TRUE(has(e, "set by the plugin itself"));
  e = config_errors("command = ['/bin/true']\nworking_directory = '/nonexistent'\n");
  EXPECT_TRUE(has(e, "does not exist"));
  e = config_errors("command = ['/bin/true']\ncolour = 'blue'\n");
  EXPECT_TRUE(has(e, "colour")) << (e.empty() ? "" : e[0]);
  EXPECT_TRUE(config_errors("command = ['/bin/true']\n").empty());
}
