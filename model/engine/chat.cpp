#include "model/engine/chat.h"

#include "model/chat_template.h"
#include "model/image_prompt.h"

namespace vkg {

GenerateResult Chat::reply(const std::string& user, std::vector<std::vector<float>> images, GenerateParams params,
                           const TextCallback& on_text) {
  // After a failed step the cache is empty: the conversation starts over from this turn.
  if (gen_.cached_tokens().empty() && !first_) reset();
  Session& session = gen_.session();
  const Model& model = session.model();
  const ChatFormat format = chat_format(model.config().generation, model.chat_template());
  const int n_images = model.vision() ? static_cast<int>(images.size()) : 0;
  const PromptPieces pieces = chat_user_turn(format, user, system_, first_, think_, n_images);
  // Images: a marker each, template text before the user's (Gemma 3; Gemma 4 refuses images); the user's
  // own text is never parsed for control tokens.
  const std::vector<int> turn = n_images == 0
                                    ? encode_pieces(model.tokenizer(), pieces, first_)
                                    : encode_pieces_with_images(model.tokenizer(), *model.vision(), pieces, n_images, first_);
  Prompt prompt{gen_.cached_tokens(), images_};
  prompt.tokens.insert(prompt.tokens.end(), turn.begin(), turn.end());
  prompt.images.insert(prompt.images.end(), images.begin(), images.end());
  params.reserve = 1;  // the closing <end_of_turn> of the reply
  if (static_cast<int64_t>(prompt.tokens.size()) + 1 > session.context()) {
    GenerateResult refused;
    refused.finish = FinishReason::context_full;
    return refused;
  }
  GenerateResult r = gen_.generate(prompt, params, on_text);
  first_ = false;
  images_ = std::move(prompt.images);
  return r;
}

void Chat::reset() {
  gen_.reset();
  first_ = true;
  images_.clear();
}

}  // namespace vkg
