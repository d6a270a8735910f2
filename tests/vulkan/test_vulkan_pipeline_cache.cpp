// The persisted pipeline cache (runtime/vulkan/pipeline_cache.h) on the Vulkan device, validation layer on: a
// cold start writes the file, a warm one loads it and writes nothing when no pipeline was new, a corrupt file
// (truncated, flipped byte, another device) is one warning and is replaced, another build's file is replaced
// without one, and a directory that cannot be written is one warning, never a failure.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "runtime/vulkan/pipeline.h"
#include "runtime/vulkan/pipeline_cache.h"

using namespace vkg;
namespace fs = std::filesystem;

namespace {

// A directory of its own under the system's temporary directory, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("vkgemma-pcache-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

struct Device {
  std::unique_ptr<vk::Context> ctx;
  Device() {
    vk::ContextOptions co;
    co.validation = true;
    ctx = std::make_unique<vk::Context>(co);
  }
  ~Device() { CHECK(ctx->take_validation_errors().empty()); }
};

// A run's pipeline work: a cache from `dir`, two pipelines made through it, then saved, as a step does.
struct Run {
  int writes = 0;
  bool loaded = false;
  std::vector<std::string> warnings;
  std::string path;
};
Run run_once(const std::string& dir) {
  Device d;
  vk::PipelineCache cache(*d.ctx, dir);
  {
    vk::Pipeline a(*d.ctx, *vk::find_shader("embed_f32"));
    vk::Pipeline b(*d.ctx, *vk::find_shader("add"));
    CHECK_FALSE(a.compiled());
    a.compile(cache.handle());
    b.compile(cache.handle());
    CHECK(a.handle() != VK_NULL_HANDLE);
    CHECK(b.handle() != VK_NULL_HANDLE);
  }
  cache.save();
  cache.save();  // nothing new: no second write
  return {cache.writes(), cache.loaded(), cache.warnings(), cache.path()};
}

bool file_is_good(const std::string& path, const std::string& dir) {
  Device d;
  vk::PipelineCache probe(*d.ctx, dir);  // loads it again: good means loaded, no warning
  return probe.path() == path && probe.loaded() && probe.warnings().empty();
}

}  // namespace

TEST_SUITE("vulkan_pipeline_cache") {
  TEST_CASE("a cold start writes the file, a warm one loads it and rewrites nothing") {
    TempDir dir;
    const Run cold = run_once(dir.path.string());
    CHECK_FALSE(cold.loaded);
    CHECK(cold.writes == 1);
    CHECK(cold.warnings.empty());
    REQUIRE(fs::is_regular_file(cold.path));
    CHECK(fs::path(cold.path).parent_path() == dir.path);
    const std::string written = read_bytes(cold.path);
    const Run warm = run_once(dir.path.string());
    CHECK(warm.loaded);
    CHECK(warm.writes == 0);  // every pipeline was in the file already
    CHECK(warm.warnings.empty());
    CHECK(read_bytes(warm.path) == written);
    // Nothing else is left in the directory (no temporary files).
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  }

  TEST_CASE("a corrupt file is one warning naming it and the fault, then replaced") {
    TempDir dir;
    const Run cold = run_once(dir.path.string());
    const std::string good = read_bytes(cold.path);
    struct Corruption {
      const char* what;
      std::string bytes;
      const char* says;
    };
    std::string flipped = good, other_device = good;
    flipped[flipped.size() - 1] ^= 0x40;
    other_device[12] ^= 0x01;  // our header's vendorID
    const Corruption cases[] = {
        {"truncated in the header", good.substr(0, 20), "truncated: 20 bytes"},
        {"truncated in the data", good.substr(0, good.size() - 1), "the header promises"},
        {"a flipped byte", flipped, "checksum mismatch"},
        {"another device", other_device, "written for vendor"},
        {"not ours", "hello", "truncated: 5 bytes"},
    };
    for (const Corruption& c : cases) {
      CAPTURE(c.what);
      write_bytes(cold.path, c.bytes);
      const Run r = run_once(dir.path.string());
      CHECK_FALSE(r.loaded);
      REQUIRE(r.warnings.size() == 1);
      CHECK(r.warnings[0].find("vkgemma: warning: pipeline cache " + cold.path + ": " + c.says) == 0);
      CHECK(r.writes == 1);
      CHECK(file_is_good(cold.path, dir.path.string()));
    }
  }

  TEST_CASE("another build's file is replaced without a warning") {
    TempDir dir;
    const Run cold = run_once(dir.path.string());
    std::string file = read_bytes(cold.path);
    file[40] ^= 0x01;  // the build hash in our header
    write_bytes(cold.path, file);
    const Run r = run_once(dir.path.string());
    CHECK_FALSE(r.loaded);
    CHECK(r.warnings.empty());
    CHECK(r.writes == 1);
    CHECK(file_is_good(cold.path, dir.path.string()));
  }

  TEST_CASE("a directory that cannot be written is one warning, not a failure") {
    TempDir dir;
    // A regular file where a directory should be: no one can create the cache below it (root included).
    write_bytes((dir.path / "not-a-directory").string(), "x");
    const std::string unwritable = (dir.path / "not-a-directory" / "vkgemma").string();
    const Run r = run_once(unwritable);  // saves twice: one warning
    CHECK(r.writes == 0);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("vkgemma: warning: pipeline cache " + r.path + ": not saved: ") == 0);
    CHECK(r.warnings[0].find("cannot create directory") != std::string::npos);
  }

  // Lavapipe's data is its 32-byte header whatever was compiled, so the merged bytes cannot show both
  // pipelines there; this runs the merge through the driver (validation on) and checks the file stays good.
  TEST_CASE("two processes saving in turn: the second merges the first's file instead of clobbering it") {
    TempDir dir;
    Device d;
    vk::PipelineCache first(*d.ctx, dir.path.string()), second(*d.ctx, dir.path.string());
    vk::Pipeline a(*d.ctx, *vk::find_shader("embed_f32")), b(*d.ctx, *vk::find_shader("add"));
    a.compile(first.handle());
    first.save();
    b.compile(second.handle());
    second.save();  // finds the file `first` wrote since it looked, merges it, then writes
    CHECK(first.writes() == 1);
    CHECK(second.writes() == 1);
    CHECK(first.warnings().empty());
    CHECK(second.warnings().empty());
    CHECK(file_is_good(second.path(), dir.path.string()));
  }

  TEST_CASE("an empty directory name keeps the cache in memory only") {
    const Run r = run_once("");
    CHECK(r.path.empty());
    CHECK(r.writes == 0);
    CHECK(r.warnings.empty());
  }
}
