// durable_file.hpp — writing a file so that a crash leaves either the old or
// the new content, never a torn one: a temporary file beside it, fsync,
// rename over the target, fsync of the directory. Used by remote write's
// durable queue and by the dial-in hub's registry and file_sd output.
//
// Thread-safety: free functions without state; two writers of the same path
// at once must be serialised by the caller (they share the temporary name).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace pe::host {

// Writes the concatenation of `parts` to `path` + ".tmp" (created with
// `mode`), fsyncs it and renames it to `path`. False (errno set, the
// temporary removed) on any failure. The directory is not synced: call
// sync_directory() when the rename itself must survive a crash.
bool write_file_durably(const std::string& path, std::initializer_list<std::string_view> parts,
                        unsigned mode = 0600);

// fsync of a directory, so renames and creations in it are on disk.
void sync_directory(const std::string& dir);

}  // namespace pe::host
