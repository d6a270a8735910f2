#include <stdexcept>
#include <string>

#include "runtime/vulkan/planner.h"
#include "shaders/quantize_pairs.push.h"
#include "shaders/to_fp16.push.h"
#include "shaders/matmul.push.h"

namespace vkg::vk {

namespace {
// shaders/matmul_rows.comp: 64 invocations; its ROWS, the weight rows per subgroup, and its prefill TOKENS.
constexpr uint32_t kMatmulRowsPrefillTokens = 8;
// matmul_lanes.comp: the rows each lane computes; its TOKENS=4 variant's tokens per workgroup, and the
// most tokens it takes (batched decode steps: beyond, the prefill kernels).
constexpr uint32_t kLaneRuns = 4;
constexpr uint32_t kLaneRowsTokens = 4;
constexpr int64_t kLaneRowsBatch = 8;
uint32_t matmul_rows_per_subgroup(DType type, bool prefill) { return prefill && type == DType::Q6_K ? 4 : 8; }
// matmul_tiled.comp (GPUs, prompts): its tile of weight rows x tokens, its K step; used past this many tokens
// (a few sequences' decode steps batched stay with matmul.comp's 4-token groups).
constexpr uint32_t kTileRows = 64, kTileTokens = 64, kTileK = 32;
// Its two shared tiles (kTileK rows of the tile's rows or tokens plus one vec4 each): just past Vulkan's 16 KiB
// minimum, so devices with less keep matmul.comp's 4-token groups.
constexpr uint32_t kTiledSharedBytes = kTileK * (kTileRows + 4 + kTileTokens + 4) * 4;
// Its INT8_DOT variants: per 16 values of K, each row's and token's quants (16 bytes) and two scales (8 bytes).
constexpr uint32_t kTiledInt8SharedBytes = kTileK / 16 * (kTileRows + kTileTokens) * 24;
// Its COOPMAT variants: K steps of 64, the fp16 weight and input tiles (rows of 64 + 8 values) and half the fp32
// outputs at a time (rows of kTileRows + 4); each subgroup accumulates at most kCoopmatMaxBlocks blocks.
constexpr uint32_t kCoopmatTileK = 64;
constexpr uint32_t kTiledCoopmatSharedBytes =
    (kTileRows + kTileTokens) * (kCoopmatTileK + 8) * 2 + kTileTokens / 2 * (kTileRows + 4) * 4;
constexpr uint32_t kCoopmatMaxBlocks = 4;
constexpr int64_t kTiledMinTokens = 9;
// matmul.comp WG_SIZE=256 for one token: rows of at least this many units (3 trips of 64 threads), products of
// at most this many workgroups of 8 rows (a few per compute unit of a large GPU).
constexpr int64_t kWg256MinUnits = 192, kWg256MaxGroups = 512;

// GPU kernels of element types read 16 bytes per unit (WIDE_UNITS: 4 F32 or 8 F16/BF16 values, four words in
// flight per thread and row where one-value units had one, each loaded by two threads for F16) where K is whole
// units and the variant was compiled (shaders/CMakeLists.txt); else one value per unit.
int64_t wide_unit_values(DType type) { return type == DType::F32 ? 4 : type == DType::F16 || type == DType::BF16 ? 8 : 0; }
bool wide_units(const PlanContext& c, DType type, int64_t K, Shader stem, uint32_t features) {
  const int64_t unit = wide_unit_values(type);
  return !c.cpu_shaders() && unit > 0 && K % unit == 0 &&
         find_shader(shader_key(stem, type, features | ShaderFeature::wide_units)) != nullptr;
}
}  // namespace

// CPU-type devices (lavapipe) run 4 rows per subgroup with a subgroup sum; GPUs 8 rows per workgroup with a
// shared-memory reduction (see the two shaders' comments).
std::vector<Dispatch> plan_matmul(PlanContext& c, const MatmulOperands& m) {
  const bool geglu = m.gate != nullptr;
  const TensorDesc& x = c.desc(0);
  const TensorDesc& w = c.desc(m.weight);
  const std::vector<WeightChunk>& chunks = c.weight_chunks(m.weight);
  // Element-type rows are read a texel at a time there (quant_f32.glsl, quant_f16.glsl, quant_bf16.glsl).
  const int64_t texel_values = w.dtype == DType::F32 ? 4 : (w.dtype == DType::F16 || w.dtype == DType::BF16) ? 8 : 1;
  const uint32_t rows_workgroup = c.workgroup_size(shader_key(Shader::matmul_rows, w.dtype));
  bool rows_variant = c.subgroup_texels(rows_workgroup) && c.fits_texels(m.x) && w.cols() % texel_values == 0;
  for (const WeightChunk& chunk : chunks) rows_variant = rows_variant && c.fits_texels(chunk.buffer.get());
  // matmul.comp and matmul_tiled.comp read rows one after another, not the weight store's interleaved rows.
  if (!rows_variant && !chunks.empty() && chunks.front().interleave_shift != 0)
    throw std::runtime_error("matmul node '" + c.node().name + "': weight '" + w.name +
                             "' has interleaved rows for matmul_lanes.comp, but its input (" +
                             std::to_string(x.rows()) + " x " + std::to_string(x.cols()) +
                             ") does not fit this device's texel buffers");
  // Prompts: groups of tokens (each dequantized weight unit serves them all): 8 in matmul_rows.comp, 4 in
  // matmul.comp.
  const uint32_t tokens_per_group = x.rows() == 1 ? 1 : rows_variant ? kMatmulRowsPrefillTokens : 4;
  // Decode of block types where the device takes whole rows per lane (matmul_lanes.comp): one token,
  // or a few sequences' tokens batched (up to kLaneRowsBatch), in workgroups of 4 tokens.
  const bool lane_type = lane_rows_type(w.dtype);
  // Its Q8_0 kernels read whole groups of blocks at constant offsets, its Q6_K kernels whole blocks from the
  // texel they start in: rows on whole texels (the weight store pads them on these devices).
  bool lane_rows = rows_variant && c.lane_rows_kernels() && x.rows() <= kLaneRowsBatch && lane_type &&
                   x.cols() % 32 == 0;
  for (const WeightChunk& chunk : chunks) lane_rows = lane_rows && ((w.dtype != DType::Q8_0 && w.dtype != DType::Q6_K) || chunk.row_stride % 16 == 0);
  // Prompts with Q4_0/Q5_0/Q4_K/Q6_K weights there: the input quantized to 8 bits in token pairs first (see
  // matmul_rows.comp X_PAIRS), into the step's scratch, which the matmul then reads after a barrier.
  const bool pairs_type = w.dtype == DType::Q4_0 || w.dtype == DType::Q5_0 || w.dtype == DType::Q4_K ||
                          w.dtype == DType::Q6_K;
  const Buffer *xq = nullptr, *xd = nullptr;
  if (rows_variant && c.cpu_shaders() && !c.exact() && x.rows() > 1 && !lane_rows && pairs_type && x.cols() % 32 == 0) {
    const uint64_t rows = static_cast<uint64_t>(x.rows()), K = static_cast<uint64_t>(x.cols());
    xq = c.scratch(Scratch::pairs_xq, (rows + 1) / 2 * K * 4);
    xd = c.scratch(Scratch::pairs_xd, (rows + 7) / 8 * 8 * (K / 32) * 4);
  }
  const bool pairs = xq && xd && c.fits_texels(xq) && c.fits_texels(xd);
  // These pairs where rows per lane work (not under VKGEMMA_KERNELS=flat-decode, which keeps the unit kernel
  // tested): whole rows per lane as in decode, 16 tokens per workgroup (matmul_lanes.comp X_PAIRS). On
  // an AVX2 Zen 3 against the unit kernel's X_PAIRS: Q4_0/Q5_0 kernels +40-75 % (pp128 +29 %), Q4_K +30-37 %
  // (pp128 +18 % more), Q6_K +40-62 % (with 8 tokens per workgroup; 16: pp128 +34 % more).
  const bool lane_prompt = pairs && c.lane_rows_kernels();
  std::vector<Dispatch> out;
  const Buffer* out_buffer = m.out ? m.out : c.out();
  // norm_matmul / norm_gate_up in one dispatch: decode kernels that norm their input (NORM variants) and take
  // both weights (GATE_UP: each chunk of one weight beside the same rows of the other), else nothing.
  const std::vector<WeightChunk>* up_chunks = m.up ? &c.weight_chunks(m.up) : nullptr;
  bool fused = lane_rows ? (!m.norm || c.fits_texels(m.norm)) : !rows_variant && x.rows() < kTiledMinTokens;
  // matmul_norm_add: the epilogue of the rows-per-lane kernel and of GPUs' one-token product, for one token and
  // one chunk (their workgroups count themselves to find the last).
  if (m.residual)
    fused = x.rows() == 1 && chunks.size() == 1 &&
            (lane_rows ? w.rows() % 4 == 0 && c.fits_texels(m.post_norm) && c.fits_texels(m.residual) : !rows_variant);
  if (up_chunks) {
    fused = fused && up_chunks->size() == chunks.size();
    for (size_t i = 0; fused && i < chunks.size(); ++i)
      fused = (*up_chunks)[i].rows == chunks[i].rows && c.fits_texels((*up_chunks)[i].buffer.get());
  }
  if ((m.norm || m.up || m.residual) && !fused) return out;
  // GPUs, prompts: tiles of 64 rows x 64 tokens through shared memory (matmul_tiled.comp); in fp16 cooperative
  // matrices under VKGEMMA_KERNELS=coopmat, else with packed int8 dot products under VKGEMMA_KERNELS=int8-dot for
  // the types compiled so (the block types).
  if (!rows_variant && x.rows() >= kTiledMinTokens && x.cols() % kTileK == 0) {
    uint32_t tiled_features = geglu ? ShaderFeature::geglu : 0u;
    if (wide_units(c, w.dtype, x.cols(), Shader::matmul_tiled, tiled_features)) tiled_features |= ShaderFeature::wide_units;
    // fp16 cooperative matrices (VKGEMMA_KERNELS=coopmat) where the device's subgroups split the tile's blocks
    // of n x n: a whole number of subgroups per row block, at most kCoopmatMaxBlocks blocks each.
    const uint32_t cm = c.coopmat_size(), cm_bit = coopmat_size_feature(cm);
    const uint32_t coopmat_features = (geglu ? ShaderFeature::geglu : 0u) | ShaderFeature::coopmat | cm_bit;
    const uint32_t subgroups = c.device().subgroup_size ? 256 / c.device().subgroup_size : 0, blocks_m = cm ? kTileRows / cm : 0;
    // Their input, once per product: each token scaled into fp16's range and packed (to_fp16.comp), into scratch.
    const bool coopmat_shape = cm_bit != 0 && x.cols() % kCoopmatTileK == 0;
    const Buffer* xh = coopmat_shape ? c.scratch(Scratch::fp16_x, uint64_t(x.rows()) * uint64_t(x.cols()) * 2) : nullptr;
    const Buffer* scales = coopmat_shape ? c.scratch(Scratch::token_scales, uint64_t(x.rows()) * 4) : nullptr;
    const bool tiled_coopmat =
        xh && scales && subgroups >= blocks_m && subgroups % blocks_m == 0 &&
        blocks_m * (kTileTokens / cm) <= subgroups * kCoopmatMaxBlocks &&
        c.device().max_shared_memory >= kTiledCoopmatSharedBytes &&
        find_shader(shader_key(Shader::matmul_tiled, w.dtype, coopmat_features));
    const bool tiled_int8 =
        !tiled_coopmat && c.int8_dot() && !c.exact() &&
        find_shader(shader_key(Shader::matmul_tiled, w.dtype, tiled_features | ShaderFeature::int8_dot)) != nullptr;
    if (tiled_coopmat) tiled_features = coopmat_features;
    if (tiled_int8) tiled_features |= ShaderFeature::int8_dot;
    if (tiled_coopmat || c.device().max_shared_memory >= (tiled_int8 ? kTiledInt8SharedBytes : kTiledSharedBytes)) {
      const ShaderKey tiled = shader_key(Shader::matmul_tiled, w.dtype, tiled_features);
      if (tiled_coopmat) {
        Dispatch h = c.dispatch(shader_key(Shader::to_fp16), {m.x, xh, scales},
                                push::ToFp16{.K = u32(x.cols()), .n_tokens = u32(x.rows())}, u32(x.rows()));
        h.writes = {xh, scales};
        out.push_back(std::move(h));
      }
      for (const WeightChunk& chunk : chunks) {
        std::vector<const Buffer*> buffers = {tiled_coopmat ? xh : m.x, chunk.buffer.get()};
        if (geglu) buffers.push_back(m.gate);
        buffers.push_back(out_buffer);
        if (tiled_coopmat) buffers.push_back(scales);
        out.push_back(c.dispatch(tiled, buffers,
                                 push::Matmul{.K = u32(x.cols()), .rows = u32(chunk.rows), .row_offset = u32(chunk.row_begin),
                                             .out_stride = u32(w.rows()), .n_tokens = u32(x.rows()),
                                             .row_bytes = chunk.row_stride},
                                 ceil_div(chunk.rows, kTileRows), ceil_div(x.rows(), kTileTokens)));
        out.back().int8_dot = tiled_int8;
        out.back().coopmat = tiled_coopmat;
        if (m.out) out.back().writes.push_back(m.out);
      }
      return out;
    }
  }
  if (pairs) {
    const uint32_t items = u32(ceil_div(x.rows(), 2) * (x.cols() / 32));
    Dispatch q = c.dispatch(shader_key(Shader::quantize_pairs), {m.x, xq, xd},
                            push::QuantizePairs{.K = u32(x.cols()), .n_tokens = u32(x.rows())}, ceil_div(items, 64));
    q.writes = {xq, xd};
    q.quantizes_input = true;
    out.push_back(std::move(q));
  }
  const uint32_t group = lane_rows ? (x.rows() == 1 ? 1 : kLaneRowsTokens) : lane_prompt ? 16 : tokens_per_group;
  uint32_t features = geglu ? ShaderFeature::geglu : 0u;
  if (!rows_variant && c.subgroup_sums()) features |= ShaderFeature::subgroup_sum;
  if (group > 1)
    features |= lane_prompt ? ShaderFeature::tokens16 : rows_variant && !lane_rows ? ShaderFeature::tokens8 : ShaderFeature::tokens4;
  if (pairs) features |= ShaderFeature::x_pairs;
  if (m.norm) features |= ShaderFeature::norm;
  if (m.up) features |= ShaderFeature::gate_up;
  if (m.residual) features |= ShaderFeature::norm_add;
  // GPU decode with 8-bit activations and packed int8 dot products (VKGEMMA_KERNELS=int8-dot, which implies
  // subgroup sums): one token or a few sequences' tokens in 4-token groups (not the prompts' tiles), for the
  // weight types and kernels compiled with INT8_DOT (shaders/CMakeLists.txt VKG_INT8_DOT_TYPES: the block types).
  const bool int8 = !rows_variant && c.int8_dot() && !c.exact() && (x.rows() == 1 || group == 4) &&
                    find_shader(shader_key(Shader::matmul, w.dtype, features | ShaderFeature::int8_dot)) != nullptr;
  if (int8) features |= ShaderFeature::int8_dot;
  // GPU decode with 2 rows per workgroup (VKGEMMA_KERNELS=decode-rows2; not with int8 dot products), where every
  // chunk's grid stays one dimension: matmul.comp reads its rows from gl_WorkGroupID.x alone.
  bool rows2 = !rows_variant && c.decode_rows2() && x.rows() == 1 && !int8;
  for (const WeightChunk& chunk : chunks) rows2 = rows2 && ceil_div(chunk.rows, 2) <= kMaxGroups;
  if (rows2) features |= ShaderFeature::rows_per_wg2;
  const bool wide = !rows_variant && wide_units(c, w.dtype, x.cols(), Shader::matmul, features);
  if (wide) features |= ShaderFeature::wide_units;
  // GPU decode with 256 threads over the workgroup's 8 rows (matmul.comp WG_SIZE=256) where 64 would stride over
  // a row's units three times or more and the dispatch has few workgroups (a 1B's down projection: 432 units per
  // row, 144 workgroups): a decode product waits on memory, and 4x the threads keep 4x the loads in flight per
  // workgroup where the workgroups are too few to fill a large GPU. VKGEMMA_KERNELS=decode-wg64 / decode-wg256
  // force either (no GPU has timed the choice yet: the bundle times both).
  const int64_t unit = dtype_info(w.dtype).block_elems > 1 ? 16 : wide ? wide_unit_values(w.dtype) : 1;
  const PlanContext::DecodeThreads threads = c.decode_threads();
  bool wg256 = !rows_variant && x.rows() == 1 && !rows2 && threads != PlanContext::DecodeThreads::always64 &&
               c.device().max_workgroup_size >= 256 &&
               (threads == PlanContext::DecodeThreads::always256 ||
                (x.cols() / unit >= kWg256MinUnits && ceil_div(w.rows(), kMatmulRowsPerGroup) <= kWg256MaxGroups)) &&
               find_shader(shader_key(Shader::matmul, w.dtype, features | ShaderFeature::wg_size256)) != nullptr;
  if (wg256) features |= ShaderFeature::wg_size256;
  const Shader stem =
      lane_rows || lane_prompt ? Shader::matmul_lanes : rows_variant ? Shader::matmul_rows : Shader::matmul;
  const ShaderKey shader = shader_key(stem, w.dtype, features);
  const uint32_t rows_per_group =
      lane_rows || lane_prompt ? c.workgroup_size(shader) * kLaneRuns :
      rows_variant ? rows_workgroup / c.device().subgroup_size * matmul_rows_per_subgroup(w.dtype, tokens_per_group > 1)
                   : rows2 ? 2 : kMatmulRowsPerGroup;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const WeightChunk& chunk = chunks[i];
    std::vector<const Buffer*> buffers = {pairs ? xq : m.x, chunk.buffer.get()};
    if (geglu) buffers.push_back(m.gate);
    buffers.push_back(out_buffer);
    if (pairs) buffers.push_back(xd);
    if (m.norm) buffers.push_back(m.norm);
    if (up_chunks) buffers.push_back((*up_chunks)[i].buffer.get());
    if (m.residual) buffers.insert(buffers.end(), {m.post_norm, m.residual, c.out(), m.counter});
    out.push_back(c.dispatch(shader, buffers,
                             push::Matmul{.K = u32(x.cols()), .rows = u32(chunk.rows), .row_offset = u32(chunk.row_begin),
                                         .out_stride = u32(w.rows()), .n_tokens = u32(x.rows()),
                                         .row_bytes = chunk.row_stride, .norm_eps = m.eps,
                                         .interleave_shift = chunk.interleave_shift},
                             ceil_div(chunk.rows, rows_per_group), ceil_div(x.rows(), group)));
    out.back().int8_dot = int8;
    if (m.out) out.back().writes.push_back(m.out);
    if (m.counter) out.back().writes.push_back(m.counter);
  }
  return out;
}

std::vector<Dispatch> plan_op(const MatmulParams&, PlanContext& c) { return plan_matmul(c, {c.in(0), 1, nullptr}); }

}  // namespace vkg::vk
