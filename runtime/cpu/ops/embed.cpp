#include <stdexcept>
#include <string>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"
#include "runtime/quant/quant.h"

namespace vkg::cpu {

void embed(const TensorDesc& table, const int32_t* ids, int64_t n, float scale, float* out, ThreadPool& pool) {
  const int64_t H = table.cols(), V = table.rows();
  const int64_t stride = row_bytes(table.dtype, H);
  for (int64_t t = 0; t < n; ++t)
    if (ids[t] < 0 || ids[t] >= V)
      throw std::runtime_error("embed: token id " + std::to_string(ids[t]) + " is outside the vocabulary of " +
                               std::to_string(V) + " ('" + table.name + "')");
  pool.parallel_for(n, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      float* o = out + t * H;
      dequantize_row(table.dtype, static_cast<const uint8_t*>(table.data) + ids[t] * stride, o, H);
      for (int64_t i = 0; i < H; ++i) o[i] *= scale;
    }
  });
}

void run_op(const EmbedParams& p, const CpuNode& n) {
  embed(n.desc(1), n.ints(0), n.desc(0).elements(), p.scale, n.out(), n.pool());
}

}  // namespace vkg::cpu
