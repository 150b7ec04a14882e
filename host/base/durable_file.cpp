// durable_file.cpp — temporary file, fsync, rename (see durable_file.hpp).
#include "base/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace pe::host {

bool write_file_durably(const std::string& path, std::initializer_list<std::string_view> parts,
                        unsigned mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  // O_CREAT's mode is masked by the umask and ignored for an existing file.
  bool ok = ::fchmod(fd, mode) == 0;
  for (std::string_view part : parts) {
    while (ok && !part.empty()) {
      ssize_t n = ::write(fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = EIO;
        ok = false;
      } else {
        part.remove_prefix(static_cast<std::size_t>(n));
      }
    }
  }
  ok = ok && ::fsync(fd) == 0;
  int err = ok ? 0 : errno;
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    errno = err;
  }
  return ok;
}

void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace pe::host
