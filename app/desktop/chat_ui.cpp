#include "app/desktop/chat_ui.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "imgui.h"
#include "imgui_stdlib.h"

namespace vkg_desktop {
namespace {

constexpr float kSidebarWidth = 330.0f;
const ImVec4 kUserColour(0.55f, 0.78f, 1.0f, 1.0f);
const ImVec4 kModelColour(0.62f, 0.90f, 0.62f, 1.0f);
const ImVec4 kErrorColour(1.0f, 0.45f, 0.40f, 1.0f);
const ImVec4 kMutedColour(0.60f, 0.60f, 0.65f, 1.0f);

const char* spinner() {  // ASCII only: ImGui's built-in font has no other glyphs
  static const char* frames[] = {"|", "/", "-", "\\"};
  return frames[int(ImGui::GetTime() * 8) % 4];
}

const char* finish_name(vkg_finish_reason r) {
  switch (r) {
    case VKG_FINISH_STOP:
      return "end of turn";
    case VKG_FINISH_LENGTH:
      return "max tokens";
    case VKG_FINISH_CONTEXT_FULL:
      return "context full";
    case VKG_FINISH_CANCELLED:
      return "stopped";
  }
  return "?";
}

void thumbnail_row(const std::vector<ThumbnailPtr>& thumbnails, float height) {
  for (size_t i = 0; i < thumbnails.size(); ++i) {
    const ImVec2 s = thumbnails[i]->size();
    const float scale = height / s.y;
    if (i) ImGui::SameLine();
    thumbnails[i]->draw(ImVec2(s.x * scale, height));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%d x %d pixels", thumbnails[i]->source_width(), thumbnails[i]->source_height());
  }
}

}  // namespace

void ChatUi::draw(const std::string& window_device) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("vkgemma-chat", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  if (!app_.returned_input.empty()) input_ = std::exchange(app_.returned_input, {});

  ImGui::BeginChild("sidebar", ImVec2(kSidebarWidth, 0), true);
  draw_model_panel();
  ImGui::Separator();
  draw_settings_panel();
  ImGui::SetCursorPosY(
      std::max(ImGui::GetCursorPosY(), ImGui::GetWindowHeight() - ImGui::GetTextLineHeightWithSpacing() * 2.2f));
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextColored(kMutedColour, "window drawn on %s", window_device.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
  ImGui::SameLine();

  ImGui::BeginGroup();
  const float composer_height = ImGui::GetFrameHeightWithSpacing() * 5.2f +
                                (app_.attachments().empty() ? 0.0f : 72.0f) + (app_.error.empty() ? 0.0f : 44.0f);
  ImGui::BeginChild("conversation", ImVec2(0, -composer_height), true);
  draw_conversation();
  ImGui::EndChild();
  draw_error();
  draw_composer();
  draw_status_line();
  ImGui::EndGroup();
  ImGui::End();
}

void ChatUi::draw_model_panel() {
  ImGui::TextColored(kMutedColour, "MODEL");
  const bool busy = app_.generating() || app_.model_state() == ModelState::loading;
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##model", "model: GGUF file or Hugging Face directory", &app_.model_path);
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##mmproj", "mmproj (vision tower of a GGUF, optional)", &app_.mmproj_path);

  const auto& devices = app_.devices();
  std::string current = app_.device_choice >= 0 && app_.device_choice < int(devices.size())
                            ? devices[app_.device_choice].label
                            : (app_.devices_listed() ? "Automatic (Vulkan if any, else CPU)" : "listing devices...");
  if (!app_.backend_override.empty()) current = "backend " + app_.backend_override + " (script)";
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##device", current.c_str())) {
    if (ImGui::Selectable("Automatic (Vulkan if any, else CPU)", app_.device_choice < 0)) app_.device_choice = -1;
    for (size_t i = 0; i < devices.size(); ++i)
      if (ImGui::Selectable(devices[i].label.c_str(), app_.device_choice == int(i))) {
        app_.device_choice = int(i);
        app_.backend_override.clear();
      }
    ImGui::EndCombo();
  }
  ImGui::SetNextItemWidth(120);
  ImGui::InputInt("context (0: model's)", &app_.context, 0);
  if (app_.context < 0) app_.context = 0;

  ImGui::BeginDisabled(busy);
  if (ImGui::Button(app_.model_state() == ModelState::ready ? "Load another" : "Load", ImVec2(-1, 0)))
    app_.load_model();
  ImGui::EndDisabled();
  switch (app_.model_state()) {
    case ModelState::none:
      ImGui::TextColored(kMutedColour, "no model loaded");
      break;
    case ModelState::loading: {
      // The C API reports the file being read, then the weights taken in (on Vulkan upload by upload).
      const std::string stage = app_.load_stage() == "weights" ? "preparing the weights" : "reading the model";
      ImGui::Text("%s %s... %.1f s", spinner(), stage.c_str(), app_.loading_seconds());
      if (app_.load_stage() == "weights") ImGui::ProgressBar(app_.load_fraction(), ImVec2(-1, 0));
      break;
    }
    case ModelState::ready: {
      const ModelSummary& m = app_.model();
      ImGui::TextWrapped("%s (%s, %.3gM parameters%s)", m.name.empty() ? "model" : m.name.c_str(),
                         m.architecture.c_str(), m.parameters_millions, m.vision ? ", vision" : "");
      ImGui::TextWrapped("on %s, context %d, loaded in %.2f s", m.backend.c_str(), m.context, app_.load_seconds());
      break;
    }
  }
}

void ChatUi::draw_settings_panel() {
  ImGui::TextColored(kMutedColour, "SYSTEM PROMPT");
  ImGui::InputTextMultiline("##system", &app_.system_prompt, ImVec2(-1, ImGui::GetTextLineHeight() * 4));
  ImGui::TextColored(kMutedColour, "SAMPLING");
  Sampling& s = app_.sampling;
  ImGui::PushItemWidth(150);
  ImGui::SliderFloat("temperature", &s.temperature, 0.0f, 2.0f, "%.2f");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("0: greedy (the same reply every time)");
  ImGui::SliderFloat("top-p", &s.top_p, 0.0f, 1.0f, "%.2f");
  ImGui::InputInt("top-k (0: off)", &s.top_k);
  ImGui::InputInt("max tokens", &s.max_tokens);
  ImGui::InputScalar("seed", ImGuiDataType_U64, &s.seed);
  ImGui::PopItemWidth();
  s.top_k = std::max(0, s.top_k);
  s.max_tokens = std::max(1, s.max_tokens);

  ImGui::Spacing();
  ImGui::BeginDisabled(app_.generating());
  if (ImGui::Button("New chat")) app_.new_chat();
  ImGui::SameLine();
  const bool can_regenerate = !app_.messages().empty() && app_.messages().back().role == "assistant";
  ImGui::BeginDisabled(!can_regenerate);
  if (ImGui::Button("Regenerate")) app_.regenerate();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("the last reply again, with the next seed");
  ImGui::EndDisabled();
  ImGui::EndDisabled();
}

void ChatUi::draw_message(size_t index, const Message& m, bool streaming) {
  const bool user = m.role == "user";
  ImGui::PushID(int(index));
  ImGui::TextColored(user ? kUserColour : kModelColour, "%s", user ? "You" : "Gemma");
  if (!streaming) {
    ImGui::SameLine(ImGui::GetContentRegionAvail().x - 40);
    if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(m.text.c_str());
  }
  if (!m.thumbnails.empty()) thumbnail_row(m.thumbnails, 96.0f);
  ImGui::PushTextWrapPos(0.0f);
  if (streaming && m.text.empty())
    ImGui::TextColored(kMutedColour, "%s reading the prompt...", spinner());
  else
    ImGui::TextUnformatted(m.text.c_str(), m.text.c_str() + m.text.size());
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
  ImGui::PopID();
}

void ChatUi::draw_conversation() {
  const auto& messages = app_.messages();
  if (messages.empty()) {
    ImGui::TextColored(kMutedColour, app_.model_state() == ModelState::ready
                                         ? "Type a message below. Images: a path, or drop files on the window."
                                         : "Load a model on the left to start.");
  }
  for (size_t i = 0; i < messages.size(); ++i)
    draw_message(i, messages[i], app_.generating() && i + 1 == messages.size());
  const size_t length = messages.empty() ? 0 : messages.back().text.size();
  if (messages.size() != shown_messages_ || length != shown_length_) ImGui::SetScrollHereY(1.0f);
  shown_messages_ = messages.size();
  shown_length_ = length;
}

void ChatUi::draw_error() {
  if (app_.error.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
  ImGui::PushTextWrapPos(ImGui::GetContentRegionAvail().x - 80);
  ImGui::TextUnformatted(("error: " + app_.error).c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::SameLine(ImGui::GetContentRegionAvail().x - 70);
  if (ImGui::Button("Dismiss")) app_.error.clear();
}

void ChatUi::draw_composer() {
  const auto& attachments = app_.attachments();
  for (size_t i = 0; i < attachments.size(); ++i) {
    ImGui::PushID(int(1000 + i));
    if (i) ImGui::SameLine();
    ImGui::BeginGroup();
    const ImVec2 s = attachments[i]->size();
    attachments[i]->draw(ImVec2(s.x * 48.0f / s.y, 48.0f));
    if (ImGui::SmallButton("remove")) app_.remove_attachment(i);
    ImGui::EndGroup();
    ImGui::PopID();
  }
  ImGui::SetNextItemWidth(-90);
  const bool attach = ImGui::InputTextWithHint("##image", "image file to attach (or drop files on the window)",
                                               &image_path_, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Attach", ImVec2(-1, 0)) || attach) && !image_path_.empty() && app_.attach_image(image_path_))
    image_path_.clear();

  const float button_width = 90;
  const bool ctrl_enter =
      ImGui::InputTextMultiline("##message", &input_, ImVec2(-button_width - 8, ImGui::GetFrameHeight() * 2.6f),
                                ImGuiInputTextFlags_CtrlEnterForNewLine | ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (app_.generating()) {
    if (ImGui::Button("Stop", ImVec2(-1, ImGui::GetFrameHeight() * 2.6f))) app_.stop();
  } else {
    ImGui::BeginDisabled(app_.model_state() != ModelState::ready);
    if ((ImGui::Button("Send", ImVec2(-1, ImGui::GetFrameHeight() * 2.6f)) || ctrl_enter) &&
        app_.model_state() == ModelState::ready) {
      app_.send(input_);
      input_.clear();
    }
    ImGui::EndDisabled();
  }
}

void ChatUi::draw_status_line() {
  const ReplyFigures& r = app_.last_reply();
  const int total = app_.model().context;
  char line[512];
  if (app_.generating())
    std::snprintf(line, sizeof line, "generating: %.1f tokens/s  |  %.0f fps", app_.live_tokens_per_second(),
                  ImGui::GetIO().Framerate);
  else if (r.completion_tokens || r.prompt_tokens)
    std::snprintf(line, sizeof line,
                  "context %d / %d  |  last reply: %d tokens, %.1f tokens/s, %s  |  %.0f fps while generating",
                  app_.context_used(), total, r.completion_tokens, r.tokens_per_second, finish_name(r.finish),
                  r.frames_per_second);
  else
    std::snprintf(line, sizeof line, "context %d / %d", app_.context_used(), total);
  ImGui::TextColored(kMutedColour, "%s", line);
}

}  // namespace vkg_desktop
