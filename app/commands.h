// One function per CLI command; each returns the process exit code.
#pragma once
#include <string>
#include <vector>

namespace vkg::app {

int run_command(const std::vector<std::string>& args);
int tokenize_command(const std::vector<std::string>& args);
int perplexity_command(const std::vector<std::string>& args);
int info_command(const std::vector<std::string>& args);
int graph_command(const std::vector<std::string>& args);
int shaders_command(const std::vector<std::string>& args);
int bench_command(const std::vector<std::string>& args);
int chat_command(const std::vector<std::string>& args);
int serve_command(const std::vector<std::string>& args);

}  // namespace vkg::app
