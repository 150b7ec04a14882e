// file_io.hpp — the POSIX file operations durable state needs: writing a
// whole buffer (retrying short writes and EINTR), fsync of a directory (so a
// created or renamed file's name is durable too), reading a whole file.
#pragma once

#include <string>
#include <string_view>

namespace pe::push {

// False with `error` ("write: <reason>") on failure.
bool write_all(int fd, std::string_view data, std::string& error);
bool sync_directory(const std::string& dir, std::string& error);
bool read_file(const std::string& path, std::string& out);

}  // namespace pe::push
