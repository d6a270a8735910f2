#include "model/perplexity.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vkg {

PerplexityResult perplexity(Session& session, const std::vector<int>& tokens, int n_ctx, int max_chunks,
                            const std::function<void(int, double)>& on_chunk) {
  if (n_ctx < 4) throw std::runtime_error("perplexity: context " + std::to_string(n_ctx) + " is too small");
  if (n_ctx > session.context())
    throw std::runtime_error("perplexity: chunk of " + std::to_string(n_ctx) + " tokens exceeds the context of " +
                             std::to_string(session.context()) + " (use --ctx)");
  int chunks = static_cast<int>(tokens.size() / static_cast<size_t>(n_ctx));
  if (chunks == 0)
    throw std::runtime_error("perplexity: the text has " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of " +
                             std::to_string(n_ctx));
  if (max_chunks > 0) chunks = std::min(chunks, max_chunks);

  const int vocab = session.model().config().vocab_size;
  const int first = n_ctx / 2;
  double nll = 0;
  int count = 0;
  for (int c = 0; c < chunks; ++c) {
    std::vector<int> chunk(tokens.begin() + int64_t(c) * n_ctx, tokens.begin() + int64_t(c + 1) * n_ctx);
    chunk[0] = session.model().config().bos_id;
    session.reset();
    std::vector<float> logits = session.eval(chunk, /*all_logits=*/true);
    for (int j = first; j < n_ctx - 1; ++j) {
      const float* l = logits.data() + int64_t(j) * vocab;
      const float max_l = *std::max_element(l, l + vocab);
      double sum = 0;
      for (int v = 0; v < vocab; ++v) sum += std::exp(double(l[v]) - max_l);
      nll += -(double(l[chunk[j + 1]]) - max_l - std::log(sum));
      ++count;
    }
    if (on_chunk) on_chunk(c, std::exp(nll / count));
  }
  session.reset();
  return {std::exp(nll / count), n_ctx, chunks, count};
}

}  // namespace vkg
