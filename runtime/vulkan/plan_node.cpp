// Which shaders, buffers, push constants and grid each graph op becomes on the Vulkan device: the one place
// that maps ops to shaders (runtime/ops.h to shaders/*.comp). Recording, barriers and memory are
// vulkan_backend.cpp's.
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "runtime/vulkan/vulkan_backend.h"

namespace vkg::vk {

namespace {

// shaders/matmul_rows.comp: 64 invocations; its ROWS, the weight rows per subgroup, and its prefill TOKENS.
constexpr uint32_t kMatmulRowsWorkgroup = 64;
constexpr uint32_t kMatmulRowsPrefillTokens = 8;
uint32_t matmul_rows_per_subgroup(DType type, bool prefill) { return prefill && type == DType::Q6_K ? 4 : 8; }
constexpr uint32_t kRmsNormWorkgroup = 128;  // shaders/rms_norm.comp
constexpr uint32_t kRmsNormRopeWorkgroup = 64;  // shaders/rms_norm_rope.comp
constexpr uint32_t kAttentionRowsWorkgroup = 64;  // shaders/attention_rows.comp: a subgroup per item

uint32_t u32(int64_t v) { return static_cast<uint32_t>(v); }
uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
uint32_t ceil_div(int64_t a, int64_t b) { return static_cast<uint32_t>((a + b - 1) / b); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool VulkanBackend::pairs_prefill(const TensorDesc& w, int64_t tokens) const {
  return cpu_shaders() && !exact_ && tokens > 1 && (w.dtype == DType::Q4_0 || w.dtype == DType::Q5_0 || w.dtype == DType::Q4_K ||
                                   w.dtype == DType::Q6_K);
}

std::vector<VulkanBackend::Dispatch> VulkanBackend::plan_node(const std::vector<const Buffer*>& tensor_buffer,
                                                           const PairsScratch& scratch, const Graph& g,
                                                           const Node& n) {
  // Any weight an op reads as plain fp32 (norm scales; data fed to single-op tests) is expanded once.
  auto buf = [&](size_t input) {
    const Buffer* b = tensor_buffer[static_cast<size_t>(n.inputs[input])];
    return b ? b : &f32_weight(g.tensor(n.inputs[input]));
  };
  const Buffer* out = tensor_buffer[static_cast<size_t>(n.output)];
  // The texel-buffer shaders (CPU devices) need every buffer they read within maxTexelBufferElements (16-byte
  // texels; 65536 is all the spec promises); otherwise the storage-buffer shaders run.
  const bool cpu_device = cpu_shaders();
  auto fits_texels = [&](const Buffer* b) { return b->padded_size() / 16 <= ctx_->limits().maxTexelBufferElements; };
  // The CPU-device shaders that sum a subgroup's lanes need subgroup arithmetic and whole subgroups per
  // workgroup (64 and 128 invocations).
  const uint32_t subgroup = ctx_->info().subgroup_size;
  const bool subgroup_texels = cpu_device && ctx_->info().subgroup_arithmetic && subgroup > 0 &&
                               kMatmulRowsWorkgroup % subgroup == 0;
  const TensorDesc& x = g.tensor(n.inputs[0]);
  auto make = [&](const std::string& shader, std::vector<const Buffer*> buffers, std::vector<uint32_t> push,
                  uint32_t gx, uint32_t gy = 1) {
    Dispatch d;
    d.pipeline = &pipeline(shader);
    d.buffers = std::move(buffers);
    d.push = std::move(push);
    d.groups[0] = gx;
    d.groups[1] = gy;
    if (gx > kMaxGroups && gy == 1) {  // a 1-D grid beyond the limit: 2-D (shaders use linear_group_id)
      d.groups[0] = kMaxGroups;
      d.groups[1] = ceil_div(gx, kMaxGroups);
      gx = d.groups[0];
      gy = d.groups[1];
    }
    if (d.buffers.size() != d.pipeline->layout().n_bindings || d.push.size() * 4 != d.pipeline->layout().push_constant_bytes)
      throw std::logic_error("node '" + n.name + "': shader '" + shader + "' expects " +
                             std::to_string(d.pipeline->layout().n_bindings) + " buffers and " +
                             std::to_string(d.pipeline->layout().push_constant_bytes) + " push bytes, got " +
                             std::to_string(d.buffers.size()) + " and " + std::to_string(d.push.size() * 4));
    if (gx == 0 || gx > kMaxGroups || gy > kMaxGroups)
      throw std::runtime_error("node '" + n.name + "': dispatch of " + std::to_string(gx) + "x" + std::to_string(gy) +
                               " workgroups exceeds the limit");
    return d;
  };
  std::vector<Dispatch> out_d;
  switch (n.op) {
    case Op::embed: {
      const TensorDesc& table = g.tensor(n.inputs[1]);
      const std::string shader = "embed_" + lower(dtype_name(table.dtype));
      for (const WeightChunk& c : weight_chunks(table))
        out_d.push_back(make(shader, {buf(0), c.buffer.get(), out},
                             {u32(table.cols()), u32(c.row_begin), u32(c.rows), u32(x.elements()),
                              u32(row_bytes(table.dtype, table.cols())), f32_bits(std::get<EmbedParams>(n.params).scale)},
                             u32(x.elements())));
      break;
    }
    case Op::rms_norm:
    case Op::rms_norm_add: {
      const TensorDesc& w = g.tensor(n.inputs[1]);
      const int64_t groups = x.elements() / w.elements();
      const bool add = n.op == Op::rms_norm_add;
      // CPU devices: one subgroup per group, texel reads (see rms_norm.comp).
      const bool texel = subgroup_texels && w.elements() % 4 == 0 && fits_texels(buf(0)) && fits_texels(buf(1)) &&
                         (!add || fits_texels(buf(2)));
      std::vector<const Buffer*> buffers = {buf(0), buf(1)};
      if (add) buffers.push_back(buf(2));
      buffers.push_back(out);
      out_d.push_back(make(std::string(add ? "rms_norm_add" : "rms_norm") + (texel ? "_texel" : ""), buffers,
                           {u32(w.elements()), u32(groups), f32_bits(std::get<RmsNormParams>(n.params).eps)},
                           texel ? ceil_div(groups, kRmsNormWorkgroup / subgroup) : u32(groups)));
      break;
    }
    case Op::matmul:
    case Op::matmul_geglu: {
      // CPU-type devices (lavapipe) run 4 rows per subgroup with a subgroup sum; GPUs 8 rows per workgroup
      // with a shared-memory reduction (see the two shaders' comments).
      const TensorDesc& w = g.tensor(n.inputs[1]);
      // Element-type rows are read a texel at a time there (quant_f32.glsl, quant_f16.glsl, quant_bf16.glsl).
      const int64_t texel_values = w.dtype == DType::F32 ? 4 : (w.dtype == DType::F16 || w.dtype == DType::BF16) ? 8 : 1;
      bool rows_variant = subgroup_texels && fits_texels(buf(0)) && w.cols() % texel_values == 0;
      for (const WeightChunk& c : weight_chunks(w)) rows_variant = rows_variant && fits_texels(c.buffer.get());
      // Prompts: groups of tokens (each dequantized weight unit serves them all): 8 in matmul_rows.comp, 4 in
      // matmul.comp.
      const uint32_t tokens_per_group = x.rows() == 1 ? 1 : rows_variant ? kMatmulRowsPrefillTokens : 4;
      const bool geglu = n.op == Op::matmul_geglu;  // the GeGLU epilogue reads the gate (input 2)
      // Prompts with Q4_0/Q5_0/Q4_K/Q6_K weights there: the input quantized to 8 bits in token pairs first (see
      // matmul_rows.comp X_PAIRS), into the step's scratch, which the matmul then reads after a barrier.
      const bool pairs = rows_variant && pairs_prefill(w, x.rows()) && scratch.xq && fits_texels(scratch.xq) &&
                         fits_texels(scratch.xd);
      if (pairs) {
        const uint32_t items = u32(ceil_div(x.rows(), 2) * (x.cols() / 32));
        Dispatch q = make("quantize_pairs", {buf(0), scratch.xq, scratch.xd}, {u32(x.cols()), u32(x.rows())},
                          ceil_div(items, 64));
        q.writes = {scratch.xq, scratch.xd};
        out_d.push_back(std::move(q));
      }
      const std::string shader = std::string(rows_variant ? (tokens_per_group > 1 ? "matmul_rows8_" : "matmul_rows_")
                                                          : (tokens_per_group > 1 ? "matmul4_" : "matmul_")) +
                                 (geglu ? "geglu_" : "") + (pairs ? "pairs_" : "") + lower(dtype_name(w.dtype));
      const uint32_t rows_per_group = rows_variant ? kMatmulRowsWorkgroup / subgroup *
                                                         matmul_rows_per_subgroup(w.dtype, tokens_per_group > 1)
                                                   : kMatmulRowsPerGroup;
      for (const WeightChunk& c : weight_chunks(w)) {
        std::vector<const Buffer*> buffers = {pairs ? scratch.xq : buf(0), c.buffer.get()};
        if (geglu) buffers.push_back(buf(2));
        buffers.push_back(out);
        if (pairs) buffers.push_back(scratch.xd);
        out_d.push_back(make(shader, buffers,
                             {u32(x.cols()), u32(c.rows), u32(c.row_begin), u32(w.rows()), u32(x.rows()),
                              u32(row_bytes(w.dtype, w.cols()))},
                             ceil_div(c.rows, rows_per_group), ceil_div(x.rows(), tokens_per_group)));
      }
      break;
    }
    case Op::rope:
    case Op::rope_store: {
      const auto& p = std::get<RopeParams>(n.params);
      std::vector<uint32_t> push = {u32(x.rows()), u32(x.cols()), u32(p.head_dim), f32_bits(p.freq_scale)};
      if (n.op == Op::rope_store) push.push_back(u32(g.tensor(n.output).rows()));  // the ring's capacity
      out_d.push_back(make(n.op == Op::rope_store ? "rope_store" : "rope",
                           {buf(0), buf(1), &inv_freq(p.head_dim, p.theta), out}, push,
                           u32(x.rows() * (x.cols() / p.head_dim))));
      break;
    }
    case Op::rms_norm_rope:
    case Op::rms_norm_rope_store: {
      const auto& p = std::get<RmsNormRopeParams>(n.params);
      const Buffer& inv = inv_freq(p.rope.head_dim, p.rope.theta);
      // CPU devices: one subgroup per head, texel reads (see rms_norm_rope.comp).
      const bool texel = subgroup_texels && p.rope.head_dim % 8 == 0 && fits_texels(buf(0)) && fits_texels(buf(1)) &&
                         fits_texels(&inv);
      const bool store = n.op == Op::rms_norm_rope_store;
      std::vector<uint32_t> push = {u32(x.rows()), u32(x.cols()), u32(p.rope.head_dim), f32_bits(p.rope.freq_scale),
                                    f32_bits(p.eps)};
      if (store) push.push_back(u32(g.tensor(n.output).rows()));  // the ring's capacity
      const int64_t items = x.rows() * (x.cols() / p.rope.head_dim);
      out_d.push_back(make(std::string(store ? "rms_norm_rope_store" : "rms_norm_rope") + (texel ? "_texel" : ""),
                           {buf(0), buf(1), buf(2), &inv, out}, push,
                           texel ? ceil_div(items, kRmsNormRopeWorkgroup / subgroup) : u32(items)));
      break;
    }
    case Op::kv_store: {
      const TensorDesc& cache = g.tensor(n.output);
      out_d.push_back(make("kv_store", {buf(0), buf(1), out}, {u32(x.rows()), u32(x.cols()), u32(cache.rows())},
                           u32(x.rows())));
      break;
    }
    case Op::attention: {
      const auto& p = std::get<AttentionParams>(n.params);
      // CPU devices read q, keys and values as texel buffers (see attention.comp), when head_dim allows, with
      // one subgroup per item where head_dim splits into 32-dim lanes (attention_rows.comp).
      const bool texel = cpu_device && p.head_dim % 4 == 0 && fits_texels(buf(0)) && fits_texels(buf(1)) &&
                         fits_texels(buf(2));
      const bool rows = texel && subgroup_texels && p.head_dim % 32 == 0 &&
                        uint32_t(p.head_dim / 32) <= subgroup;
      // attention_rows: 4 or 2 query heads per subgroup where that many share a KV head (each key fetched once
      // for them).
      const int64_t group = p.n_head / p.n_kv_head;
      const int heads = !rows ? 1 : group % 4 == 0 ? 4 : group % 2 == 0 ? 2 : 1;
      const std::string rows_name =
          heads == 4 ? "attention_rows_h4" : heads == 2 ? "attention_rows_h2" : "attention_rows";
      const int64_t items = x.rows() * p.n_head / heads;
      out_d.push_back(make(rows ? rows_name : texel ? "attention_texel" : "attention",
                           {buf(0), buf(1), buf(2), buf(3), buf(4), out},
                           {u32(x.rows()), u32(p.n_head), u32(p.n_kv_head), u32(p.head_dim),
                            u32(g.tensor(n.inputs[1]).rows()), f32_bits(p.scale), f32_bits(p.softcap),
                            static_cast<uint32_t>(p.window)},
                           rows ? ceil_div(items, kAttentionRowsWorkgroup / subgroup) : u32(items)));
      break;
    }
    case Op::gelu_mul:
      out_d.push_back(make("gelu_mul", {buf(0), buf(1), out}, {u32(x.elements())}, ceil_div(x.elements(), 256)));
      break;
    case Op::add:
      out_d.push_back(make("add", {buf(0), buf(1), out}, {u32(x.elements()), u32(g.tensor(n.inputs[1]).elements())},
                           ceil_div(x.elements(), 256)));
      break;
    case Op::layer_norm:
      out_d.push_back(make("layer_norm", {buf(0), buf(1), buf(2), out},
                           {u32(x.cols()), u32(x.rows()), f32_bits(std::get<LayerNormParams>(n.params).eps)},
                           u32(x.rows())));
      break;
    case Op::gelu:
      out_d.push_back(make("gelu", {buf(0), out}, {u32(x.elements())}, ceil_div(x.elements(), 256)));
      break;
    case Op::avg_pool: {
      const auto& p = std::get<AvgPoolParams>(n.params);
      out_d.push_back(make("avg_pool", {buf(0), out}, {u32(x.cols()), u32(p.side), u32(p.kernel)},
                           ceil_div(g.tensor(n.output).elements(), 256)));
      break;
    }
    case Op::replace_rows:
      out_d.push_back(make("replace_rows", {buf(0), buf(1), buf(2), out}, {u32(x.elements()), u32(x.cols())},
                           ceil_div(x.elements(), 256)));
      break;
    case Op::softcap:
      out_d.push_back(make("softcap", {buf(0), out}, {u32(x.elements()), f32_bits(std::get<SoftcapParams>(n.params).cap)},
                           ceil_div(x.elements(), 256)));
      break;
    case Op::argmax: {
      const bool texel = cpu_device && x.cols() % 4 == 0 && fits_texels(buf(0));  // see argmax.comp
      out_d.push_back(make(texel ? "argmax_texel" : "argmax", {buf(0), out}, {u32(x.rows()), u32(x.cols())}, u32(x.rows())));
      break;
    }
    case Op::top_k: {
      // CPU devices: the row read as 4-value texels (see top_k.comp).
      const bool texel = cpu_device && x.cols() % 4 == 0 && fits_texels(buf(0));
      out_d.push_back(make(texel ? "top_k_texel" : "top_k", {buf(0), out},
                           {u32(x.rows()), u32(x.cols()), u32(std::get<TopKParams>(n.params).k)}, u32(x.rows())));
      break;
    }
    case Op::last_row: break;  // a buffer copy, recorded directly
    case Op::count_: throw std::logic_error("bad op");
  }
  return out_d;
}

}  // namespace vkg::vk
