// file_source.cpp — collect from *.prom files.
#include "file_source.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "exposition_check.hpp"

namespace pe::proxy {
namespace {

bool has_wildcard(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

std::string errno_text(int e) {
  char buf[256];
  return strerror_r(e, buf, sizeof buf);
}

// Closes a descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

struct FileRead {
  bool present = false;  // false: vanished between listing and opening
  std::string content;
  double mtime_seconds = 0;
};

FileRead read_file(const std::string& path, std::size_t max_bytes) {
  FileRead out;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return out;
    throw CollectFailure(PE_ERROR, "cannot open " + path + ": " + errno_text(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw CollectFailure(PE_ERROR, "cannot stat " + path + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return out;
  out.present = true;
  out.mtime_seconds = static_cast<double>(st.st_mtim.tv_sec) +
                      static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw CollectFailure(PE_LIMIT_EXCEEDED, path + " is " + std::to_string(st.st_size) +
                                                " bytes, over the limit of " +
                                                std::to_string(max_bytes));
  out.content.resize(static_cast<std::size_t>(st.st_size));
  std::size_t have = 0;
  for (;;) {
    if (have == out.content.size()) {
      if (have > max_bytes)  // grew while being read
        throw CollectFailure(PE_LIMIT_EXCEEDED, path + " grew over the limit of " +
                                                    std::to_string(max_bytes) + " bytes");
      out.content.resize(have + 4096);
    }
    ssize_t n = ::read(fd.get(), out.content.data() + have, out.content.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw CollectFailure(PE_ERROR, "cannot read " + path + ": " + errno_text(errno));
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  out.content.resize(have);
  return out;
}

}  // namespace

FileSource::FileSource(const FileTarget& target, const ProxyConfig& config)
    : patterns_(target.patterns),
      max_file_bytes_(config.max_response_bytes),
      drop_invalid_lines_(config.drop_invalid_lines) {}

std::vector<std::string> FileSource::expand() const {
  std::vector<std::string> files;
  for (const std::string& pattern : patterns_) {
    if (!has_wildcard(pattern)) {
      struct stat st {};
      if (::stat(pattern.c_str(), &st) != 0)
        throw CollectFailure(PE_ERROR, "cannot read " + pattern + ": " + errno_text(errno));
      if (S_ISREG(st.st_mode)) files.push_back(pattern);
      continue;
    }
    glob_t g{};
    int rc = ::glob(pattern.c_str(), GLOB_ERR | GLOB_NOSORT, nullptr, &g);
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH)
      throw CollectFailure(PE_ERROR, "cannot expand " + pattern +
                                         (rc == GLOB_ABORTED ? ": a directory is unreadable"
                                                             : ": out of memory"));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

pe_status FileSource::collect(const CollectRequest&, MetricSink& sink) {
  std::vector<std::string> files = expand();
  std::vector<std::pair<std::string, double>> mtimes;
  double total_bytes = 0;
  for (const std::string& path : files) {
    FileRead f = read_file(path, max_file_bytes_);
    if (!f.present) continue;
    total_bytes += static_cast<double>(f.content.size());
    mtimes.emplace_back(path, f.mtime_seconds);
    pe_status st = sink.text(f.content, PE_FORMAT_AUTO, drop_invalid_lines_);
    if (st == PE_ERROR && !drop_invalid_lines_) {
      auto why = explain_parse_failure(f.content, PE_FORMAT_AUTO);
      throw CollectFailure(PE_ERROR, path + " is not valid exposition text" +
                                         (why ? " at " + *why : std::string()));
    }
    if (st != PE_OK) return st;
  }
  sink.stat("files", static_cast<double>(mtimes.size()), "Files read in the last collect.");
  sink.stat("response_size_bytes", total_bytes, "Bytes read from the files in the last collect.");
  if (!mtimes.empty()) {
    sink.family("node_textfile_mtime_seconds", MetricType::gauge,
                "Unixtime mtime of textfiles successfully read.");
    for (const auto& [path, mtime] : mtimes) sink.sample("", {{"file", path}}, mtime);
  }
  return PE_OK;
}

}  // namespace pe::proxy
