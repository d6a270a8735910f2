// How the Vulkan backend turns a node into work: plan_op(params, context), one overload per op, found by the
// op's parameter type (runtime/vulkan/ops/<stem>.cpp). A planner describes dispatches — which shader variant,
// which buffers in binding order, the push constants, the grid — and never records, uploads or allocates:
// buffers come from the PlanContext, which the backend implements (weights from its weight store, scratch
// from the step). A missing planner is a link error naming the parameter type.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/graph.h"
#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/pipeline.h"

namespace vkg::vk {

// One compute dispatch, or (copy_bytes > 0) one buffer copy.
struct Dispatch {
  const Pipeline* pipeline = nullptr;
  std::vector<const Buffer*> buffers;  // binding order
  std::vector<uint32_t> push;          // 32-bit words
  uint32_t groups[3] = {1, 1, 1};
  VkDescriptorSet set = VK_NULL_HANDLE;  // written by the backend
  std::vector<const Buffer*> writes;     // the buffers it writes when not the node's output (scratch)
  bool quantizes_input = false;          // quantize_pairs (counted in the step summary)
  bool int8_dot = false;                 // a matmul with packed int8 dot products (counted there too)
  bool coopmat = false;                  // a matmul in fp16 cooperative matrices (counted there too)
  const Buffer* copy_src = nullptr;
  uint64_t copy_offset = 0, copy_bytes = 0;  // copied from copy_src at copy_offset to the node's output
};

// A matmul weight's rows split into buffers that each fit one binding.
struct WeightChunk {
  std::unique_ptr<Buffer> buffer;
  int64_t row_begin = 0, rows = 0;
  uint32_t row_stride = 0;  // bytes from a row to the next: its bytes, or whole texels where the store pads them
  // 0: rows one after another; s > 0: interleaved texel by texel in groups of 2^s rows (weight_store.h). Shaders
  // that read weights take it as their push constant interleave_shift (shaders/include/wt_rows.glsl).
  uint32_t interleave_shift = 0;
};

// Step-wide scratch that planners share (sized to the largest request): prompts' 8-bit activations in token
// pairs and their scales (matmul), attention's partials per chunk of keys (attention.comp SPLIT_KEYS), a
// prompt's normed rows (norm_matmul, norm_gate_up) and its gate product (norm_gate_up), matmul_norm_add's
// product and the counters workgroups count themselves with (zeroed when allocated, and by the last workgroup
// after each use: word 0 matmul_norm_add's decode kernel's, from kArgmaxCounterBase one per row of a split
// argmax), a split argmax's slice maxima, the cooperative-matrix tiles' input as scaled fp16 and its tokens' scales.
enum class Scratch { pairs_xq, pairs_xd, attention_partials, normed, gate, product, counters, argmax_partials, fp16_x,
                     token_scales, count_ };
inline const char* scratch_name(Scratch s) {
  const char* names[] = {"prefill.pairs_xq", "prefill.pairs_xd", "attention.partials", "prefill.normed",
                         "prefill.gate", "matmul_norm_add.product", "counters", "argmax.partials",
                         "prefill.fp16_x", "prefill.token_scales"};
  return names[size_t(s)];
}
constexpr uint32_t kArgmaxCounterBase = 4;
// matmul_tiled.comp COOPMAT's compiled block sizes n (n x n x n) as their feature bits (CM=16, CM=8); 0 for others.
inline uint32_t coopmat_size_feature(uint32_t n) { return n == 16 ? ShaderFeature::cm16 : n == 8 ? ShaderFeature::cm8 : 0u; }

constexpr uint32_t kMaxGroups = 65535;        // workgroups per grid dimension
constexpr uint32_t kMatmulRowsPerGroup = 8;   // shaders/matmul.comp: each workgroup computes 8 rows

// The block types matmul_lanes.comp's rows-per-lane kernels read: on devices that run them, the
// weight store interleaves these types' rows (weight_store.h).
inline bool lane_rows_type(DType d) {
  return d == DType::Q4_0 || d == DType::Q5_0 || d == DType::Q8_0 || d == DType::Q4_K || d == DType::Q5_K ||
         d == DType::Q6_K;
}

inline uint32_t u32(int64_t v) { return static_cast<uint32_t>(v); }
inline uint32_t ceil_div(int64_t a, int64_t b) { return static_cast<uint32_t>((a + b - 1) / b); }

// What a planner may ask of the backend about its node and the device.
class PlanContext {
 public:
  PlanContext(const Graph& graph, const Node& node) : graph_(graph), node_(node) {}
  virtual ~PlanContext() = default;

  const Node& node() const { return node_; }
  const TensorDesc& desc(size_t input) const { return graph_.tensor(node_.inputs[input]); }
  const TensorDesc& out_desc() const { return graph_.tensor(node_.output); }

  // Where input i lives (a weight read as plain fp32, such as a norm's scale, is expanded once).
  virtual const Buffer* in(size_t input) = 0;
  virtual const Buffer* out() = 0;
  virtual const std::vector<WeightChunk>& weight_chunks(size_t input) = 0;  // a matmul or embedding weight
  virtual const Buffer& rope_inv_freq(const RopeParams& rope) = 0;       // RoPE's inverse frequencies
  // Shared scratch of at least `bytes`, or null in the step's sizing pass (the planner then plans without it;
  // the backend allocates the largest request and plans again).
  virtual const Buffer* scratch(Scratch which, uint64_t bytes) = 0;
  virtual const Pipeline& pipeline(const ShaderCode& shader) = 0;

  // The device's shape.
  virtual const DeviceInfo& device() const = 0;
  virtual uint32_t max_texel_elements() const = 0;
  virtual bool cpu_shaders() const = 0;  // a CPU-type device (lavapipe) with its own shader set
  virtual bool exact() const = 0;        // fp32 activations in every product
  // CPU-type devices with 8-lane subgroup shuffles: decode and prompt matmuls with whole rows per lane
  // (matmul_lanes.comp) where the type allows; false under VKGEMMA_KERNELS=flat-decode.
  virtual bool lane_rows_kernels() const = 0;
  // GPU shaders may sum partial products with subgroup shuffles (matmul.comp SUBGROUP_SUM); false under
  // VKGEMMA_KERNELS=tree-sum or without the device feature.
  virtual bool subgroup_sums() const = 0;
  // GPU decode (one token, subgroup sums) with 2 weight rows per workgroup instead of 8 (matmul.comp
  // ROWS_PER_WG=2); only under VKGEMMA_KERNELS=decode-rows2 until a GPU has timed both.
  virtual bool decode_rows2() const = 0;
  // GPU decode's threads per workgroup (one token, subgroup sums): 64, or 256 over the same 8 rows
  // (matmul.comp WG_SIZE=256) where a row has many units and the dispatch few workgroups (planned in
  // ops/matmul.cpp); VKGEMMA_KERNELS=decode-wg64 keeps 64 everywhere, decode-wg256 takes 256 wherever compiled
  // (tests; the GPU bundle times both beside the default).
  enum class DecodeThreads { by_shape, always64, always256 };
  virtual DecodeThreads decode_threads() const = 0;
  // GPU decode (one token, subgroup sums) of block types with the input quantized to 8 bits per 16 values and
  // packed int8 dot products (matmul.comp INT8_DOT); only under VKGEMMA_KERNELS=int8-dot on devices with
  // VK_KHR_shader_integer_dot_product, and never where exact() asks for fp32 activations.
  virtual bool int8_dot() const = 0;
  // GPU prompts' products in fp16 cooperative matrices with fp32 sums (matmul_tiled.comp COOPMAT): the square
  // size n (n x n x n) to use, the largest the device lists among those compiled; 0 where none, and unless
  // VKGEMMA_KERNELS=coopmat asks (no GPU has timed it yet), and never where exact() asks for fp32 activations.
  virtual uint32_t coopmat_size() const = 0;
  // GPU prompts' attention in tiles of queries (attention_flash.comp); false under
  // VKGEMMA_KERNELS=attention-per-query (attention.comp's workgroup per query, which the GPU bundle times
  // against it).
  virtual bool flash_attention() const = 0;
  // CPU-device shaders that sum a subgroup's lanes need subgroup arithmetic and whole subgroups per
  // workgroup of `workgroup` invocations.
  bool subgroup_texels(uint32_t workgroup) const;
  bool fits_texels(const Buffer* b) const { return b->padded_size() / 16 <= max_texel_elements(); }
  // The variant's workgroup size (x), as its SPIR-V declares it; throws naming the key if it was not compiled.
  uint32_t workgroup_size(const ShaderKey& shader) const { return shader_code(shader).layout.local_size[0]; }
  const ShaderCode& shader_code(const ShaderKey& shader) const;

  // A dispatch of `shader` over gx x gy workgroups (a 1-D grid past the limit becomes 2-D: shaders use
  // linear_group_id), checked against the shader's reflected layout: the buffer count, and the push-constant
  // struct (the shader's <stem>.push.h, vkg::push::*) against the reflected push-constant bytes.
  template <class Push>
  Dispatch dispatch(const ShaderKey& shader, std::vector<const Buffer*> buffers, const Push& push, uint32_t gx,
                    uint32_t gy = 1) {
    static_assert(std::is_trivially_copyable_v<Push> && sizeof(Push) % 4 == 0, "push constants are 32-bit words");
    std::vector<uint32_t> words(sizeof(Push) / 4);
    std::memcpy(words.data(), &push, sizeof(Push));
    return dispatch_words(shader, std::move(buffers), std::move(words), gx, gy);
  }

 private:
  Dispatch dispatch_words(const ShaderKey& shader, std::vector<const Buffer*> buffers, std::vector<uint32_t> push,
                          uint32_t gx, uint32_t gy);

  const Graph& graph_;
  const Node& node_;
};

#define VKG_VK_DECLARE_PLAN_OP(stem, Params) std::vector<Dispatch> plan_op(const Params& p, PlanContext& c);
VKG_FOR_EACH_OP(VKG_VK_DECLARE_PLAN_OP)
#undef VKG_VK_DECLARE_PLAN_OP

}  // namespace vkg::vk

namespace vkg::vk {
// Planners that a fused op shares with the op it extends (ops/<stem>.cpp of the base op defines them).
// store_sequences: 0 for the op itself; else its store variant, into a cache of that many sequences.
// plan_matmul's operands: the input x (the node's input 0, or scratch holding it normed: its shape is input
// 0's), the weight's input index, GeGLU's gate (null: a plain product), the norm weight (null: none), the
// epsilon of norm_matmul / norm_gate_up's norm or matmul_norm_add's post-norm, the up weight's input index of
// norm_gate_up (0: none), and where the product goes (null: the node's output; else scratch, which the
// dispatches then list as written); for
// matmul_norm_add's decode, the post-norm weight, the residual and the counter (the product then goes to `out`,
// the normed sum to the node's output). With a norm, an up weight or a post-norm, plan_matmul plans the decode
// kernels that do it all in one dispatch, or nothing.
struct MatmulOperands {
  const Buffer* x;
  size_t weight;
  const Buffer* gate;
  const Buffer* norm = nullptr;
  float eps = 0.0f;
  size_t up = 0;
  const Buffer* out = nullptr;
  const Buffer* post_norm = nullptr;
  const Buffer* residual = nullptr;
  const Buffer* counter = nullptr;
};
std::vector<Dispatch> plan_matmul(PlanContext& c, const MatmulOperands& m);
// out: where the normed rows go (null: the node's output).
std::vector<Dispatch> plan_rms_norm(PlanContext& c, float eps, bool add_residual, const Buffer* out = nullptr);
// The same for other operands: `elements` values at x, normed in groups of the weight's (input `weight`) size,
// plus `residual` where not null, into out.
std::vector<Dispatch> plan_rms_norm_of(PlanContext& c, float eps, const Buffer* x, int64_t elements, size_t weight,
                                       const Buffer* residual, const Buffer* out);
std::vector<Dispatch> plan_rope(PlanContext& c, const RopeParams& p, int store_sequences);
std::vector<Dispatch> plan_rms_norm_rope(PlanContext& c, const RmsNormRopeParams& p, int store_sequences);
}  // namespace vkg::vk
