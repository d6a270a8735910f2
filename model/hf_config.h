// GemmaConfig from a Hugging Face config.json (GemmaForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM,
// Gemma3ForConditionalGeneration with the text keys under text_config). Missing keys take the
// transformers class defaults (gemma-models.md 3.1). vocab_size is the config's value; Model::load sets it
// to the tokenizer's vocabulary (cutting Gemma 3's 64 pad rows).
#pragma once
#include <string>

#include "model/config.h"

namespace vkg {

// Throws std::runtime_error naming the file and the key or value that was wrong.
GemmaConfig config_from_hf(const std::string& config_json_path);
// The same from the JSON text; `origin` names the source in error messages.
GemmaConfig config_from_hf_json(const std::string& text, const std::string& origin);

}  // namespace vkg
