// The CPU's pack cache (runtime/cpu/pack_cache.h): written on the first session, mapped by the next with the
// same logits, and rebuilt, never misread, when it is stale, truncated or foreign.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "../test_paths.h"
#include "model/session.h"
#include "tiny_reference.h"

using namespace vkg;
namespace fs = std::filesystem;

namespace {

struct Run {
  std::vector<float> logits;
  std::vector<std::string> notices;
};

Run run_tiny(const std::string& model_path, bool cache) {
  auto model = Model::load(model_path);
  SessionOptions o;
  o.context = 64;
  o.pack_cache = cache;  // the fast path packs (exact_matmul false)
  Session s(*model, o);
  Run r;
  r.notices = s.notices();
  r.logits = s.eval(test::load_tiny_reference("gemma3").tokens, true);
  return r;
}

bool said(const Run& r, const std::string& what) {
  for (const std::string& n : r.notices)
    if (n.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_SUITE("memory_limits") {
  TEST_CASE("pack cache: written once, mapped next time with the same logits, rebuilt when stale or damaged") {
    const fs::path dir = fs::temp_directory_path() /
                         ("vkgemma-pack-cache-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
    const fs::path model = dir / "tiny.gguf";
    fs::copy_file(test::source_path("assets/tiny/gemma3.gguf"), model);
    const std::string cache = pack_cache_path(model.string());
    CHECK(cache == model.string() + ".vkgemma-cpu-packs");

    const Run off = run_tiny(model.string(), false);
    CHECK_FALSE(fs::exists(cache));  // off: nothing written

    const Run first = run_tiny(model.string(), true);
    CHECK(said(first, "packed weights written to " + cache));
    REQUIRE(fs::exists(cache));
    CHECK(first.logits == off.logits);

    const Run second = run_tiny(model.string(), true);
    CHECK(said(second, "packed weights mapped from " + cache));
    CHECK(second.logits == first.logits);  // the same packs, bit for bit

    // Damaged: cut in half, then the right header with garbage after it; each time packed and written anew.
    const auto size = fs::file_size(cache);
    fs::resize_file(cache, size / 2);
    const Run truncated = run_tiny(model.string(), true);
    CHECK(said(truncated, "packed weights written to"));
    CHECK(truncated.logits == first.logits);
    CHECK(fs::file_size(cache) == size);
    {
      std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(40);
      const std::string junk(200, '\xff');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    const Run garbage = run_tiny(model.string(), true);
    CHECK(said(garbage, "packed weights written to"));
    CHECK(garbage.logits == first.logits);

    // Stale: the model file changed (its time here), so the packs are not trusted.
    fs::last_write_time(model, fs::last_write_time(model) + std::chrono::seconds(5));
    const Run stale = run_tiny(model.string(), true);
    CHECK(said(stale, "packed weights written to"));
    CHECK(said(run_tiny(model.string(), true), "packed weights mapped from"));
    fs::remove_all(dir);
  }
}
