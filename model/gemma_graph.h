// Builds the graph of one forward step of a Gemma decoder (Gemma 1, 2 and 3 differ only in config fields).
#pragma once
#include "model/model.h"
#include "runtime/graph.h"

namespace vkg {

// The KV caches grow with the sequence in pages of this many positions (Session::forward).
constexpr int kKvPagePositions = 256;

struct KvLayout {
  int context = 0;    // the most positions a sequence may hold
  int max_batch = 1;  // the most tokens one step may add; sliding-window rings hold window + max_batch - 1
  int allocated = 0;  // positions the caches have room for now (0: the whole context)
  int sequences = 1;  // sequences with their own rings in every cache (runtime/ops/kv_store.h), each `context` long

  int held() const { return allocated > 0 && allocated < context ? allocated : context; }
  int capacity(const GemmaConfig& c, int layer) const;  // ring slots per sequence in the layer's caches now
  int64_t bytes(const GemmaConfig& c) const;            // fp32 K and V over all layers and sequences, now
  int64_t full_bytes(const GemmaConfig& c) const;       // ... once they hold the whole context
};

struct BuildOptions {
  int n_tokens = 1;
  bool all_logits = false;  // logits for every new token (perplexity) instead of the last one only
  bool greedy = false;      // add an argmax of the logits (graph.greedy_token): greedy steps read back one id
  int top_k = 0;            // > 0: add the top_k of the logits (graph.top_logits): sampled steps read back 2k
  // false: no output norm or logits (graph.logits unset): a prompt batch before the last one only fills the
  // KV caches, and the logits matmul reads the whole embedding table (the 270M's largest weight).
  bool logits = true;
  // Image embeddings replace token embeddings where inputs "image_rows" [n, H] f32 and "image_row_use" [n]
  // i32 say so (rows are used as they are: no sqrt(H) scale).
  bool image_rows = false;
  KvLayout kv;
};

Graph build_gemma_graph(const Model& model, const BuildOptions& options);

// The vision tower and projector for one image: input "patches" [patches, 3 * patch^2] f32 (see
// image_patches in model/image.h), positions 0..patches-1 and key_end patches-1 (attention over the whole
// image); output graph.logits = the image's embeddings [tokens_per_image, H_text]. Needs model.vision().
Graph build_vision_graph(const Model& model);

}  // namespace vkg
