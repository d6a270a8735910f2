// Every op on the Vulkan device against the CPU backend, one-node (or two-node) graphs on random inputs,
// with the Khronos validation layer on: any validation error throws and fails the test.
// Tolerances: both sides compute in fp32; only summation order (shared-memory reductions vs sequential
// loops) and transcendental implementations (GPU exp/tanh/cos vs libm) differ, so results agree to a few
// fp32 ulps per accumulated term: 1e-5 relative for elementwise ops, 2e-4 relative (plus 1e-5 absolute)
// where long sums are involved (matmul K=512, attention, norms).
#include "tests/vulkan/op_compare.h"

using namespace vkg;
using namespace vkg::test;

namespace {
// The attention tests' graph: the step's random keys and values (seeds seed + 1, seed + 2) stored into fresh
// ring caches of `seqs` sequences x `cap` slots, then attention of its random queries (seed) over them.
struct AttnShape { int nh, nkv, hd, window; float softcap; int cap, seqs; };
void attention_graph(OpGraph& op, int n, const AttnShape& c, uint32_t seed) {
  const int64_t q_cols = int64_t(c.nh) * c.hd, kv_cols = int64_t(c.nkv) * c.hd;
  TensorId q = op.f32("q", {n, q_cols}, random_floats(static_cast<size_t>(n * q_cols), seed));
  TensorId k = op.f32("k", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), seed + 1));
  TensorId v = op.f32("v", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), seed + 2));
  const int64_t rows = int64_t(c.cap) * c.seqs;
  TensorId kc = op.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
  TensorId vc = op.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
  op.graph.add_node_into("k_store", {k, op.graph.positions, kc, op.graph.sequence}, KvStoreParams{c.seqs}, kc);
  op.graph.add_node_into("v_store", {v, op.graph.positions, vc, op.graph.sequence}, KvStoreParams{c.seqs}, vc);
  op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                AttentionParams{c.nh, c.nkv, c.hd, 0.0625f, c.softcap, c.window, c.seqs});
}
}  // namespace

TEST_SUITE("vulkan_ops") {
  TEST_CASE("the backend names its device") { CHECK(vulkan()->name().find("vulkan (") == 0); }

  // H = 96 also: Q8_0 rows of 102 bytes, which the weight store pads to whole texels on CPU devices (the
  // decode kernels' groups), so the table is read at the padded stride.
  TEST_CASE("embed: every table type") {
    for (DType type : kWeightTypes)
      for (int64_t H : {256, 96}) {
        if (H % dtype_info(type).block_elems != 0) continue;
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(H);
        const int64_t V = 50;
        OpGraph op(3);
        op.inputs.token_ids = {7, 0, 49};
        TensorId table = op.data("table", {V, H}, type, random_weights(type, V, H, 3));
        op.output = op.graph.add_node("embed", {op.graph.token_ids, table}, EmbedParams{25.3f});
        compare(op, 1e-6, 1e-6);
      }
  }

  TEST_CASE("rms_norm over rows and over heads, alone and with the residual added") {
    // A group of 254 (not a multiple of 4) takes the storage-buffer shaders on CPU devices too.
    for (const auto& [group, cols] : {std::pair<int64_t, int64_t>{640, 1280}, {256, 1280}, {254, 1270}}) {
      CAPTURE(group);
      OpGraph op(3);
      TensorId x = op.f32("x", {3, cols}, random_floats(size_t(3 * cols), 4, 30.0f));
      TensorId w = op.f32("w", {group}, random_floats(static_cast<size_t>(group), 5));
      op.output = op.graph.add_node("norm", {x, w}, RmsNormParams{1e-6f});
      compare(op, 2e-4, 1e-5);
      OpGraph fused(3);
      TensorId fx = fused.f32("x", {3, cols}, random_floats(size_t(3 * cols), 4, 30.0f));
      TensorId fw = fused.f32("w", {group}, random_floats(static_cast<size_t>(group), 5));
      TensorId fr = fused.f32("residual", {3, cols}, random_floats(size_t(3 * cols), 6, 40.0f));
      fused.output = fused.graph.add_node("norm_add", {fx, fw, fr}, RmsNormAddParams{1e-6f});
      compare(fused, 2e-4, 1e-5);
    }
  }

  TEST_CASE("rope: local and global bases, linear scaling, positions up to 5000") {
    for (float theta : {10000.0f, 1000000.0f})
      for (float scale : {1.0f, 0.125f}) {
        OpGraph op(3);
        op.inputs.positions = {0, 17, 5000};
        TensorId x = op.f32("x", {3, 1024}, random_floats(3 * 1024, 6));
        op.output = op.graph.add_node("rope", {x, op.graph.positions}, RopeParams{256, theta, scale});
        // Angles up to 5000 rad: fp32 cos/sin of large arguments differ by ~1 ulp of the angle (3e-4).
        compare(op, 1e-3, 1e-3);
      }
  }

  TEST_CASE("rms_norm_rope: Gemma 3's per-head norm and RoPE in one pass, as the two CPU kernels") {
    // head_dim 256 and 64 (texel shader on CPU devices), 36 (not a multiple of 8: storage-buffer shader).
    for (int hd : {256, 64, 36}) {
      CAPTURE(hd);
      OpGraph op(3);
      op.inputs.positions = {0, 17, 5000};
      const int64_t cols = 4 * int64_t(hd);
      TensorId x = op.f32("x", {3, cols}, random_floats(size_t(3 * cols), 7, 20.0f));
      TensorId w = op.f32("w", {hd}, random_floats(size_t(hd), 8));
      op.output = op.graph.add_node("norm_rope", {x, w, op.graph.positions},
                                    RmsNormRopeParams{1e-6f, RopeParams{hd, 1000000.0f, 0.125f}});
      // The norm's sum order (2e-4, as rms_norm) then angles up to 5000 rad (1e-3, as rope).
      compare(op, 1e-3, 1e-3);
    }
  }

  // On CPU devices these head dims (multiples of 32) take attention_rows.comp, one subgroup per token and 4, 2
  // or 1 query heads of a KV head (groups of 4 and 8: h4; 2: h2; MHA: 1), for prompts and decode steps alike;
  // the GPU shader set runs attention.comp (vulkan_ops_gpu_shaders).
  TEST_CASE("kv_store + attention: causal, sliding window, softcap, GQA, ring wrap") {
    // seqs > 1: the caches hold that many sequences' rings (interleaved); the tokens go to sequences 2, 0, 2.
    struct Case { int nh, nkv, hd, window; float softcap; int cap, seqs = 1; };
    for (Case c : {Case{4, 1, 256, 0, 0.0f, 64}, Case{4, 2, 64, 4, 0.0f, 64}, Case{8, 4, 32, 0, 50.0f, 64},
                   Case{2, 1, 64, 8, 0.0f, 10}, Case{3, 3, 64, 0, 0.0f, 64}, Case{8, 1, 32, 6, 30.0f, 64},
                   Case{4, 1, 512, 0, 0.0f, 64}, Case{2, 2, 512, 8, 0.0f, 10},  // 512: Gemma 4 global layers
                   Case{4, 2, 64, 4, 0.0f, 10, 3}, Case{2, 1, 36, 0, 0.0f, 64, 3}}) {
      CAPTURE(c.nh);
      CAPTURE(c.window);
      CAPTURE(c.cap);
      CAPTURE(c.seqs);
      for (int n : {3, 1}) {  // a prompt's tokens and a decode step
        CAPTURE(n);
        OpGraph op(n);
        op.inputs.positions = {20, 21, 22};  // with cap 10 the ring has wrapped twice
        op.inputs.positions.resize(size_t(n));
        if (c.seqs > 1) op.inputs.sequence = std::vector<int32_t>{2, 0, 2}, op.inputs.sequence.resize(size_t(n));
        attention_graph(op, n, {c.nh, c.nkv, c.hd, c.window, c.softcap, c.cap, c.seqs}, 7);
        // Older positions hold zeros in both caches (fresh caches), so masks and windows still matter.
        compare(op, 2e-4, 1e-5);
      }
    }
  }

  // Prompts of more than 8 tokens: on GPUs (vulkan_ops_gpu_shaders) attention_flash.comp, 8 queries per workgroup
  // over tiles of 16 keys: partial tiles of queries (9, 19, 21) and of keys, 256-wide heads, GQA, a soft cap, a
  // sliding window over a ring, three sequences interleaved token by token (every tile of queries takes three
  // passes), and an image block whose tokens see ahead (key_end past the position).
  TEST_CASE("attention for prompts: tiles of queries and keys, sequences mixed in a tile, image blocks") {
    struct Case { int nh, nkv, hd, window; float softcap; int cap, seqs, n; bool image; };
    for (Case c : {Case{4, 1, 256, 0, 0.0f, 64, 1, 21, false}, Case{8, 4, 32, 0, 50.0f, 64, 1, 40, false},
                   Case{2, 1, 64, 8, 0.0f, 32, 1, 20, false}, Case{4, 2, 64, 0, 0.0f, 64, 3, 19, false},
                   Case{2, 2, 72, 4, 0.0f, 64, 1, 16, true}, Case{3, 3, 40, 0, 0.0f, 64, 1, 9, false}}) {
      CAPTURE(c.nh);
      CAPTURE(c.hd);
      CAPTURE(c.window);
      CAPTURE(c.seqs);
      CAPTURE(c.n);
      const int n = c.n;
      OpGraph op(n);
      op.inputs.positions.resize(size_t(n));
      op.inputs.sequence.resize(size_t(n));
      for (int i = 0; i < n; ++i) {  // token i: sequence i % seqs, its positions from 20 on
        op.inputs.sequence[size_t(i)] = i % c.seqs;
        op.inputs.positions[size_t(i)] = 20 + i / c.seqs;
      }
      if (c.image) {  // tokens 3..12 are one image: each sees up to position 32
        op.inputs.key_end = op.inputs.positions;
        for (int i = 3; i <= 12; ++i) op.inputs.key_end[size_t(i)] = 32;
      }
      attention_graph(op, n, {c.nh, c.nkv, c.hd, c.window, c.softcap, c.cap, c.seqs}, 17);
      compare(op, 2e-4, 1e-5);
    }
  }

  // Long rings: on GPUs (vulkan_ops_gpu_shaders) decode steps split over the keys (attention.comp SPLIT_KEYS:
  // chunks of 256 keys over the 4096-slot ring, most of them empty, then attention_merge.comp), with a sliding
  // window, a soft cap, GQA, two sequences and 512-wide heads; a prompt of 9 tokens is not split.
  TEST_CASE("attention over 2100 keys written by an earlier step (caches persist between runs)") {
    struct Case { int nh, nkv, hd, window; float softcap; int seqs, n; };
    for (Case c : {Case{2, 1, 64, 0, 0.0f, 1, 2}, Case{4, 2, 64, 1000, 30.0f, 2, 3}, Case{8, 1, 256, 0, 0.0f, 1, 1},
                   Case{2, 2, 512, 700, 0.0f, 1, 2}, Case{2, 1, 64, 0, 0.0f, 1, 9}}) {
      CAPTURE(c.hd);
      CAPTURE(c.window);
      CAPTURE(c.seqs);
      CAPTURE(c.n);
      const int n_fill = 2100, cap = 4096;
      const int64_t q_cols = int64_t(c.nh) * c.hd, kv_cols = int64_t(c.nkv) * c.hd, rows = int64_t(cap) * c.seqs;
      // One graph fills sequence 0's ring at positions 0..2099; the next reads it (caches persist between runs).
      OpGraph fill(n_fill);
      TensorId k = fill.f32("k", {n_fill, kv_cols}, random_floats(static_cast<size_t>(n_fill * kv_cols), 8));
      TensorId v = fill.f32("v", {n_fill, kv_cols}, random_floats(static_cast<size_t>(n_fill * kv_cols), 9));
      TensorId fkc = fill.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      TensorId fvc = fill.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      fill.graph.add_node_into("k_store", {k, fill.graph.positions, fkc, fill.graph.sequence}, KvStoreParams{c.seqs}, fkc);
      fill.graph.add_node_into("v_store", {v, fill.graph.positions, fvc, fill.graph.sequence}, KvStoreParams{c.seqs}, fvc);

      OpGraph op(c.n);
      op.inputs.positions.clear();
      for (int i = 0; i < c.n; ++i) op.inputs.positions.push_back(2099 - (c.n > 3 ? 200 * i : i));  // 2100 keys and fewer
      // Two sequences: the second token reads sequence 1's ring (zeros: fresh).
      if (c.seqs > 1) op.inputs.sequence = std::vector<int32_t>(size_t(c.n), 0), op.inputs.sequence[1] = 1;
      TensorId q = op.f32("q", {c.n, q_cols}, random_floats(static_cast<size_t>(c.n * q_cols), 7));
      TensorId kc = op.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      TensorId vc = op.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                    AttentionParams{c.nh, c.nkv, c.hd, 0.125f, c.softcap, c.window, c.seqs});

      auto cpu = cpu_oracle();
      auto gpu = vulkan();
      for (Backend* b : {cpu.get(), gpu.get()}) {
        b->run(fill.graph, fill.inputs);
        b->run(op.graph, op.inputs);
      }
      // As the attention tests above: fp32 sums in another order (2e-4 relative).
      MESSAGE("attention, " << c.n << " tokens: worst error / tolerance "
                            << require_close(cpu->read(op.graph, op.output), gpu->read(op.graph, op.output), 2e-4, 1e-5));
    }
  }

  TEST_CASE("rope_store and rms_norm_rope_store: keys rotated into a ring cache, read back by attention") {
    // head_dim 64 (texel shader on CPU devices) and 36 (storage-buffer shader); cap 10 wraps the ring twice.
    for (bool norm : {false, true})
      for (int hd : {64, 36})
        for (int cap : {64, 10}) {
          CAPTURE(norm);
          CAPTURE(hd);
          CAPTURE(cap);
          const int n = 3, nh = 4, nkv = 2;
          OpGraph op(n);
          op.inputs.positions = {20, 21, 22};
          // The wrapping ring also holds two sequences' rings (tokens in sequences 1, 0, 1).
          const int seqs = cap == 10 ? 2 : 1;
          if (seqs > 1) op.inputs.sequence = {1, 0, 1};
          const int64_t q_cols = int64_t(nh) * hd, kv_cols = int64_t(nkv) * hd;
          TensorId q = op.f32("q", {n, q_cols}, random_floats(static_cast<size_t>(n * q_cols), 7));
          TensorId k = op.f32("k", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), 8, 5.0f));
          TensorId v = op.f32("v", {n, kv_cols}, random_floats(static_cast<size_t>(n * kv_cols), 9));
          const int64_t rows = int64_t(cap) * seqs;
          TensorId kc = op.graph.add_tensor({"k_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
          TensorId vc = op.graph.add_tensor({"v_cache", {rows, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
          const RopeParams rope{hd, 10000.0f, 1.0f};
          if (norm) {
            TensorId w = op.f32("w", {hd}, random_floats(size_t(hd), 10));
            op.graph.add_node_into("k_norm_rope_store", {k, w, op.graph.positions, kc, op.graph.sequence},
                                   RmsNormRopeStoreParams{{1e-6f, rope}, seqs}, kc);
          } else {
            op.graph.add_node_into("k_rope_store", {k, op.graph.positions, kc, op.graph.sequence}, RopeStoreParams{rope, seqs}, kc);
          }
          op.graph.add_node_into("v_store", {v, op.graph.positions, vc, op.graph.sequence}, KvStoreParams{seqs}, vc);
          op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                        AttentionParams{nh, nkv, hd, 0.125f, 0.0f, 8, seqs});
          // A key in the wrong slot, or unrotated, moves the softmax weights by far more than these
          // tolerances (those of rope and attention above).
          compare(op, 1e-3, 1e-4);
        }
  }

  TEST_CASE("gelu_mul, add, softcap, last_row") {
    const int64_t n = 3, c = 1000;
    OpGraph op(static_cast<int>(n));
    TensorId a = op.f32("a", {n, c}, random_floats(n * c, 10, 4.0f));
    TensorId b = op.f32("b", {n, c}, random_floats(n * c, 11, 4.0f));
    TensorId g = op.graph.add_node("gelu_mul", {a, b}, GeluMulParams{});
    TensorId s = op.graph.add_node("add", {g, a}, AddParams{});
    TensorId t = op.graph.add_node("softcap", {s}, SoftcapParams{3.0f});
    op.output = op.graph.add_node("last", {t}, LastRowParams{});
    compare(op, 1e-5, 1e-6);
    for (const int64_t cols : {70000, 69999}) {  // texel and storage-buffer shaders on CPU devices
      CAPTURE(cols);
      OpGraph op3(3);
      std::vector<float> logits = random_floats(3 * cols, 13, 5.0f);
      logits[1 * cols + 5] = logits[1 * cols + 69000] = 100.0f;  // a tie: the first index wins
      TensorId l = op3.f32("logits", {3, cols}, logits);
      op3.output = op3.graph.add_node("argmax", {l}, ArgmaxParams{});
      compare(op3, 0.0, 0.0);  // indices: exact
    }
    OpGraph op2(1);
    TensorId x = op2.f32("x", {1, c}, random_floats(c, 12, 100.0f));
    op2.output = op2.graph.add_node("softcap", {x}, SoftcapParams{30.0f});
    compare(op2, 1e-5, 1e-6);
  }

  TEST_CASE("top_k: the same candidates in the same order as the CPU, ties at the threshold included") {
    // Exact comparison: selection does no arithmetic. Rows with ties where the k-th value falls (the lower
    // indices must win), signed zeros, -inf and NaN (ranked below everything, so never among these k).
    // Row 2 has too many values at the bound for the gather (the radix-select path). 69999 columns: the
    // storage-buffer shader on CPU devices too (the texel one needs a multiple of 4).
    for (const int64_t cols : {70000, 69999}) {
      CAPTURE(cols);
      std::vector<float> x = random_floats(3 * cols, 14, 5.0f);
      std::mt19937 rng(15);
      for (int i = 0; i < 300; ++i) x[size_t(cols + rng() % cols)] = 9.0f;  // row 1: 300-way tie at the top
      for (int64_t c = 0; c < cols; ++c) {  // row 2: zeros of both signs above negatives, one NaN, one -inf
        float& v = x[size_t(2 * cols + c)];
        v = c % 3 == 0 ? (c % 2 ? -0.0f : 0.0f) : -std::abs(v) - 1.0f;
      }
      x[size_t(2 * cols + 7)] = std::nanf("");
      x[size_t(2 * cols + 8)] = -INFINITY;
      x[size_t(11)] = -INFINITY;
      for (int k : {1, 40, 256}) {
        CAPTURE(k);
        OpGraph op(3);
        TensorId l = op.f32("logits", {3, cols}, x);
        op.output = op.graph.add_node("top_k", {l}, TopKParams{k});
        compare(op, 0.0, 0.0);
      }
    }
    OpGraph narrow(1);  // fewer columns than the workgroup: every value is a candidate
    TensorId n = narrow.f32("x", {1, 100}, random_floats(100, 16));
    narrow.output = narrow.graph.add_node("top_k", {n}, TopKParams{100});
    compare(narrow, 0.0, 0.0);
    OpGraph vocab(1);  // Gemma 3's vocabulary
    TensorId v = vocab.f32("logits", {1, 262144}, random_floats(262144, 17, 3.0f));
    vocab.output = vocab.graph.add_node("top_k", {v}, TopKParams{64});
    compare(vocab, 0.0, 0.0);
  }

  TEST_CASE("attention with key_end: an image block sees ahead (and a sliding window still applies)") {
    for (int window : {0, 4}) {
      CAPTURE(window);
      const int n = 6, nh = 2, hd = 72;  // head_dim 72 as SigLIP's
      OpGraph op(n);
      op.inputs.positions = {10, 11, 12, 13, 14, 15};
      op.inputs.key_end = {10, 14, 14, 14, 14, 15};  // tokens 11..14 are one image
      const int64_t cols = int64_t(nh) * hd;
      TensorId q = op.f32("q", {n, cols}, random_floats(static_cast<size_t>(n * cols), 20));
      TensorId k = op.f32("k", {n, cols}, random_floats(static_cast<size_t>(n * cols), 21));
      TensorId v = op.f32("v", {n, cols}, random_floats(static_cast<size_t>(n * cols), 22));
      TensorId kc = op.graph.add_tensor({"k_cache", {32, cols}, DType::F32, TensorRole::kv_cache, nullptr});
      TensorId vc = op.graph.add_tensor({"v_cache", {32, cols}, DType::F32, TensorRole::kv_cache, nullptr});
      op.graph.add_node_into("k_store", {k, op.graph.positions, kc, op.graph.sequence}, KvStoreParams{}, kc);
      op.graph.add_node_into("v_store", {v, op.graph.positions, vc, op.graph.sequence}, KvStoreParams{}, vc);
      op.output = op.graph.add_node("attn", {q, kc, vc, op.graph.positions, op.graph.key_end, op.graph.sequence},
                                    AttentionParams{nh, nh, hd, 0.12f, 0.0f, window});
      compare(op, 2e-4, 1e-5);
    }
  }

  TEST_CASE("vision ops: bias add, layer_norm, gelu, avg_pool, replace_rows") {
    const int side = 8, cols = 200;
    OpGraph op(side * side);
    TensorId x = op.f32("x", {side * side, cols}, random_floats(size_t(side * side * cols), 30, 3.0f));
    TensorId bias = op.f32("bias", {cols}, random_floats(cols, 31));
    TensorId w = op.f32("w", {cols}, random_floats(cols, 32));
    TensorId b = op.f32("b", {cols}, random_floats(cols, 33));
    TensorId y = op.graph.add_node("bias_add", {x, bias}, AddParams{});
    y = op.graph.add_node("layer_norm", {y, w, b}, LayerNormParams{1e-6f});
    y = op.graph.add_node("gelu", {y}, GeluParams{});
    op.output = op.graph.add_node("avg_pool", {y}, AvgPoolParams{side, 2});
    compare(op, 2e-4, 1e-5);

    const int n = 5;
    OpGraph op2(n);
    TensorId t = op2.f32("t", {n, cols}, random_floats(size_t(n * cols), 34));
    TensorId rows = op2.graph.add_tensor({"image_rows", {n, cols}, DType::F32, TensorRole::input, nullptr});
    TensorId use = op2.graph.add_tensor({"image_row_use", {n}, DType::I32, TensorRole::input, nullptr});
    op2.inputs.floats["image_rows"] = random_floats(size_t(n * cols), 35);
    op2.inputs.ints["image_row_use"] = {0, 1, 1, 0, 1};
    op2.output = op2.graph.add_node("replace_rows", {t, rows, use}, ReplaceRowsParams{});
    compare(op2, 0.0, 0.0);  // copies: exact
  }
}
