#include "app/desktop/script_runner.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <stb/stb_image_write.h>

namespace vkg_desktop {
namespace {

constexpr double kWaitLimitSeconds = 300;  // a load or reply longer than this is a hang, not a slow machine

std::string escaped(const std::string& s) {  // one line of output per reply
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
  return out;
}

template <class T>
bool parse_number(const std::string& s, T& out) {
  std::istringstream in(s);
  in >> out;
  return !in.fail() && in.eof();
}

}  // namespace

ScriptRunner::ScriptRunner(const std::string& path) : path_(path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the script");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const size_t space = line.find(' ', start);
    Command c{n, line.substr(start, space == std::string::npos ? std::string::npos : space - start), ""};
    const size_t arg = space == std::string::npos ? std::string::npos : line.find_first_not_of(' ', space);
    if (arg != std::string::npos) c.arg = line.substr(arg);
    commands_.push_back(c);
  }
}

bool ScriptRunner::fail(const Command& c, const std::string& why) {
  failure_ = path_ + ":" + std::to_string(c.line) + ": " + c.name + ": " + why;
  return false;
}

bool ScriptRunner::wants_screenshot() const {
  return waiting_ && next_ < commands_.size() && commands_[next_].name == "screenshot";
}

ScriptRunner::Status ScriptRunner::step(ChatApp& app, const Screenshot& shot) {
  while (next_ < commands_.size()) {
    const Command& c = commands_[next_];
    if (!waiting_) {
      // An error the window shows must be the one the script expects next.
      if (!app.error.empty() && c.name != "expect-error") {
        fail(c, "the window shows an error: " + app.error);
        return Status::failed;
      }
      if (!start(app, c)) return Status::failed;
      if (c.name == "quit") return Status::finished;
      waiting_ = true;
      wait_start_ = std::chrono::steady_clock::now();
    }
    bool done = false;
    if (!poll(app, c, shot, done)) return Status::failed;
    if (!done) {
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start_).count() > kWaitLimitSeconds) {
        fail(c, "still waiting after " + std::to_string(int(kWaitLimitSeconds)) + " s");
        return Status::failed;
      }
      return Status::running;
    }
    waiting_ = false;
    ++next_;
  }
  return Status::finished;  // the script's end is a quit
}

bool ScriptRunner::start(ChatApp& app, const Command& c) {
  const std::string& a = c.arg;
  if (c.name == "load") {
    const size_t space = a.rfind(' ');
    // MODEL [MMPROJ]: paths without spaces when there are two
    app.model_path = space == std::string::npos ? a : a.substr(0, space);
    app.mmproj_path = space == std::string::npos ? "" : a.substr(space + 1);
    if (app.model_path.empty()) return fail(c, "expected a model path");
    app.load_model();
  } else if (c.name == "backend") {
    std::istringstream in(a);
    std::string backend;
    int device = -1;
    in >> backend >> device;
    if (backend != "auto" && backend != "cpu" && backend != "vulkan")
      return fail(c, "expected auto, cpu or vulkan, got '" + a + "'");
    app.backend_override = backend;
    app.device_override = device;
  } else if (c.name == "context") {
    if (!parse_number(a, app.context) || app.context < 0)
      return fail(c, "expected a token count >= 0, got '" + a + "'");
  } else if (c.name == "system") {
    app.system_prompt = a;
  } else if (c.name == "temp") {
    if (!parse_number(a, app.sampling.temperature) || !(app.sampling.temperature >= 0))
      return fail(c, "expected a number >= 0, got '" + a + "'");
  } else if (c.name == "top-p") {
    if (!parse_number(a, app.sampling.top_p) || !(app.sampling.top_p > 0 && app.sampling.top_p <= 1))
      return fail(c, "expected 0 < p <= 1, got '" + a + "'");
  } else if (c.name == "top-k") {
    if (!parse_number(a, app.sampling.top_k) || app.sampling.top_k < 0)
      return fail(c, "expected a whole number >= 0, got '" + a + "'");
  } else if (c.name == "max-tokens") {
    if (!parse_number(a, app.sampling.max_tokens) || app.sampling.max_tokens < 1)
      return fail(c, "expected a whole number >= 1, got '" + a + "'");
  } else if (c.name == "seed") {
    if (!parse_number(a, app.sampling.seed)) return fail(c, "expected a whole number, got '" + a + "'");
  } else if (c.name == "image") {
    app.attach_image(a);  // an unreadable image shows its error, which an expect-error line may expect
  } else if (c.name == "send") {
    if (app.model_state() != ModelState::ready) return fail(c, "no model is loaded");
    app.send(a);
  } else if (c.name == "expect-error") {
    if (app.error.find(a) == std::string::npos)
      return fail(c, "expected an error containing '" + a + "', the window shows " +
                         (app.error.empty() ? std::string("none") : "'" + app.error + "'"));
    std::printf("error shown: %s\n", app.error.c_str());
    app.error.clear();
  } else if (c.name == "save-reply") {
    const auto& m = app.messages();
    if (m.empty() || m.back().role != "assistant") return fail(c, "there is no reply to save");
    std::ofstream out(a, std::ios::binary);
    if (!(out << m.back().text)) return fail(c, a + ": cannot write");
  } else if (c.name == "stop") {
    app.stop();
  } else if (c.name == "new-chat") {
    app.new_chat();
  } else if (c.name == "regenerate") {
    app.regenerate();
  } else if (c.name == "wait-frames") {
    if (!parse_number(a, frames_left_) || frames_left_ < 0) return fail(c, "expected a frame count, got '" + a + "'");
  } else if (c.name != "wait-reply" && c.name != "screenshot" && c.name != "quit") {
    return fail(c, "unknown command (see app/desktop/script_runner.h)");
  }
  if (c.name == "screenshot" && a.empty()) return fail(c, "expected an output path (PNG)");
  return true;
}

bool ScriptRunner::poll(ChatApp& app, const Command& c, const Screenshot& shot, bool& done) {
  if (c.name == "load") {
    done = app.model_state() != ModelState::loading;
    if (done && app.model_state() != ModelState::ready) {  // the next line must expect the error (step checks it)
      if (app.error.empty()) return fail(c, "the model did not load, and no error is shown");
      std::printf("load failed: %s\n", app.error.c_str());
      return true;
    }
    if (done) {
      const ModelSummary& m = app.model();
      std::printf("loaded: %s (%s%s) on %s, context %d, in %.2f s\n",
                  m.name.empty() ? app.model_path.c_str() : m.name.c_str(), m.architecture.c_str(),
                  m.vision ? ", vision" : "", m.backend.c_str(), m.context, app.load_seconds());
    }
  } else if (c.name == "wait-reply") {
    done = !app.generating();
    if (!done) return true;
    if (!app.error.empty()) {  // failed: the next line must expect the error (step checks it)
      std::printf("reply failed: %s\n", app.error.c_str());
      return true;
    }
    const auto& m = app.messages();
    if (m.empty() || m.back().role != "assistant") return fail(c, "there is no reply");
    const ReplyFigures& r = app.last_reply();
    static const char* reasons[] = {"stop", "length", "context full", "cancelled"};
    std::printf("reply: %s\n", escaped(m.back().text).c_str());
    std::printf(
        "reply figures: %d prompt tokens (%d reused), %d generated, finished: %s, %.2f s, %.1f tokens/s; "
        "context %d / %d\n",
        r.prompt_tokens, r.reused_tokens, r.completion_tokens, reasons[r.finish], r.seconds, r.tokens_per_second,
        app.context_used(), app.model().context);
    std::printf("frames during generation: %ld in %.2f s = %.1f fps\n", r.frames, r.seconds, r.frames_per_second);
  } else if (c.name == "wait-frames") {
    done = frames_left_-- <= 0;
  } else if (c.name == "screenshot") {
    if (shot.width == 0) return true;  // this frame was not read back; the next one is
    if (!stbi_write_png(c.arg.c_str(), shot.width, shot.height, 4, shot.rgba.data(), shot.width * 4))
      return fail(c, c.arg + ": cannot write the PNG");
    std::printf("screenshot: %s (%d x %d)\n", c.arg.c_str(), shot.width, shot.height);
    done = true;
  } else {
    done = true;
  }
  std::fflush(stdout);
  return true;
}

}  // namespace vkg_desktop
