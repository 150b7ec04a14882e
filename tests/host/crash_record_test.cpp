// crash_record_test.cpp — the in-process crash recorder
// (plugin/crash_record.hpp) in death tests: a fatal signal or exit() inside
// a plugin call leaves one stderr line and <state_dir>/crash-record naming
// collector, plugin, call and signal, and the process still ends exactly as
// it would have without the recorder (same signal, same exit code; under
// AddressSanitizer its own SEGV report still runs).
#include "plugin/crash_record.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "plugin/plugin_call_scope.hpp"

using namespace pe::host;
namespace fs = std::filesystem;

namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PE_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PE_UNDER_ASAN 1
#endif

// The same path in the test and in its re-executed death-test child.
std::string state_dir(const std::string& name) {
  return (fs::current_path() / "crash_record_test" / name).string();
}

std::string fresh_state_dir(const std::string& name) {
  const std::string dir = state_dir(name);
  fs::remove_all(dir);
  return dir;
}

// Installs the recorder and dies inside a (fake) plugin call by `how`.
[[noreturn]] void die_in_plugin_call(const std::string& dir, void (*how)()) {
  std::string error;
  if (!install_crash_recorder(dir, error)) std::abort();
  const PluginCallSite site{"db-main", "post\"gres\n", "0123456789abcdef", "collect"};
  PluginCallScope scope(site);
  how();
  std::_Exit(99);  // not reached
}

// A plugin's child (e.g. one whose exec failed) calls exit() inside the
// inherited plugin call; this process exits with the child's status.
[[noreturn]] void fork_and_exit_in_plugin_call(const std::string& dir) {
  std::string error;
  install_crash_recorder(dir, error);
  const PluginCallSite site{"runner", "script", "0", "collect"};
  PluginCallScope scope(site);
  const pid_t pid = ::fork();
  if (pid == 0) std::exit(7);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::_Exit(WIFEXITED(status) ? WEXITSTATUS(status) : 100);
}

// A store to an unmapped page (not null: UBSan would stop at a null store
// before the fault happens).
void bad_write() {
  volatile int* volatile p = reinterpret_cast<volatile int*>(uintptr_t{64});
  *p = 1;
}
void call_abort() {
  std::abort();
}
void call_exit() {
  std::exit(3);
}

class CrashRecordTest : public testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

}  // namespace

TEST_F(CrashRecordTest, AbortInsidePluginCallIsRecordedAndStillKillsWithSigabrt) {
  const std::string dir = fresh_state_dir("abort");
  EXPECT_EXIT(die_in_plugin_call(dir, call_abort), testing::KilledBySignal(SIGABRT),
              "level=error msg=.*collector=db-main plugin=post_gres_ call=collect "
              "signal=SIGABRT");
  std::string error;
  std::optional<CrashRecord> r = read_crash_record(dir, error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->collector, "db-main");
  EXPECT_EQ(r->plugin, "post_gres_");  // one line, whatever the plugin calls itself
  EXPECT_EQ(r->fingerprint, "0123456789abcdef");
  EXPECT_EQ(r->entry, "collect");
  EXPECT_EQ(r->signal, "SIGABRT");
  EXPECT_EQ(r->signal_number, SIGABRT);
  EXPECT_GT(r->unix_ms, 1700000000000);
  remove_crash_record(dir);
  EXPECT_FALSE(read_crash_record(dir, error));
  EXPECT_EQ(error, "");
}

TEST_F(CrashRecordTest, SegfaultInsidePluginCallIsRecordedAndTheFaultHandledAsBefore) {
  const std::string dir = fresh_state_dir("segv");
#ifdef PE_UNDER_ASAN
  // AddressSanitizer's handler (installed before ours) still reports the
  // fault, then ends the process its way (abort_on_error=1: SIGABRT).
  EXPECT_EXIT(
      die_in_plugin_call(dir, bad_write),
      [](int status) {
        return (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) ||
               (WIFEXITED(status) && WEXITSTATUS(status) != 0);
      },
      "signal=SIGSEGV(.|\n)*AddressSanitizer: SEGV");
#else
  EXPECT_EXIT(die_in_plugin_call(dir, bad_write), testing::KilledBySignal(SIGSEGV),
              "collector=db-main plugin=post_gres_ call=collect signal=SIGSEGV");
#endif
  std::string error;
  std::optional<CrashRecord> r = read_crash_record(dir, error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->signal, "SIGSEGV");
  EXPECT_EQ(r->signal_number, SIGSEGV);
}

TEST_F(CrashRecordTest, ExitInsidePluginCallIsRecordedAndKeepsItsStatus) {
  const std::string dir = fresh_state_dir("exit");
  EXPECT_EXIT(die_in_plugin_call(dir, call_exit), testing::ExitedWithCode(3),
              "call=collect signal=exit");
  std::string error;
  std::optional<CrashRecord> r = read_crash_record(dir, error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->signal, "exit");
  EXPECT_EQ(r->signal_number, 0);
}

TEST_F(CrashRecordTest, CrashOutsidePluginCallsLeavesNoRecord) {
  const std::string dir = fresh_state_dir("outside");
  EXPECT_EXIT(
      {
        std::string error;
        install_crash_recorder(dir, error);
        std::abort();
      },
      testing::KilledBySignal(SIGABRT), "");
  std::string error;
  EXPECT_FALSE(read_crash_record(dir, error));
  EXPECT_EQ(error, "");
  EXPECT_TRUE(fs::is_directory(dir));  // created at install
}

TEST_F(CrashRecordTest, ProcessForkedInsidePluginCallLeavesNoRecord) {
  const std::string dir = fresh_state_dir("fork");
  EXPECT_EXIT(fork_and_exit_in_plugin_call(dir), testing::ExitedWithCode(7), "");
  std::string error;
  EXPECT_FALSE(read_crash_record(dir, error));
  EXPECT_EQ(error, "");
}

TEST_F(CrashRecordTest, RecordWithoutCollectorIsAnError) {
  const std::string dir = fresh_state_dir("corrupt");
  fs::create_directories(dir);
  std::ofstream(dir + "/crash-record") << "garbage\n\x01\x02=\n";
  std::string error;
  EXPECT_FALSE(read_crash_record(dir, error));
  EXPECT_NE(error.find("names no collector"), std::string::npos) << error;
}
