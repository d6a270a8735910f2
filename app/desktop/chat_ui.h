// Draws the chat window with ImGui, once per frame: the model and device picker, settings, the conversation
// with thumbnails, the input with attachments, Stop / New chat / Regenerate / Copy, errors and the status line.
// Buttons call ChatApp; nothing here waits on the model.
#pragma once

#include <string>

#include "app/desktop/chat_app.h"

namespace vkg_desktop {

class ChatUi {
 public:
  explicit ChatUi(ChatApp& app) : app_(app) {}
  void draw(const std::string& window_device);  // window_device: the GPU drawing the window, for the status line
  std::string& input() { return input_; }

 private:
  void draw_model_panel();
  void draw_settings_panel();
  void draw_conversation();
  void draw_message(size_t index, const Message& m, bool streaming);
  void draw_error();
  void draw_composer();
  void draw_status_line();

  ChatApp& app_;
  std::string input_;
  std::string image_path_;
  size_t shown_messages_ = 0;  // scrolls to the end when a message is added
  size_t shown_length_ = 0;    // ... or the streamed reply grows
};

}  // namespace vkg_desktop
