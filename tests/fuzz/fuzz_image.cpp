// libFuzzer entry point: see fuzz_inputs.h (vkg::fuzz::image).
#include "tests/fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vkg::fuzz::run_fuzz_input("image", data, size);
}
