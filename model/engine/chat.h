// A conversation with Gemma's turn template on one Generator: each user turn (text and images) is appended
// to what the cache already holds, so only the new turn is evaluated; the reply streams through the callback.
#pragma once
#include <string>
#include <vector>

#include "model/engine/generator.h"

namespace vkg {

class Chat {
 public:
  // `system`: Gemma 4's system turn, or folded into the first user turn (Gemma 1-3 have none). think: Gemma 4's
  // thinking on (the thought streams through GenerateParams::on_thought, never into the reply's text).
  Chat(Generator& generator, std::string system, bool think = false)
      : gen_(generator), system_(std::move(system)), think_(think) {}

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
  bool think_ = false;
  bool first_ = true;
  std::vector<std::vector<float>> images_;  // every image of the conversation, in order
};

}  // namespace vkg
