// Parser for assets/reference/gemma3_270m_reference.txt, written by tools/make_reference.py from
// Hugging Face transformers' Gemma3ForCausalLM (fp32) on the dequantized default model.
#pragma once
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vkg::test {

struct ReferencePosition {
  int argmax = -1;
  std::vector<std::pair<int, float>> top;  // (token id, logit), descending
};

struct Reference {
  std::vector<int> prompt_tokens;
  std::vector<ReferencePosition> positions;
  std::vector<int> greedy_prompt_tokens;
  std::vector<int> greedy_tokens;
  int ppl_ctx = 0, ppl_chunks = 0, ppl_text_tokens = 0;
  double ppl_value = 0;
};

inline std::vector<int> read_ids(std::istringstream& in) {
  size_t n = 0;
  in >> n;
  std::vector<int> ids(n);
  for (int& id : ids) in >> id;
  if (!in) throw std::runtime_error("reference: bad id list");
  return ids;
}

inline Reference load_reference(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open reference file");
  Reference r;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "prompt_tokens") r.prompt_tokens = read_ids(in);
    else if (key == "greedy_prompt_tokens") r.greedy_prompt_tokens = read_ids(in);
    else if (key == "greedy_tokens") r.greedy_tokens = read_ids(in);
    else if (key == "ppl_ctx") in >> r.ppl_ctx;
    else if (key == "ppl_chunks") in >> r.ppl_chunks;
    else if (key == "ppl_text_tokens") in >> r.ppl_text_tokens;
    else if (key == "ppl_value") in >> r.ppl_value;
    else if (key == "pos") {
      size_t p = 0, k = 0;
      std::string argmax_key, top_key;
      ReferencePosition pos;
      in >> p >> argmax_key >> pos.argmax >> top_key >> k;
      if (p != r.positions.size() || argmax_key != "argmax" || top_key != "top")
        throw std::runtime_error(path + ": bad pos line: " + line);
      for (size_t i = 0; i < k; ++i) {
        std::string item;
        in >> item;
        const size_t colon = item.find(':');
        pos.top.emplace_back(std::stoi(item.substr(0, colon)), std::stof(item.substr(colon + 1)));
      }
      r.positions.push_back(std::move(pos));
    }
  }
  if (r.prompt_tokens.empty() || r.positions.size() != r.prompt_tokens.size() || r.greedy_tokens.empty())
    throw std::runtime_error(path + ": incomplete reference file");
  return r;
}

// The default model's reference, parsed once.
inline const Reference& default_reference() {
  static const Reference r = load_reference(std::string(VKGEMMA_SOURCE_DIR) + "/assets/reference/gemma3_270m_reference.txt");
  return r;
}

}  // namespace vkg::test
