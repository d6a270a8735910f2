#include <algorithm>
#include <stdexcept>

#include "runtime/vulkan/planner.h"
#include "shaders/attention.push.h"
#include "shaders/attention_merge.push.h"

namespace vkg::vk {

namespace {
// attention.comp SPLIT_KEYS: at most this many tokens per step (decode, or a few sequences' steps batched), keys
// per chunk at least, chunks at least (a ring of up to 1024 keys, a sliding layer's, is scanned whole: the
// split's second dispatch and barrier would cost more than they save) and at most.
constexpr int64_t kSplitMaxTokens = 8;
constexpr uint32_t kSplitMinKeys = 256;
constexpr uint32_t kSplitMinChunks = 5;
constexpr uint32_t kSplitMaxChunks = 64;
// attention_flash.comp (GPUs, prompts of more tokens than kSplitMaxTokens): its queries per workgroup (TQ) and
// its largest head (the wide heads of Gemma 4's global layers keep attention.comp).
constexpr uint32_t kFlashQueries = 8;
constexpr int64_t kFlashMaxHeadDim = 256;
// Its shared arrays (q_sh, kv_sh, s_sh and the per-query scalars; bools as 4 bytes): more than Vulkan's 16 KiB
// minimum, so devices with less keep attention.comp.
constexpr uint32_t kFlashSharedBytes =
    (kFlashQueries + 16) * (256 + 1) * 4 + kFlashQueries * 16 * 4 + kFlashQueries * 7 * 4;  // 25,408
}  // namespace


std::vector<Dispatch> plan_op(const AttentionParams& p, PlanContext& c) {
  const TensorDesc& q = c.desc(0);
  // CPU devices read q, keys and values as texel buffers (see attention.comp), when head_dim allows, with one
  // subgroup per item where head_dim splits into 32-dim lanes (attention_rows.comp).
  const uint32_t subgroup = c.device().subgroup_size;
  const bool texel = c.cpu_shaders() && p.head_dim % 4 == 0 && c.fits_texels(c.in(0)) && c.fits_texels(c.in(1)) &&
                     c.fits_texels(c.in(2));
  const uint32_t rows_workgroup = c.workgroup_size(shader_key(Shader::attention_rows));  // a subgroup per item
  const bool rows = texel && c.subgroup_texels(rows_workgroup) && p.head_dim % 32 == 0 &&
                    uint32_t(p.head_dim / 32) <= subgroup;
  // attention_rows: 4 or 2 query heads per subgroup where that many share a KV head (each key fetched once for
  // them).
  const int64_t group = p.n_head / p.n_kv_head;
  const int heads = !rows ? 1 : group % 4 == 0 ? 4 : group % 2 == 0 ? 2 : 1;
  const ShaderKey rows_key = shader_key(
      Shader::attention_rows, heads == 4 ? ShaderFeature::heads4 : heads == 2 ? ShaderFeature::heads2 : 0u);
  const int64_t items = q.rows() * p.n_head / heads;
  // attention.comp holds a query of up to 256 values, or 512 in its wide variants (Gemma 4's global layers).
  if (p.head_dim > 512)
    throw std::runtime_error("attention node '" + c.node().name + "': head_dim " + std::to_string(p.head_dim) +
                             " exceeds the shaders' 512");
  const uint32_t wide = p.head_dim > 256 ? ShaderFeature::max_head_dim512 : 0u;
  push::Attention push{.rows = u32(q.rows()), .n_head = u32(p.n_head), .n_kv_head = u32(p.n_kv_head),
                       .head_dim = u32(p.head_dim), .capacity = u32(c.desc(1).rows() / p.sequences),
                       .scale = p.scale, .softcap = p.softcap, .window = p.window,
                       .sequences = u32(p.sequences), .split_keys = 0};
  // GPUs, decode steps over a ring of more than 1024 keys: split over the keys (attention.comp SPLIT_KEYS),
  // since one workgroup per query head leaves most of a GPU idle (a 4B model's 8 heads on a 132-SM GPU), then
  // merge the chunks' partials (attention_merge.comp). Chunks of at least 256 keys, at most 64 of them (their
  // partials are scratch: items x chunks x (head_dim + 2) floats); the grid covers the whole ring, so the plan
  // holds for every length the ring reaches, and chunks past a token's keys exit at once.
  const uint32_t items_split = u32(q.rows() * p.n_head);
  const uint32_t keys_per_chunk = std::max(kSplitMinKeys, ceil_div(ceil_div(push.capacity, kSplitMaxChunks), 64) * 64);
  const uint32_t chunks = ceil_div(push.capacity, keys_per_chunk);
  if (!texel && q.rows() <= kSplitMaxTokens && chunks >= kSplitMinChunks) {
    const uint64_t floats = uint64_t(items_split) * chunks * (uint64_t(p.head_dim) + 2);
    if (const Buffer* partials = c.scratch(Scratch::attention_partials, floats * 4)) {
      push.split_keys = keys_per_chunk;
      Dispatch split = c.dispatch(shader_key(Shader::attention, ShaderFeature::split_keys | wide),
                                  {c.in(0), c.in(1), c.in(2), c.in(3), c.in(4), partials, c.in(5)}, push, items_split,
                                  chunks);
      split.writes = {partials};
      Dispatch merge = c.dispatch(shader_key(Shader::attention_merge), {partials, c.out()},
                                  push::AttentionMerge{.items = items_split, .head_dim = u32(p.head_dim), .chunks = chunks},
                                  items_split);
      return {std::move(split), std::move(merge)};
    }
  }
  // GPUs, prompts: a tile of queries per workgroup, each tile of keys and values loaded once for them
  // (attention_flash.comp), where attention.comp's workgroup per query reads every key twice.
  if (!texel && c.flash_attention() && q.rows() > kSplitMaxTokens && p.head_dim <= kFlashMaxHeadDim &&
      ceil_div(q.rows(), kFlashQueries) <= kMaxGroups && c.device().max_shared_memory >= kFlashSharedBytes)
    return {c.dispatch(shader_key(Shader::attention_flash),
                       {c.in(0), c.in(1), c.in(2), c.in(3), c.in(4), c.out(), c.in(5)}, push,
                       u32(ceil_div(q.rows(), kFlashQueries)), u32(p.n_head))};
  return {c.dispatch(rows    ? rows_key
                     : texel ? shader_key(Shader::attention, ShaderFeature::texel_kv | wide)
                             : shader_key(Shader::attention, wide),
                     {c.in(0), c.in(1), c.in(2), c.in(3), c.in(4), c.out(), c.in(5)}, push,
                     rows ? ceil_div(items, rows_workgroup / subgroup) : u32(items))};
}
}  // namespace vkg::vk
