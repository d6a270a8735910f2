// The VkPipelineCache every pipeline is created with, kept in a file between runs (pipeline_cache_file.h), so
// that on drivers which fill it a second run takes its pipelines from the driver's cache instead of its
// compiler. Nothing about it is ever fatal: a missing, foreign or corrupt file is ignored (corrupt: with one
// warning line on stderr) and replaced; a file that cannot be written is one warning, then no more tries.
//
// Measured on lavapipe (Mesa 22.3.6): vkGetPipelineCacheData returns Vulkan's 32-byte header and nothing else,
// so this cache saves nothing there; Mesa's own shader cache ($XDG_CACHE_HOME/mesa_shader_cache) is what makes
// a second run's pipelines cheap on it (docs/PERFORMANCE.md, "Startup").
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "runtime/vulkan/context.h"
#include "runtime/vulkan/pipeline_cache_file.h"

namespace vkg::vk {

// Where the cache file lives: the directory $VKGEMMA_PIPELINE_CACHE names ("0": nowhere, the cache is kept in
// memory only), else <user cache dir>/vkgemma (platform/files.h), else nowhere.
std::string pipeline_cache_dir();

// A hash of every embedded SPIR-V module and its name: a build whose shaders changed never reuses the data an
// older build left (the version string would not tell two builds of one version apart).
uint64_t embedded_shaders_hash();

class PipelineCache {
 public:
  // Larger driver data is neither loaded nor saved (a cache must never fill a disk).
  static constexpr uint64_t kMaxBytes = uint64_t(64) << 20;

  // Creates the cache, with the data of `dir`'s file for this device when it is good. dir "": memory only.
  PipelineCache(const Context& ctx, const std::string& dir);
  ~PipelineCache();
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache handle() const { return cache_; }

  // Writes the driver's data to the file when it differs from what the file held (pipelines were compiled
  // that it lacked), merged with what another process wrote meanwhile. Called after each step's pipelines are
  // made, since a process may end without destructors (app/fast_exit.cpp). Never throws.
  void save();

  const std::string& path() const { return path_; }  // "" when kept in memory only
  bool loaded() const { return loaded_bytes_ > 0; }   // the file's data went to the driver
  uint64_t loaded_bytes() const { return loaded_bytes_; }
  int writes() const { return writes_; }              // files written by save()
  // The warnings printed so far (also on stderr), for tests.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // One line for `-v`: where the cache lives and what was loaded.
  std::string describe() const;

 private:
  void warn(const std::string& what);
  std::optional<std::string> driver_data() const;  // nothing when the driver fails or it exceeds kMaxBytes
  void merge_from_file();

  const Context& ctx_;
  PipelineCacheKey key_;
  std::string path_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  uint64_t loaded_bytes_ = 0;
  std::optional<uint64_t> file_payload_hash_;  // fnv1a64 of the driver data the file holds (as loaded or saved)
  bool stop_saving_ = false;
  int writes_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace vkg::vk
