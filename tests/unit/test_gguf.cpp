// GGUF reader on small files written byte by byte: every metadata type, nested arrays, alignment,
// tensor data placement, and malformed files that must fail with a message naming what is wrong.
#include <doctest/doctest.h>

#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "gguf_writer.h"
#include "model/gguf.h"

using vkg::GgufFile;
using vkg::GgufType;
using vkg::test::GgufWriter;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("vkgemma_test_" + name + ".gguf")).string();
}

// A valid file: every scalar type, a string, arrays (of u8, i16, f32, bool, strings, nested array of arrays of i32),
// a custom alignment of 64 and two tensors (F32 [4] and Q8_0 [32, 2]).
GgufWriter good_file(uint32_t version) {
  GgufWriter w;
  w.header(version, 2, 19);
  auto key = [&](const std::string& k, uint32_t type) {
    w.put_string(k);
    w.put<uint32_t>(type);
  };
  key("u8", 0); w.put<uint8_t>(200);
  key("i8", 1); w.put<int8_t>(-100);
  key("u16", 2); w.put<uint16_t>(60000);
  key("i16", 3); w.put<int16_t>(-30000);
  key("u32", 4); w.put<uint32_t>(4000000000u);
  key("i32", 5); w.put<int32_t>(-2000000000);
  key("f32", 6); w.put<float>(1.5f);
  key("bool", 7); w.put<uint8_t>(1);
  key("string", 8); w.put_string("hello ▁ world");
  key("u64", 10); w.put<uint64_t>(1ull << 40);
  key("i64", 11); w.put<int64_t>(-(1ll << 40));
  key("f64", 12); w.put<double>(2.25);
  key("arr_u8", 9); w.put<uint32_t>(0); w.put<uint64_t>(3); w.put<uint8_t>(1); w.put<uint8_t>(2); w.put<uint8_t>(3);
  key("arr_str", 9); w.put<uint32_t>(8); w.put<uint64_t>(2); w.put_string("a"); w.put_string("bc");
  key("arr_i16", 9); w.put<uint32_t>(3); w.put<uint64_t>(2); w.put<int16_t>(-5); w.put<int16_t>(7);
  key("arr_f32", 9); w.put<uint32_t>(6); w.put<uint64_t>(2); w.put<float>(0.5f); w.put<float>(-2.0f);
  key("arr_bool", 9); w.put<uint32_t>(7); w.put<uint64_t>(3); w.put<uint8_t>(1); w.put<uint8_t>(0); w.put<uint8_t>(1);
  key("nested", 9); w.put<uint32_t>(9); w.put<uint64_t>(2);
  w.put<uint32_t>(5); w.put<uint64_t>(2); w.put<int32_t>(7); w.put<int32_t>(-8);
  w.put<uint32_t>(5); w.put<uint64_t>(1); w.put<int32_t>(9);
  key("general.alignment", 4); w.put<uint32_t>(64);
  w.tensor_info("a", {4}, 0, 0);
  w.tensor_info("b", {32, 2}, 8, 64);  // Q8_0: 2 blocks of 34 bytes
  w.align(64);
  for (float v : {1.0f, 2.0f, 3.0f, 4.0f}) w.put<float>(v);
  w.align(64);
  for (int i = 0; i < 68; ++i) w.put<uint8_t>(static_cast<uint8_t>(i));
  return w;
}

void expect_error(const GgufWriter& w, const std::string& name, const std::string& fragment) {
  const std::string path = temp_path(name);
  w.save(path);
  try {
    GgufFile f(path);
    FAIL("no error for " << name);
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    CHECK_MESSAGE(msg.find(path) != std::string::npos, msg);
    CHECK_MESSAGE(msg.find(fragment) != std::string::npos, msg);
  }
  std::filesystem::remove(path);
}

}  // namespace

TEST_SUITE("gguf") {
  TEST_CASE("reads every metadata type, nested arrays and aligned tensors (v2 and v3)") {
    for (uint32_t version : {2u, 3u}) {
      const std::string path = temp_path("good" + std::to_string(version));
      good_file(version).save(path);
      GgufFile f(path);
      CHECK(f.version() == version);
      CHECK(f.get_uint("u8") == 200);
      CHECK(f.get("i8").i == -100);
      CHECK(f.get_uint("u16") == 60000);
      CHECK(f.get("i16").i == -30000);
      CHECK(f.get_uint("u32") == 4000000000u);
      CHECK(f.get("i32").i == -2000000000);
      CHECK(f.get_float("f32") == 1.5);
      CHECK(f.get_bool("bool"));
      CHECK(f.get_string("string") == "hello ▁ world");
      CHECK(f.get_uint("u64") == (1ull << 40));
      CHECK(f.get("i64").i == -(1ll << 40));
      CHECK(f.get_float("f64") == 2.25);
      CHECK(f.get_int_array("arr_u8") == std::vector<int64_t>{1, 2, 3});
      CHECK(f.get_string_array("arr_str") == std::vector<std::string>{"a", "bc"});
      CHECK(f.get_string_views("arr_str") == std::vector<std::string_view>{"a", "bc"});
      CHECK(f.get("arr_str").element(1).s == "bc");
      CHECK(f.get_int_array("arr_i16") == std::vector<int64_t>{-5, 7});
      CHECK(f.get_float_array("arr_f32") == std::vector<float>{0.5f, -2.0f});
      CHECK(f.get_bool_array("arr_bool") == std::vector<bool>{true, false, true});
      CHECK(f.get("arr_f32").length() == 2);
      CHECK_THROWS_WITH_AS(f.get_string_views("arr_u8"), doctest::Contains("expected array of string"), std::runtime_error);
      const auto& nested = f.get("nested");
      REQUIRE(nested.array.size() == 2);
      CHECK(nested.elem_type == GgufType::ARRAY);
      CHECK(nested.array[0].element(1).i == -8);
      CHECK(nested.array[1].ints[0] == 9);
      CHECK(f.alignment() == 64);
      CHECK_THROWS_WITH_AS(f.get_string("u8"), doctest::Contains("has type u8, expected string"), std::runtime_error);
      CHECK_THROWS_WITH_AS(f.get_uint("nope"), doctest::Contains("missing metadata key 'nope'"), std::runtime_error);

      const auto& a = f.tensor("a");
      CHECK(a.type == vkg::DType::F32);
      CHECK(reinterpret_cast<const float*>(a.data)[3] == 4.0f);
      CHECK(reinterpret_cast<uintptr_t>(a.data) % 64 == 0);
      const auto& b = f.tensor("b");
      CHECK(b.type == vkg::DType::Q8_0);
      CHECK(b.nbytes == 68);
      CHECK(b.data[67] == 67);
      CHECK(b.dims == std::vector<int64_t>{32, 2});
      CHECK_THROWS_WITH_AS(f.tensor("c"), doctest::Contains("missing tensor 'c'"), std::runtime_error);
      std::filesystem::remove(path);
    }
  }

  TEST_CASE("truncated at every byte: always a clear error, never a crash") {
    GgufWriter full = good_file(3);
    const std::string path = temp_path("trunc");
    // Every cut before the end of the last tensor's data must be rejected.
    for (size_t cut = 0; cut < full.bytes.size(); cut += 7) {
      GgufWriter w;
      w.bytes.assign(full.bytes.begin(), full.bytes.begin() + static_cast<std::ptrdiff_t>(cut));
      w.save(path);
      CHECK_THROWS_AS(GgufFile{path}, std::runtime_error);
    }
    std::filesystem::remove(path);
  }

  TEST_CASE("malformed files name the problem") {
    GgufWriter bad_magic;
    bad_magic.put<uint32_t>(0x12345678);
    bad_magic.put<uint32_t>(3);
    expect_error(bad_magic, "magic", "bad magic");

    GgufWriter bad_version;
    bad_version.header(7, 0, 0);
    expect_error(bad_version, "version", "unsupported GGUF version 7");

    GgufWriter bad_type;
    bad_type.header(3, 1, 0);
    bad_type.tensor_info("w", {32}, 99, 0);
    expect_error(bad_type, "type", "tensor 'w': unknown tensor type id 99");

    GgufWriter unsupported;
    unsupported.header(3, 1, 0);
    unsupported.tensor_info("w", {256}, 11, 0);  // Q3_K
    expect_error(unsupported, "unsupported", "tensor 'w': tensor type Q3_K is not supported");

    GgufWriter beyond;
    beyond.header(3, 1, 0);
    beyond.tensor_info("w", {1024}, 0, 0);
    beyond.align(32);
    expect_error(beyond, "beyond", "tensor 'w' (4096 bytes");

    GgufWriter misaligned;
    misaligned.header(3, 1, 0);
    misaligned.tensor_info("w", {4}, 0, 3);
    expect_error(misaligned, "misaligned", "not aligned");

    GgufWriter bad_block;
    bad_block.header(3, 1, 0);
    bad_block.tensor_info("w", {33}, 8, 0);
    expect_error(bad_block, "block", "not a multiple of the Q8_0 block size 32");

    // A file with one metadata key holding an array of `n` elements of GGUF type `type` (elements to follow).
    auto one_array = [](const char* key, uint32_t type, uint64_t n) {
      GgufWriter w;
      w.header(3, 0, 1);
      w.put_string(key);
      w.put<uint32_t>(9);  // ARRAY
      w.put<uint32_t>(type);
      w.put<uint64_t>(n);
      return w;
    };
    GgufWriter huge_array = one_array("arr", 0, 1ull << 60);
    expect_error(huge_array, "huge", "metadata 'arr': array length");

    // 2^40 strings: each needs at least its 8-byte length, so the file cannot hold them
    GgufWriter huge_strings = one_array("arr", 8, 1ull << 40);
    for (int i = 0; i < 64; ++i) huge_strings.put<uint8_t>(0);
    expect_error(huge_strings, "huge_strings", "metadata 'arr': array length 1099511627776 exceeds the file");

    GgufWriter short_floats = one_array("scores", 6, 4);  // 4 f32 announced, 3 present
    for (int i = 0; i < 3; ++i) short_floats.put<float>(1.0f);
    expect_error(short_floats, "short_floats", "metadata 'scores': array length 4 exceeds the file");

    GgufWriter bad_bools = one_array("flags", 7, 2);
    bad_bools.put<uint8_t>(1);
    bad_bools.put<uint8_t>(2);
    expect_error(bad_bools, "bools", "metadata 'flags': bool value 2 is neither 0 nor 1");

    GgufWriter bad_bool;
    bad_bool.header(3, 0, 1);
    bad_bool.put_string("flag");
    bad_bool.put<uint32_t>(7);
    bad_bool.put<uint8_t>(5);
    expect_error(bad_bool, "bool", "metadata 'flag': bool value 5");

    GgufWriter dup;
    dup.header(3, 0, 2);
    dup.kv_u32("k", 1);
    dup.kv_u32("k", 2);
    expect_error(dup, "dup", "metadata key 'k' appears twice");

    CHECK_THROWS_WITH_AS(GgufFile("/nonexistent/model.gguf"), doctest::Contains("/nonexistent/model.gguf: cannot open"),
                         std::runtime_error);
  }
}
