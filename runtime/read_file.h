// A whole file's bytes as a string (text files: configs, prompts, templates).
#pragma once
#include <string>

namespace vkg {

// Throws std::runtime_error "PATH: cannot open WHAT" when the file cannot be opened.
std::string read_file(const std::string& path, const std::string& what = "file");

}  // namespace vkg
