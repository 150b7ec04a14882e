// script_test_support.hpp — helpers shared by the script plugin's tests: the
// test programs' directory, temp dirs, and whether a pid still runs.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace script_test {

inline std::string program(const std::string& name) {
  return std::string(PE_SCRIPT_PROGRAMS) + "/" + name;
}

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/pe-script-test.XXXXXX";
    path_ = ::mkdtemp(pattern.data());
    std::filesystem::permissions(path_,
                                 std::filesystem::perms::all);  // the nobody tests write here
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::size_t count_lines_in(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

inline std::size_t count_lines(const std::string& path) {
  return count_lines_in(read_file(path));
}

// True while `pid` is a live process (a zombie — dead, waiting for whoever
// inherited it to reap it — counts as gone).
inline bool process_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  char state = line[close + 2];
  return state != 'Z' && state != 'X';
}

// True once `pid` has stopped running, waiting up to `limit`: a process
// killed by SIGKILL closes its pipes a moment before it is marked dead.
inline bool process_gone(pid_t pid,
                         std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (process_running(pid) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return !process_running(pid);
}

// Waits (bounded) until `path` exists; returns whether it does.
inline bool wait_for_file(const std::string& path, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::filesystem::exists(path);
}

}  // namespace script_test
