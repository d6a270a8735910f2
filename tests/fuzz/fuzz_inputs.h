// What each fuzz target does with one input, shared by the libFuzzer executables (fuzz_<name>.cpp, built
// with VKGEMMA_FUZZ=ON by tools/fuzz.sh) and the fuzz_regressions test suite, which replays every file of
// assets/fuzz_corpus/<name>/ through the same function in the normal build.
//
// Contract: a function returns (input accepted) or throws std::runtime_error naming the problem (input
// rejected). Anything else -- a crash, a sanitizer report, another exception type, a hang -- is a bug.
//
// Adding a target: one function here, one row in fuzz_targets(), one fuzz_<name>.cpp calling
// run_fuzz_input("<name>", ...), one name in tests/fuzz/CMakeLists.txt, and seeds in tools/fuzz.sh.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vkg::fuzz {

// A GGUF file: Model::load (header, metadata, tensor infos, config, weight shapes, tokenizer).
void gguf(std::string_view bytes);
// A .safetensors file: SafetensorsFile (header JSON, dtypes, shapes, offsets); every tensor's bytes touched.
void safetensors(std::string_view bytes);
// A Hugging Face config.json: config_from_hf_json.
void hf_config(std::string_view bytes);
// Arbitrary text through the tiny tokenizer: encode, decode, stream decode; arbitrary ids to decode.
void tokenizer(std::string_view bytes);
// A tokenizer.model (SentencePiece ModelProto) from arbitrary bytes: Tokenizer::from_serialized_proto, then
// a short encode and decode with it.
void tokenizer_model(std::string_view bytes);
// An image file of any format stb_image reads: decode_image, then the preprocessing resize (small output, so
// a large valid image stays fast) and patching.
void image(std::string_view bytes);

struct Target {
  const char* name;  // also the folder under assets/fuzz_corpus/
  void (*run)(std::string_view bytes);
};
const std::vector<Target>& targets();

// libFuzzer glue: runs the named target; a std::runtime_error is a clean rejection, everything else escapes.
int run_fuzz_input(const char* target, const uint8_t* data, size_t size);

}  // namespace vkg::fuzz
