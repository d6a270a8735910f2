// Builds the graph of one forward step of a Gemma decoder (Gemma 1, 2 and 3 differ only in config fields).
#pragma once
#include "model/model.h"
#include "runtime/graph.h"

namespace vkg {

struct KvLayout {
  int context = 0;    // capacity of global (full-attention) layers' caches, in tokens
  int max_batch = 1;  // the most tokens one step may add; sliding-window rings hold window + max_batch - 1

  int capacity(const GemmaConfig& c, int layer) const;
  int64_t bytes(const GemmaConfig& c) const;  // fp32 K and V over all layers
};

struct BuildOptions {
  int n_tokens = 1;
  bool all_logits = false;  // logits for every new token (perplexity) instead of the last one only
  bool greedy = false;      // add an argmax of the logits (graph.greedy_token): greedy steps read back one id
  KvLayout kv;
};

Graph build_gemma_graph(const Model& model, const BuildOptions& options);

}  // namespace vkg
