// Perplexity the way llama-perplexity computes it: non-overlapping chunks of n_ctx tokens, the first token
// of each chunk replaced by BOS, the KV cache cleared per chunk, and only the second half of each chunk
// scored (each token predicted from the logits of the one before it), PPL = exp(mean NLL).
#pragma once
#include <functional>
#include <vector>

#include "model/session.h"

namespace vkg {

struct PerplexityResult {
  double ppl = 0;
  int n_ctx = 0;
  int chunks = 0;
  int tokens_scored = 0;
};

// tokens: the whole text tokenized with BOS. max_chunks 0: all whole chunks. on_chunk(i, running ppl).
PerplexityResult perplexity(Session& session, const std::vector<int>& tokens, int n_ctx, int max_chunks = 0,
                            const std::function<void(int, double)>& on_chunk = {});

}  // namespace vkg
