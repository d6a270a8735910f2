// Files a program keeps for itself between runs (the Vulkan pipeline cache): where they live, and replacing one
// whole. Paths are UTF-8 (Windows: converted to its UTF-16 calls, so a user name like "José" works).
#pragma once
#include <string>
#include <string_view>

namespace vkg {

// The user's cache directory: $XDG_CACHE_HOME, else $HOME/.cache (POSIX); %LOCALAPPDATA% (Windows). "" when the
// environment names none, so the caller keeps nothing rather than writing somewhere unexpected.
std::string user_cache_dir();

bool file_exists(const std::string& path);

// Writes `bytes` to a temporary file beside `path` (its directories made if missing) and renames it over `path`
// (Windows: MoveFileEx with MOVEFILE_REPLACE_EXISTING), so a reader, or a process that dies half-way, sees the
// old file or the new one, never a mix. Not flushed to disk: after a power cut the file may be empty, which a
// reader must treat as it treats any bad file. Returns "" or why not, naming the file and the OS error.
std::string write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace vkg
