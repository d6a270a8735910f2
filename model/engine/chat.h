// A conversation with Gemma's turn template on one Generator: each user turn (text and images) is appended
// to what the cache already holds, so only the new turn is evaluated; the reply streams through the callback.
#pragma once
#include <string>
#include <vector>

#include "model/engine/generator.h"

namespace vkg {

class Chat {
 public:
  // `system`: folded into the first user turn (Gemma has no system turn).
  Chat(Generator& generator, std::string system) : gen_(generator), system_(std::move(system)) {}

  // The reply to one user turn. `images`: embeddings (encode_image_files), placed before the text as Gemma 3's
  // template does. A turn that does not fit what is left of the context is refused (FinishReason::context_full,
  // nothing evaluated, the conversation unchanged).
  GenerateResult reply(const std::string& user, std::vector<std::vector<float>> images, GenerateParams params,
                       const TextCallback& on_text);
  // Starts a new conversation.
  void reset();

 private:
  Generator& gen_;
  std::string system_;
  bool first_ = true;
  std::vector<std::vector<float>> images_;  // every image of the conversation, in order
};

}  // namespace vkg
