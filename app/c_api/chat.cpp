// vkg_chat: a conversation with images in the model's own chat template. The messages are rendered as the
// CLI's chat and the server render them (chat_prompt: what users wrote is never parsed for control tokens),
// the images decoded and run through the vision tower, and the whole prompt handed to the Generator, which
// evaluates only what its cache does not hold yet.
#include <algorithm>
#include <string>
#include <vector>

#include "app/c_api/handles.h"
#include "model/chat_template.h"
#include "model/image.h"
#include "model/image_prompt.h"

using namespace vkg_c;

namespace {

std::string image_name(int message, int image) {
  return "message " + std::to_string(message) + " image " + std::to_string(image);
}

// Decodes one image (a file, or bytes in memory) and preprocesses it for the tower; throws naming it.
std::vector<float> image_pixels(const vkg_image& im, const vkg::VisionConfig& v, int message, int index) {
  if (im.path) return vkg::preprocess_image(vkg::load_image(im.path), v.image_size);
  if (!im.data || im.size == 0)
    throw std::runtime_error(image_name(message, index) + ": neither a path nor bytes (data, size) given");
  return vkg::preprocess_image(vkg::decode_image(static_cast<const uint8_t*>(im.data), im.size, image_name(message, index)),
                               v.image_size);
}

// How many of the prompt's images are already in the KV cache: the Generator reuses its cache only when it
// holds a strict prefix of the prompt, and then does not read the embeddings of the image runs inside it.
int cached_images(vkg::Generator& g, const std::vector<int>& prompt, const vkg::VisionConfig& v) {
  const std::vector<int>& cached = g.cached_tokens();
  const bool extends = cached.size() < prompt.size() && g.session().position() == static_cast<int>(cached.size()) &&
                       std::equal(cached.begin(), cached.end(), prompt.begin());
  return extends ? vkg::image_runs(cached, v) : 0;
}

int run_chat(vkg_model* m, const vkg_message* messages, int n_messages, const vkg_generate_options& o,
             vkg_text_callback on_text, void* user_data, vkg_generate_result* result) {
  vkg::Generator& gen = generator(m, "vkg_chat");
  vkg::GenerateParams p = generate_params(m, o, "vkg_chat");
  ChatInput in = chat_input(m, messages, n_messages, "vkg_chat");
  if (!in.pixels.empty()) {
    const int skip = cached_images(gen, in.prompt.tokens, *m->model->vision());
    for (size_t k = 0; k < in.pixels.size(); ++k)
      in.prompt.images.push_back(static_cast<int>(k) < skip ? std::vector<float>{} : m->session->encode_image(in.pixels[k]));
  }
  p.reserve = 1;  // the closing end-of-turn of the reply
  fill_result(gen.generate(in.prompt, p, text_callback(on_text, user_data)), result);
  return 0;
}

}  // namespace

namespace vkg_c {

ChatInput chat_input(vkg_model* m, const vkg_message* messages, int n_messages, const char* function) {
  if (n_messages <= 0 || !messages) throw std::runtime_error(std::string(function) + ": no messages");
  const vkg::Model& model = *m->model;
  std::vector<vkg::ChatMessage> chat;
  int n_images = 0;
  for (int i = 0; i < n_messages; ++i) {
    const vkg_message& msg = messages[i];
    if (!msg.role || !msg.content) throw std::runtime_error("message " + std::to_string(i) + ": role or content is NULL");
    if (msg.n_images < 0 || (msg.n_images > 0 && !msg.images))
      throw std::runtime_error("message " + std::to_string(i) + ": bad image array (n_images " +
                               std::to_string(msg.n_images) + ")");
    chat.push_back({msg.role, msg.content, msg.n_images});
    n_images += msg.n_images;
  }
  if (n_images > 0 && !model.vision())
    throw std::runtime_error(model.path() + " has no vision tower: images need a Gemma 3 4B+ model (a GGUF with its "
                             "mmproj file through vkg_model_open_with_vision, or a Hugging Face directory)");
  const vkg::ChatFormat format = vkg::chat_format(model.config().generation, model.chat_template());
  const vkg::PromptPieces pieces = vkg::chat_prompt(format, chat);
  ChatInput in;
  in.prompt.tokens = n_images > 0 ? vkg::encode_pieces_with_images(model.tokenizer(), *model.vision(), pieces, n_images, true)
                                  : vkg::encode_pieces(model.tokenizer(), pieces, true);
  // Refused before any image is decoded: the images' tokens are the usual reason a chat outgrows its context.
  const int context = m->session->context();
  if (static_cast<int64_t>(in.prompt.tokens.size()) > context) {
    std::string why = "the conversation has " + std::to_string(in.prompt.tokens.size()) +
                      " tokens, more than the context of " + std::to_string(context);
    if (n_images > 0)
      why += " (its " + std::to_string(n_images) + " image(s) take at least " +
             std::to_string(model.vision()->tokens_per_image + 2) + " tokens each)";
    throw std::runtime_error(why);
  }
  for (int i = 0; i < n_messages; ++i)
    for (int j = 0; j < messages[i].n_images; ++j) in.pixels.push_back(image_pixels(messages[i].images[j], *model.vision(), i, j));
  return in;
}

}  // namespace vkg_c

extern "C" int vkg_chat(vkg_model* model, const vkg_message* messages, int n_messages, const vkg_generate_options* options,
                        vkg_text_callback on_text, void* user_data, vkg_generate_result* result) {
  if (!check_model(model)) return -1;
  if (n_messages <= 0 || !messages) return fail("vkg_chat: no messages");
  const vkg_generate_options o = options ? *options : vkg_generate_default_options();
  return guarded([&] { return run_chat(model, messages, n_messages, o, on_text, user_data, result); }, -1);
}
