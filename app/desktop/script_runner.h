// --script FILE: drives the running window line by line, for tests and demos. One command per line (# starts a
// comment); commands that wait (load, wait-reply, screenshot, wait-frames) let the UI loop run frames until done.
//   load MODEL [MMPROJ]      open a model (waits; a failure is shown, and must be expected by expect-error)
//   backend auto|cpu|vulkan [DEVICE]   the device for the next load
//   context N | system TEXT | temp X | top-p X | top-k N | max-tokens N | seed N
//   image PATH               attach an image to the next message
//   send TEXT                send a message (as the Send button) with the attachments
//   wait-reply               wait for the reply; prints it and its figures (tokens/s, frames/s while generating)
//   save-reply FILE          write the last reply's text, exactly
//   expect-error TEXT        the error the window shows contains TEXT (then it is dismissed); any other error
//                            shown fails the script
//   stop | new-chat | regenerate | wait-frames N | screenshot OUT.png | quit
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "app/desktop/chat_app.h"
#include "app/desktop/swapchain_renderer.h"

namespace vkg_desktop {

class ScriptRunner {
 public:
  explicit ScriptRunner(const std::string& path);  // throws std::runtime_error if unreadable or malformed

  enum class Status { running, finished, failed };
  // Called after each presented frame (`shot`: filled when wants_screenshot() was true for it).
  Status step(ChatApp& app, const Screenshot& shot);
  bool wants_screenshot() const;
  const std::string& failure() const { return failure_; }

 private:
  struct Command {
    int line;
    std::string name, arg;  // arg: the rest of the line
  };
  bool start(ChatApp& app, const Command& c);  // false: failed (failure_ set)
  bool poll(ChatApp& app, const Command& c, const Screenshot& shot, bool& done);
  bool fail(const Command& c, const std::string& why);

  std::string path_;
  std::vector<Command> commands_;
  size_t next_ = 0;
  bool waiting_ = false;
  int frames_left_ = 0;
  std::chrono::steady_clock::time_point wait_start_;
  std::string failure_;
};

}  // namespace vkg_desktop
