#include "tests/fuzz/fuzz_inputs.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>

#include "model/hf_config.h"
#include "model/model.h"
#include "model/image.h"
#include "model/safetensors.h"
#include "model/tokenizer.h"

#ifndef VKGEMMA_SOURCE_DIR
#error "VKGEMMA_SOURCE_DIR must name the source tree (for the tiny tokenizer)"
#endif

namespace vkg::fuzz {
namespace {

// The loaders read files (memory-mapped): each input is written to one scratch file per process and kind,
// removed when the process exits.
std::string scratch_file(std::string_view bytes, const char* suffix) {
  static const std::string base = (std::filesystem::temp_directory_path() /
                                   ("vkgemma-fuzz-" + std::to_string(std::random_device()()) + "-")).string();
  static struct Cleanup {
    std::set<std::string> paths;
    ~Cleanup() {
      for (const std::string& p : paths) {
        std::error_code ignored;  // still mapped (Windows) or already gone: nothing to do
        std::filesystem::remove(p, ignored);
      }
    }
  } cleanup;
  const std::string path = base + suffix;
  cleanup.paths.insert(path);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) std::abort();  // the harness itself failed, not the code under test
  return path;
}

[[noreturn]] void property_failed(const char* what) {
  std::fprintf(stderr, "fuzz property failed: %s\n", what);
  std::abort();
}

// Streaming gives a prefix of decode(): only an incomplete trailing UTF-8 character (at most 3 byte pieces,
// which decode() writes as up to 3 U+FFFD of 3 bytes each) is held back.
void check_stream(const Tokenizer& tok, const std::vector<int>& ids) {
  const std::string decoded = tok.decode(ids);
  TokenStreamDecoder stream(tok);
  std::string streamed;
  for (int id : ids) streamed += stream.push(id);
  if (decoded.compare(0, streamed.size(), streamed) != 0 || decoded.size() - streamed.size() > 9)
    property_failed("stream decoding differs from decode()");
}

// Exercises a loaded tokenizer with text and ids derived from the input.
void exercise_tokenizer(const Tokenizer& tok, std::string_view bytes) {
  const std::string text(bytes);
  // add_bos adds one BOS, or none (a vocabulary without one, or a text that starts with it).
  const size_t with_bos = tok.encode(text, true).size(), without = tok.encode(text, false).size();
  if (with_bos != without && with_bos != without + 1) property_failed("add_bos added more than one token");
  const std::vector<int> encoded = tok.encode(text, false);
  for (int id : encoded)
    if (id < 0 || id >= tok.vocab_size()) property_failed("encode returned an id outside the vocabulary");
  check_stream(tok, encoded);
  // The bytes as ids, some outside the vocabulary: decode must reject those cleanly.
  std::vector<int> ids;
  const int n = tok.vocab_size();
  for (size_t i = 0; i + 1 < bytes.size() && ids.size() < 256; i += 2) {
    const int v = static_cast<uint8_t>(bytes[i]) | static_cast<uint8_t>(bytes[i + 1]) << 8;
    ids.push_back(v % (n + 4) - 2);
  }
  try {
    tok.decode(ids);
  } catch (const std::runtime_error&) {
  }
  std::vector<int> valid;
  for (int id : ids)
    if (id >= 0 && id < n) valid.push_back(id);
  check_stream(tok, valid);
}

}  // namespace

void gguf(std::string_view bytes) {
  const std::string path = scratch_file(bytes, "model.gguf");
  std::unique_ptr<Model> m = Model::load(path);
  m->config().describe();
  exercise_tokenizer(m->tokenizer(), "Hello <start_of_turn>world 123");
}

void safetensors(std::string_view bytes) {
  const std::string path = scratch_file(bytes, "model.safetensors");
  SafetensorsFile f(path);
  volatile uint8_t sink = 0;
  for (const auto& [name, t] : f.tensors())
    if (t.bytes) sink = sink ^ t.data[0] ^ t.data[t.bytes - 1];  // ASan sees a pointer outside the mapping
}

void hf_config(std::string_view bytes) { config_from_hf_json(std::string(bytes), "fuzz config.json").describe(); }

void tokenizer(std::string_view bytes) {
  static const Tokenizer tok = Tokenizer::from_model_file(VKGEMMA_SOURCE_DIR "/assets/tiny_tokenizer.model");
  exercise_tokenizer(tok, bytes);
}

void tokenizer_model(std::string_view bytes) {
  const Tokenizer tok = Tokenizer::from_serialized_proto(std::string(bytes), "fuzz tokenizer.model");
  exercise_tokenizer(tok, "Hello <bos>world\xE2\x96\x81 12 \xF0\x9F\x98\x80");
}

void image(std::string_view bytes) {
  const RgbImage img = decode_image(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "fuzz image");
  const std::vector<float> pixels = preprocess_image(img, 16);
  image_patches(pixels, 16, 4);
}

const std::vector<Target>& targets() {
  static const std::vector<Target> t = {
      {"gguf", gguf},
      {"safetensors", safetensors},
      {"hf_config", hf_config},
      {"tokenizer", tokenizer},
      {"tokenizer_model", tokenizer_model},
      {"image", image},
  };
  return t;
}

int run_fuzz_input(const char* target, const uint8_t* data, size_t size) {
  for (const Target& t : targets())
    if (std::string_view(t.name) == target) {
      try {
        t.run(std::string_view(reinterpret_cast<const char*>(data), size));
      } catch (const std::runtime_error&) {
        // a clean rejection
      }
      return 0;
    }
  property_failed("unknown fuzz target");
}

}  // namespace vkg::fuzz
