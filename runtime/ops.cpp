#include "runtime/ops.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace vkg {
namespace {

const OpInfo kOps[] = {
    {Op::embed, "embed", {"token_ids", "table"}},
    {Op::rms_norm, "rms_norm", {"x", "weight"}},
    {Op::rms_norm_add, "rms_norm_add", {"x", "weight", "residual"}},
    {Op::matmul, "matmul", {"x", "weight"}},
    {Op::matmul_geglu, "matmul_geglu", {"x", "weight", "gate"}},
    {Op::rope, "rope", {"x", "positions"}},
    {Op::rms_norm_rope, "rms_norm_rope", {"x", "weight", "positions"}},
    {Op::kv_store, "kv_store", {"x", "positions", "cache"}},
    {Op::rope_store, "rope_store", {"x", "positions", "cache"}},
    {Op::rms_norm_rope_store, "rms_norm_rope_store", {"x", "weight", "positions", "cache"}},
    {Op::attention, "attention", {"q", "k_cache", "v_cache", "positions", "key_end"}},
    {Op::gelu_mul, "gelu_mul", {"gate", "up"}},
    {Op::add, "add", {"a", "b"}},
    {Op::softcap, "softcap", {"x"}},
    {Op::last_row, "last_row", {"x"}},
    {Op::argmax, "argmax", {"x"}},
    {Op::top_k, "top_k", {"x"}},
    {Op::layer_norm, "layer_norm", {"x", "weight", "bias"}},
    {Op::gelu, "gelu", {"x"}},
    {Op::avg_pool, "avg_pool", {"x"}},
    {Op::replace_rows, "replace_rows", {"x", "rows", "use"}},
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == static_cast<size_t>(Op::count_), "one row per op");

[[noreturn]] void shape_error(const Node& n, const std::string& what) {
  throw std::runtime_error("node '" + n.name + "' (" + op_name(n.op) + "): " + what);
}

void expect_cols(const Node& n, const TensorDesc& t, int64_t cols, const char* role) {
  if (t.cols() != cols)
    shape_error(n, std::string(role) + " '" + t.name + "' has " + std::to_string(t.cols()) + " columns, expected " +
                       std::to_string(cols));
}

// RoPE's rows are whole heads of an even head_dim.
void expect_heads(const Node& n, const TensorDesc& x, int head_dim) {
  if (head_dim <= 0 || head_dim % 2 || x.cols() % head_dim)
    shape_error(n, "head_dim " + std::to_string(head_dim) + " does not fit row length " + std::to_string(x.cols()));
}

// Positions are a vector with one entry per row of the input.
void expect_positions(const Node& n, const TensorDesc& t, int64_t rows) {
  if (t.dtype != DType::I32) shape_error(n, "positions '" + t.name + "' must be i32");
  if (t.elements() != rows)
    shape_error(n, "positions '" + t.name + "' has " + std::to_string(t.elements()) + " entries, expected " +
                       std::to_string(rows));
}

}  // namespace

const OpInfo& op_info(Op op) { return kOps[static_cast<size_t>(op)]; }

std::vector<int64_t> infer_output_shape(const Node& n, const std::vector<const TensorDesc*>& in) {
  const OpInfo& info = op_info(n.op);
  if (in.size() != info.inputs.size())
    shape_error(n, "has " + std::to_string(in.size()) + " inputs, expected " + std::to_string(info.inputs.size()));
  switch (n.op) {
    case Op::embed:
      if (in[0]->dtype != DType::I32) shape_error(n, "token ids must be i32");
      return {in[0]->elements(), in[1]->cols()};
    case Op::rms_norm:
    case Op::rms_norm_add:
      if (in[1]->elements() == 0 || in[0]->cols() % in[1]->elements() != 0)
        shape_error(n, "weight '" + in[1]->name + "' size " + std::to_string(in[1]->elements()) +
                           " does not divide the row length " + std::to_string(in[0]->cols()));
      if (n.op == Op::rms_norm_add && in[2]->shape != in[0]->shape)
        shape_error(n, "residual '" + in[2]->name + "' " + in[2]->shape_string() + " differs from x " +
                           in[0]->shape_string());
      return in[0]->shape;
    case Op::matmul:
    case Op::matmul_geglu:
      expect_cols(n, *in[0], in[1]->cols(), "input");
      if (n.op == Op::matmul_geglu && in[2]->shape != std::vector<int64_t>{in[0]->rows(), in[1]->rows()})
        shape_error(n, "gate '" + in[2]->name + "' " + in[2]->shape_string() + ", expected [" +
                           std::to_string(in[0]->rows()) + ", " + std::to_string(in[1]->rows()) + "]");
      return {in[0]->rows(), in[1]->rows()};
    case Op::rope:
    case Op::rope_store:
      expect_heads(n, *in[0], std::get<RopeParams>(n.params).head_dim);
      expect_positions(n, *in[1], in[0]->rows());
      if (n.op == Op::rope) return in[0]->shape;
      expect_cols(n, *in[0], in[2]->cols(), "input");
      return in[2]->shape;
    case Op::rms_norm_rope:
    case Op::rms_norm_rope_store: {
      const auto& p = std::get<RmsNormRopeParams>(n.params).rope;
      expect_heads(n, *in[0], p.head_dim);
      if (in[1]->elements() != p.head_dim)
        shape_error(n, "weight '" + in[1]->name + "' has " + std::to_string(in[1]->elements()) +
                           " values, expected head_dim " + std::to_string(p.head_dim));
      expect_positions(n, *in[2], in[0]->rows());
      if (n.op == Op::rms_norm_rope) return in[0]->shape;
      expect_cols(n, *in[0], in[3]->cols(), "input");
      return in[3]->shape;
    }
    case Op::kv_store:
      expect_cols(n, *in[0], in[2]->cols(), "input");
      expect_positions(n, *in[1], in[0]->rows());
      return in[2]->shape;
    case Op::attention: {
      const auto& p = std::get<AttentionParams>(n.params);
      if (p.n_kv_head <= 0 || p.n_head % p.n_kv_head)
        shape_error(n, "n_head " + std::to_string(p.n_head) + " is not a multiple of n_kv_head " +
                           std::to_string(p.n_kv_head));
      expect_cols(n, *in[0], int64_t(p.n_head) * p.head_dim, "q");
      expect_cols(n, *in[1], int64_t(p.n_kv_head) * p.head_dim, "k_cache");
      expect_cols(n, *in[2], int64_t(p.n_kv_head) * p.head_dim, "v_cache");
      expect_positions(n, *in[3], in[0]->rows());
      expect_positions(n, *in[4], in[0]->rows());
      return in[0]->shape;
    }
    case Op::add:
      if (in[0]->shape != in[1]->shape && !(in[1]->elements() == in[0]->cols() && in[1]->rows() == 1))
        shape_error(n, "input '" + in[1]->name + "' " + in[1]->shape_string() + " is neither the shape of '" +
                           in[0]->name + "' " + in[0]->shape_string() + " nor one row of its width");
      return in[0]->shape;
    case Op::layer_norm:
      if (in[1]->elements() != in[0]->cols() || in[2]->elements() != in[0]->cols())
        shape_error(n, "weight '" + in[1]->name + "' and bias '" + in[2]->name + "' must have " +
                           std::to_string(in[0]->cols()) + " values, got " + std::to_string(in[1]->elements()) +
                           " and " + std::to_string(in[2]->elements()));
      return in[0]->shape;
    case Op::gelu: return in[0]->shape;
    case Op::avg_pool: {
      const auto& p = std::get<AvgPoolParams>(n.params);
      if (p.side <= 0 || p.kernel <= 0 || p.side % p.kernel || in[0]->rows() != int64_t(p.side) * p.side)
        shape_error(n, "input " + in[0]->shape_string() + " is not a " + std::to_string(p.side) + " x " +
                           std::to_string(p.side) + " grid divisible into " + std::to_string(p.kernel) + " x " +
                           std::to_string(p.kernel) + " blocks");
      const int64_t out_side = p.side / p.kernel;
      return {out_side * out_side, in[0]->cols()};
    }
    case Op::replace_rows:
      if (in[0]->shape != in[1]->shape)
        shape_error(n, "rows '" + in[1]->name + "' " + in[1]->shape_string() + " differ from x " + in[0]->shape_string());
      expect_positions(n, *in[2], in[0]->rows());
      return in[0]->shape;
    case Op::gelu_mul:
      if (in[0]->shape != in[1]->shape)
        shape_error(n, "inputs '" + in[0]->name + "' " + in[0]->shape_string() + " and '" + in[1]->name + "' " +
                           in[1]->shape_string() + " differ");
      return in[0]->shape;
    case Op::softcap: return in[0]->shape;
    case Op::last_row: return {1, in[0]->cols()};
    case Op::argmax: return {in[0]->rows(), 1};
    case Op::top_k: {
      const int k = std::get<TopKParams>(n.params).k;
      if (k < 1 || k > kMaxTopK || k > in[0]->cols())
        shape_error(n, "k = " + std::to_string(k) + ", expected 1 to " +
                           std::to_string(std::min<int64_t>(kMaxTopK, in[0]->cols())) + " for input " +
                           in[0]->shape_string());
      return {in[0]->rows(), 2 * int64_t(k)};
    }
    case Op::count_: break;
  }
  shape_error(n, "unknown op");
}

std::string params_string(const OpParams& params) {
  std::ostringstream s;
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, EmbedParams>) s << "scale=" << p.scale;
        if constexpr (std::is_same_v<P, RmsNormParams>) s << "eps=" << p.eps;
        if constexpr (std::is_same_v<P, RopeParams>)
          s << "head_dim=" << p.head_dim << " theta=" << p.theta << " freq_scale=" << p.freq_scale;
        if constexpr (std::is_same_v<P, RmsNormRopeParams>)
          s << "eps=" << p.eps << " head_dim=" << p.rope.head_dim << " theta=" << p.rope.theta
            << " freq_scale=" << p.rope.freq_scale;
        if constexpr (std::is_same_v<P, AttentionParams>) {
          s << "heads=" << p.n_head << "/" << p.n_kv_head << " head_dim=" << p.head_dim << " scale=" << p.scale;
          if (p.softcap > 0) s << " softcap=" << p.softcap;
          s << (p.window > 0 ? " window=" + std::to_string(p.window) : std::string(" causal"));
        }
        if constexpr (std::is_same_v<P, SoftcapParams>) s << "cap=" << p.cap;
        if constexpr (std::is_same_v<P, TopKParams>) s << "k=" << p.k;
        if constexpr (std::is_same_v<P, LayerNormParams>) s << "eps=" << p.eps;
        if constexpr (std::is_same_v<P, AvgPoolParams>) s << "grid=" << p.side << "x" << p.side << " kernel=" << p.kernel;
      },
      params);
  return s.str();
}

}  // namespace vkg
