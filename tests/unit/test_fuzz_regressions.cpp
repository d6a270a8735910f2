// Every input in assets/fuzz_corpus/<target>/ (crashes, hangs and oddities the fuzzers of tests/fuzz found,
// kept after the fix) replayed through the same function the fuzzer calls: it must be accepted or rejected
// with a std::runtime_error that says something, never crash or throw anything else. Under
// tools/sanitize.sh the same replay runs with AddressSanitizer and UBSan.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "../test_paths.h"
#include "tests/fuzz/fuzz_inputs.h"

using namespace vkg;

namespace {

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_SUITE("fuzz_regressions") {
  TEST_CASE("every kept fuzz input is accepted or cleanly rejected") {
    namespace fs = std::filesystem;
    const fs::path root = test::source_path("assets/fuzz_corpus");
    REQUIRE(fs::is_directory(root));
    size_t replayed = 0, rejected = 0;
    for (const fuzz::Target& target : fuzz::targets()) {
      const fs::path dir = root / target.name;
      if (!fs::is_directory(dir)) continue;
      for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        const std::string input = e.path().filename().string();
        CAPTURE(input);
        const std::string bytes = read_bytes(e.path());
        try {
          target.run(bytes);
        } catch (const std::runtime_error& err) {
          CHECK(std::string(err.what()).size() > 10);  // names the problem
          ++rejected;
        } catch (const std::exception& err) {
          const std::string what = std::string(target.name) + ": " + input + " threw a non-runtime_error: " + err.what();
          FAIL_CHECK(what);
        }
        ++replayed;
      }
    }
    MESSAGE(replayed << " fuzz inputs replayed, " << rejected << " rejected");
    CHECK(replayed > 0);
  }

  TEST_CASE("every folder of assets/fuzz_corpus is a fuzz target") {
    namespace fs = std::filesystem;
    for (const fs::directory_entry& e : fs::directory_iterator(test::source_path("assets/fuzz_corpus"))) {
      bool known = false;
      for (const fuzz::Target& t : fuzz::targets()) known = known || e.path().filename() == t.name;
      CHECK_MESSAGE(known, e.path().filename().string() << " names no target in tests/fuzz/fuzz_inputs.cpp");
    }
  }
}
