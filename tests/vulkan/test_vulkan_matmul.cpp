// The matmul ops on the Vulkan device against the CPU backend (the vulkan_ops suite's products: every weight
// type, decode and prompt kernels, both shader sets through the suite's ctest variants), with the Khronos
// validation layer on. Tolerances as test_vulkan_ops.cpp's: 2e-4 relative plus 1e-4 absolute for the long sums.
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/matmul_fast.h"
#include "runtime/vulkan/planner.h"
#include "tests/vulkan/op_compare.h"

using namespace vkg;
using namespace vkg::test;

TEST_SUITE("vulkan_ops") {
  // 11 tokens: on CPU devices a full group of the prefill shader's 8 tokens and a partial one.
  TEST_CASE("matmul and matmul_geglu: every weight type, 1 and 11 tokens") {
    for (DType type : kWeightTypes)
      for (int n : {1, 11}) {
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(n);
        const int64_t K = 512, N = 37;
        OpGraph op(n);
        TensorId x = op.f32("x", {n, K}, random_floats(static_cast<size_t>(n * K), 1));
        TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 2));
        op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
        compare(op, 2e-4, 1e-4);
        // The GeGLU epilogue: gelu_tanh(gate) * the product (gelu adds ~1e-6 relative, as gelu_mul's test). The
        // product's absolute error (1e-4 above: fp32 sums of large cancelling K-quant products) is multiplied by
        // |gelu(gate)| <= 3 for these gates, so the absolute bound is 3e-4 (with 11 tokens one Q5_K output missed
        // 1e-4 by 3.3e-4, with the 4-token prefill shader as with the 8-token one; 3 tokens had not hit it).
        OpGraph geglu(n);
        TensorId gx = geglu.f32("x", {n, K}, random_floats(static_cast<size_t>(n * K), 1));
        TensorId gw = geglu.data("w", {N, K}, type, random_weights(type, N, K, 2));
        TensorId gate = geglu.f32("gate", {n, N}, random_floats(static_cast<size_t>(n * N), 9, 3.0f));
        geglu.output = geglu.graph.add_node("matmul_geglu", {gx, gw, gate}, MatmulGegluParams{});
        compare(geglu, 2e-4, 3e-4);
      }
  }

  // GPUs' prompt shader (matmul_tiled.comp, vulkan_ops_gpu_shaders) works in tiles of 64 rows x 64 tokens x 32
  // values of K: 70 tokens and 130 rows leave partial tiles in both directions.
  TEST_CASE("matmul and matmul_geglu: prompts of 70 tokens over partial tiles") {
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::BF16,
                       DType::F32})
      for (bool geglu : {false, true}) {
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(geglu);
        const int n = 70;
        // K as the test above (512) for the K-quants' blocks of 256, else 544 (17 K steps, the last partial).
        const int64_t K = type == DType::Q4_K || type == DType::Q6_K ? 512 : 544, N = 130;
        OpGraph op(n);
        // Inputs of scale 0.25: with 9100 outputs per product, random K-quant rows (|w| up to ~80 for Q6_K) at
        // unit scale put the worst output's fp32 rounding (sums of ~1800 in magnitude) past 1e-4 on either
        // shader set; a tiling or indexing mistake is still off by the size of the values.
        TensorId x = op.f32("x", {n, K}, random_floats(static_cast<size_t>(n * K), 1, 0.25f));
        TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 2));
        if (geglu) {
          TensorId gate = op.f32("gate", {n, N}, random_floats(static_cast<size_t>(n * N), 9, 3.0f));
          op.output = op.graph.add_node("matmul_geglu", {x, w, gate}, MatmulGegluParams{});
        } else {
          op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
        }
        compare(op, 2e-4, geglu ? 3e-4 : 1e-4);  // the tolerances of the test above
      }
  }

  // The CPU-device decode shader spreads a subgroup's lanes over its rows' units as one flat range (a lane's
  // units may cross into the next row): K = 96 gives Q4_0/Q5_0/Q8_0 rows of 3 units (fewer than the lanes),
  // 640 (Gemma 3 270M's width) 20; K = 768 gives the K-quants 12 units of 64 values. N = 37: a partial last
  // row group; N = 1024: several workgroups of the rows-per-lane shader (matmul_lanes.comp, 64 rows each). Its Q8_0
  // kernel reads whole groups of 8 blocks at constant offsets, the rest block by block: K = 96 no group, 640
  // two and 4 blocks, 768 three (rows of 102 / 680 / 816 bytes, padded to whole texels).
  TEST_CASE("matmul decode: rows whose units do not fill the subgroup") {
    for (DType type : kWeightTypes)
      for (int64_t K : {96, 640, 768}) {
        if (K % dtype_info(type).block_elems != 0) continue;
        const std::string type_name = dtype_name(type);
        CAPTURE(type_name);
        CAPTURE(K);
        for (int64_t N : {37, 1024}) {
        OpGraph op(1);
        TensorId x = op.f32("x", {1, K}, random_floats(static_cast<size_t>(K), 1));
        TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 2));
        op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
        compare(op, 2e-4, 1e-4);
        }
      }
  }

  // A weight of more rows than one binding's chunk takes (65535 x 8 = 524280: the dispatch grid) is split by
  // rows, each chunk its own buffer and dispatch, the second's rows offset (row_offset); on CPU devices each
  // chunk is its own interleaved layout of whole 8-row groups (weight_store.cpp). Gemma 3 27B's embedding (past
  // 1 GiB) and Gemma 4's per-layer tables split so; here rows of one block (K = 32) keep the matrix at 18 MB.
  // Rows of 34 (Q8_0), 18 (Q4_0) and 22 (Q5_0) bytes, padded to 48 / 32 / 32 on CPU devices; 1 token (the
  // rows-per-lane decode there) and 11 (prompts); and the embedding of rows on both sides of the split.
  TEST_CASE("a weight split in row chunks: matmul decode and prompt, and embed, read every chunk") {
    constexpr int64_t kChunkRows = int64_t{vk::kMaxGroups} * vk::kMatmulRowsPerGroup;  // the weight store's limit
    const int64_t N = kChunkRows + 37;
    for (DType type : {DType::Q8_0, DType::Q4_0, DType::Q5_0}) {
      const int64_t K = 32;
      const std::string type_name = dtype_name(type);
      CAPTURE(type_name);
      const std::vector<uint8_t> ws = random_weights(type, N, K, 51);
      for (int n : {1, 11}) {
        CAPTURE(n);
        OpGraph op(n);
        TensorId x = op.f32("x", {n, K}, random_floats(static_cast<size_t>(n * K), 52));
        TensorId w = op.data("w", {N, K}, type, ws);
        op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
        compare(op, 2e-4, 1e-4);
      }
      OpGraph emb(4);
      emb.inputs.token_ids = {0, int(kChunkRows) - 1, int(kChunkRows), int(N) - 1};
      TensorId table = emb.data("table", {N, K}, type, ws);
      emb.output = emb.graph.add_node("embed", {emb.graph.token_ids, table}, EmbedParams{1.5f});
      compare(emb, 1e-6, 1e-6);
    }
  }

  // On CPU devices element-type rows are read a texel (8 F16/BF16 or 4 F32 values) at a time when K allows,
  // else by the storage-buffer shader: K = 36 takes the texel path for F32 and the fallback for F16/BF16.
  TEST_CASE("matmul: element types with K not a multiple of 8") {
    for (DType type : {DType::F32, DType::F16, DType::BF16}) {
      const std::string type_name = dtype_name(type);
      CAPTURE(type_name);
      const int64_t K = 36, N = 70;
      OpGraph op(2);
      TensorId x = op.f32("x", {2, K}, random_floats(static_cast<size_t>(2 * K), 3));
      TensorId w = op.data("w", {N, K}, type, random_weights(type, N, K, 4));
      op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
      compare(op, 2e-4, 1e-4);
      OpGraph geglu(2);  // and the GeGLU epilogue of the same shaders
      TensorId gx = geglu.f32("x", {2, K}, random_floats(static_cast<size_t>(2 * K), 3));
      TensorId gw = geglu.data("w", {N, K}, type, random_weights(type, N, K, 4));
      TensorId gate = geglu.f32("gate", {2, N}, random_floats(static_cast<size_t>(2 * N), 9, 3.0f));
      geglu.output = geglu.graph.add_node("matmul_geglu", {gx, gw, gate}, MatmulGegluParams{});
      compare(geglu, 2e-4, 1e-4);
    }
  }

  // Without exact, CPU-type devices (lavapipe, with their shader set) quantize a prompt's input to
  // Q4_0/Q5_0/Q4_K/Q6_K products to 8 bits (quantize_pairs.comp + matmul_rows.comp X_PAIRS) as the CPU fast
  // path does (per token and 32 values, d = max|x| / 127, round half to even: cpu::quantize_activations, which
  // makes the oracle here, in double, with the dequantized weights). The shader's integer sums are exact and
  // only the scales' products are fp32, so the fp32 tolerances above hold. With the GPU shader set nothing is
  // quantized and the products equal the exact path. 2 tokens: the decode kernel (up to 8 tokens, fp32:
  // batched decode steps); 11 and 19: full and partial groups of 8, an odd token without a partner; K = 640: Gemma 3 270M's 20 blocks per row. Extreme: every weight
  // quant and input value at its largest magnitude (16-value sums reach 16 * 32 * 127 for Q6_K: past 16 bits).
  TEST_CASE("matmul prompt without exact: 8-bit activations on CPU devices, as the CPU fast path quantizes") {
    const char* gpu_set = std::getenv("VKGEMMA_GPU_SHADERS");
    const bool cpu_shaders = vulkan()->name().find("llvmpipe") != std::string::npos &&
                             !(gpu_set && std::string(gpu_set) == "1");
    auto check = [&](DType type, int n, int64_t K, bool geglu, bool extreme) {
      const std::string type_name = dtype_name(type);
      CAPTURE(type_name);
      CAPTURE(n);
      CAPTURE(K);
      CAPTURE(geglu);
      CAPTURE(extreme);
      const int64_t N = 37;
      OpGraph op(n);
      std::vector<float> xs = random_floats(static_cast<size_t>(n * K), 41);
      if (extreme)  // +-1 by token: every quantized value +-127
        for (size_t i = 0; i < xs.size(); ++i) xs[i] = (i / static_cast<size_t>(K)) % 2 ? -1.0f : 1.0f;
      const std::vector<uint8_t> ws = extreme ? extreme_weights(type, N, K, 42) : random_weights(type, N, K, 42);
      const std::vector<float> gs = random_floats(static_cast<size_t>(n * N), 43, 3.0f);
      TensorId x = op.f32("x", {n, K}, xs);
      TensorId w = op.data("w", {N, K}, type, ws);
      if (geglu) {
        TensorId gate = op.f32("gate", {n, N}, gs);
        op.output = op.graph.add_node("matmul_geglu", {x, w, gate}, MatmulGegluParams{});
      } else {
        op.output = op.graph.add_node("matmul", {x, w}, MatmulParams{});
      }
      auto gpu = vulkan(false);
      gpu->run(op.graph, op.inputs);
      const std::string summary = gpu->step_summary(op.graph);
      const bool quantized = summary.find("8-bit activations") != std::string::npos;
      // Up to 8 tokens (a short prompt, or several sequences' decode steps) go to the rows-per-lane decode kernel,
      // in fp32 (not with VKGEMMA_KERNELS=flat-decode).
      const bool lane_rows = summary.find("CPU-device set, rows per lane") != std::string::npos;
      CHECK(quantized == (cpu_shaders && (n > 8 || !lane_rows)));
      std::vector<float> want;
      if (quantized) {
        std::vector<float> wd(static_cast<size_t>(N * K));
        for (int64_t r = 0; r < N; ++r)
          dequantize_row(type, ws.data() + r * row_bytes(type, K), wd.data() + r * K, K);
        std::vector<cpu::ActBlock> xq(static_cast<size_t>(n * K / 32));
        std::vector<float> dsum(xq.size());
        for (int t = 0; t < n; ++t)
          cpu::quantize_activations(xs.data() + t * K, K, xq.data() + t * K / 32, dsum.data() + t * K / 32);
        for (int t = 0; t < n; ++t)
          for (int64_t r = 0; r < N; ++r) {
            double sum = 0;
            for (int64_t k = 0; k < K; ++k) {
              const cpu::ActBlock& b = xq[static_cast<size_t>((t * K + k) / 32)];
              sum += double(b.d) * b.q[k % 32] * wd[static_cast<size_t>(r * K + k)];
            }
            want.push_back(static_cast<float>(geglu ? cpu::gelu_tanh(gs[static_cast<size_t>(t * N + r)]) * sum : sum));
          }
      } else {
        auto cpu = cpu_oracle();
        cpu->run(op.graph, op.inputs);
        want = cpu->read(op.graph, op.output);
      }
      const double worst = require_close(want, gpu->read(op.graph, op.output), 2e-4, geglu ? 3e-4 : 1e-4);
      MESSAGE("worst error / tolerance " << worst);
    };
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q4_K, DType::Q6_K}) {
      for (int n : {2, 11, 19})
        for (int64_t K : {512, 640, 768})
          if (K % dtype_info(type).block_elems == 0)
            for (bool geglu : {false, true}) check(type, n, K, geglu, /*extreme=*/false);
      check(type, 11, 512, /*geglu=*/false, /*extreme=*/true);
    }
  }
}
