// CPU attention (runtime/cpu/ops/attention.cpp) against attention by its definition in double precision: decode
// (head groups), prompts (tiles of query rows), sliding windows, soft-caps, the KV ring.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "runtime/cpu/kernels.h"
#include "tests/unit/cpu_ops_helpers.h"

using namespace vkg;
using namespace vkg::cpu;
using vkg::test::check_close;
using vkg::test::pool;
using vkg::test::random_vector;

// Attention by its definition, in double: token t's query head h against the keys j <= key_end[t] within the
// window, keys and values given by position ([j][n_kv_head][head_dim]).
static std::vector<double> reference_attention(const std::vector<float>& q, int rows,
                                               const std::vector<float>& keys, const std::vector<float>& values,
                                               int n_keys, const int32_t* pos, const int32_t* key_end,
                                               const AttentionParams& p) {
  const int nh = p.n_head, nkv = p.n_kv_head, hd = p.head_dim;
  std::vector<double> want(q.size());
  for (int t = 0; t < rows; ++t)
    for (int h = 0; h < nh; ++h) {
      const int g = h / (nh / nkv);  // e.g. heads 0,1 -> kv 0; 2,3 -> kv 1
      std::vector<double> s(n_keys, -INFINITY);
      for (int j = 0; j < n_keys; ++j) {
        if (j > key_end[t] || (p.window > 0 && pos[t] - j >= p.window)) continue;
        double d = 0;
        for (int i = 0; i < hd; ++i) d += double(q[(t * nh + h) * hd + i]) * keys[(j * nkv + g) * hd + i];
        d *= p.scale;
        if (p.softcap > 0) d = p.softcap * std::tanh(d / p.softcap);
        s[j] = d;
      }
      double mx = -INFINITY, sum = 0;
      for (double v : s) mx = std::max(mx, v);
      for (double& v : s) sum += (v = std::exp(v - mx));
      for (int i = 0; i < hd; ++i) {
        double o = 0;
        for (int j = 0; j < n_keys; ++j) o += s[j] / sum * values[(j * nkv + g) * hd + i];
        want[(t * nh + h) * hd + i] = o;
      }
    }
  return want;
}

TEST_SUITE("cpu_ops") {

  TEST_CASE("attention: causal, sliding window, softcap, GQA against an explicit-mask reference") {
    // Head groups of 2, 4 and 1 query heads per KV head (the kernel computes 4, 2 or 1 heads together);
    // head_dim 8 (below two vectors: the scalar tail only), 40 (vectors and a tail), 256 (Gemma 3's), 512 (Gemma 4's
    // global layers).
    struct Shape {
      int nh, nkv, hd;
    };
    for (const Shape shape : {Shape{4, 2, 8}, Shape{8, 2, 40}, Shape{4, 1, 256}, Shape{3, 3, 24}, Shape{2, 1, 512}})
    for (int window : {0, 4})
      for (float cap_s : {0.0f, 5.0f}) {
        CAPTURE(shape.nh);
        CAPTURE(shape.hd);
        CAPTURE(window);
        CAPTURE(cap_s);
        const int nh = shape.nh, nkv = shape.nkv, hd = shape.hd, cap = 32;
        AttentionParams p{nh, nkv, hd, 0.35f, cap_s, window};
        const int total = 20;  // keys at positions 0..19 in the cache
        auto kc = random_vector(cap * nkv * hd, 8), vc = random_vector(cap * nkv * hd, 9);
        std::vector<int32_t> pos = {10, 19};
        auto q = random_vector(2 * nh * hd, 10, 2.0f);
        std::vector<float> out(q.size());
        attention(q.data(), 2, kc.data(), vc.data(), cap, pos.data(), pos.data(), p, out.data(), pool());
        // The cache holds position j at slot j (cap 32 > 20 keys): it is the by-position array.
        const std::vector<double> want = reference_attention(q, 2, kc, vc, total, pos.data(), pos.data(), p);
        check_close(out, want, 1e-4, 1e-5);
      }
  }

  TEST_CASE("attention, prompts (tiles of query rows): causal, window, soft-cap, ring, bidirectional block") {
    // 16+ query rows go by tiles of 8 rows (tokens x the heads of a KV head); 37 tokens leave a short last tile
    // for every group size. Keys live at ring slot j % cap: with a window the ring wraps (cap 48, positions up
    // to 56). key_end past a token's position (tokens 10..15 see up to 15, as image tokens do) must be honored.
    struct Shape {
      int nh, nkv, hd;
    };
    for (const Shape shape : {Shape{4, 1, 256}, Shape{8, 2, 40}, Shape{4, 2, 8}, Shape{3, 3, 24}})
      for (int window : {0, 8})
        for (float cap_s : {0.0f, 5.0f})
          for (bool block : {false, true}) {
            CAPTURE(shape.nh);
            CAPTURE(shape.hd);
            CAPTURE(window);
            CAPTURE(cap_s);
            CAPTURE(block);
            const int nh = shape.nh, nkv = shape.nkv, hd = shape.hd, rows = 37;
            const int cap = window > 0 ? 48 : 64, p0 = window > 0 ? 20 : 5;
            AttentionParams p{nh, nkv, hd, 0.35f, cap_s, window};
            // The keys at positions 0 .. p0 + rows - 1, written in order (later ones overwrite ring slots).
            const int n_keys = p0 + rows;
            auto keys = random_vector(n_keys * nkv * hd, 21), values = random_vector(n_keys * nkv * hd, 22);
            std::vector<float> kc(cap * nkv * hd), vc(cap * nkv * hd);
            for (int32_t j = 0; j < n_keys; ++j) {
              kv_store(&keys[j * nkv * hd], 1, nkv * hd, &j, kc.data(), cap);
              kv_store(&values[j * nkv * hd], 1, nkv * hd, &j, vc.data(), cap);
            }
            std::vector<int32_t> pos(rows), key_end(rows);
            for (int t = 0; t < rows; ++t) pos[t] = key_end[t] = p0 + t;
            if (block)
              for (int t = 10; t < 16; ++t) key_end[t] = p0 + 15;
            auto q = random_vector(rows * nh * hd, 23, 2.0f);
            std::vector<float> out(q.size());
            attention(q.data(), rows, kc.data(), vc.data(), cap, pos.data(), key_end.data(), p, out.data(), pool());
            const std::vector<double> want =
                reference_attention(q, rows, keys, values, n_keys, pos.data(), key_end.data(), p);
            check_close(out, want, 1e-4, 1e-5);
          }
  }

  TEST_CASE("attention: several sequences' rings interleaved in one cache, a step mixing them") {
    // 3 sequences of different lengths share the caches (row = slot * 3 + sequence); one step holds tokens of
    // sequences 2, 0, 1, 2 (decode tokens of several conversations at once). Each must see its own keys only.
    // 20 rows: the prompt path (tiles) would apply to one sequence; a mixed step goes by head groups.
    const int nh = 4, nkv = 2, hd = 40, cap = 16, seqs = 3, window = 6;
    for (int w : {0, window}) {
      CAPTURE(w);
      AttentionParams p{nh, nkv, hd, 0.35f, 0.0f, w, seqs};
      const int lengths[seqs] = {9, 14, 12};  // keys 0 .. length-1 of each sequence
      std::vector<std::vector<float>> keys(seqs), values(seqs);
      std::vector<float> kc(cap * seqs * nkv * hd), vc(cap * seqs * nkv * hd);
      for (int32_t s = 0; s < seqs; ++s) {
        keys[s] = random_vector(lengths[s] * nkv * hd, 30 + s);
        values[s] = random_vector(lengths[s] * nkv * hd, 40 + s);
        for (int32_t j = 0; j < lengths[s]; ++j) {
          kv_store(&keys[s][j * nkv * hd], 1, nkv * hd, &j, kc.data(), KvRings(cap, seqs, &s));
          kv_store(&values[s][j * nkv * hd], 1, nkv * hd, &j, vc.data(), KvRings(cap, seqs, &s));
        }
      }
      // Token t: the last key of its sequence, or (the second sequence-2 token) one before.
      std::vector<int32_t> seq = {2, 0, 1, 2}, pos = {11, 8, 13, 10};
      auto q = random_vector(4 * nh * hd, 50, 2.0f);
      std::vector<float> out(q.size());
      attention(q.data(), 4, kc.data(), vc.data(), KvRings(cap, seqs, seq.data()), pos.data(), pos.data(), p,
                out.data(), pool());
      for (int t = 0; t < 4; ++t) {
        CAPTURE(t);
        const int s = seq[t];
        const std::vector<float> qt(q.begin() + t * nh * hd, q.begin() + (t + 1) * nh * hd);
        const std::vector<float> got(out.begin() + t * nh * hd, out.begin() + (t + 1) * nh * hd);
        check_close(got, reference_attention(qt, 1, keys[s], values[s], lengths[s], &pos[t], &pos[t], p), 1e-4, 1e-5);
      }
    }
  }

  TEST_CASE("window 4: the query at position 10 sees exactly keys 7, 8, 9, 10") {
    // One head, head_dim 1, q = 1, k = 0 (equal scores), v_j = 2^j: the output is the mean of the visible v.
    const int cap = 16;
    std::vector<float> kc(cap, 0.0f), vc(cap), q = {1.0f}, out(1);
    for (int j = 0; j < cap; ++j) vc[j] = static_cast<float>(1 << j);
    int32_t pos = 10;
    attention(q.data(), 1, kc.data(), vc.data(), cap, &pos, &pos, AttentionParams{1, 1, 1, 1.0f, 0.0f, 4}, out.data(),
              pool());
    CHECK(out[0] == doctest::Approx((128 + 256 + 512 + 1024) / 4.0));
  }

  TEST_CASE("ring cache: step-by-step decode equals full recomputation past the window") {
    // Sliding window 4 with a ring of 4 slots, tokens one at a time, vs a 64-slot cache that never wraps;
    // head_dim 4 (scalar loops only) and 40 (vector passes over the wrapping slots, and a tail).
    for (const int hd : {4, 40}) {
    CAPTURE(hd);
    const int steps = 12, window = 4;
    AttentionParams p{1, 1, hd, 0.5f, 0.0f, window};
    auto keys = random_vector(steps * hd, 11), values = random_vector(steps * hd, 12), qs = random_vector(steps * hd, 13);
    std::vector<float> ring_k(window * hd), ring_v(window * hd), full_k(64 * hd), full_v(64 * hd);
    for (int32_t t = 0; t < steps; ++t) {
      kv_store(&keys[t * hd], 1, hd, &t, ring_k.data(), window);
      kv_store(&values[t * hd], 1, hd, &t, ring_v.data(), window);
      kv_store(&keys[t * hd], 1, hd, &t, full_k.data(), 64);
      kv_store(&values[t * hd], 1, hd, &t, full_v.data(), 64);
      std::vector<float> a(hd), b(hd);
      attention(&qs[t * hd], 1, ring_k.data(), ring_v.data(), window, &t, &t, p, a.data(), pool());
      attention(&qs[t * hd], 1, full_k.data(), full_v.data(), 64, &t, &t, p, b.data(), pool());
      for (int i = 0; i < hd; ++i) CHECK(a[i] == b[i]);
    }
    }
  }

}  // TEST_SUITE("cpu_ops")
