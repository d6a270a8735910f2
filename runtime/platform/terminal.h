// Whether standard input / error are interactive terminals (chat prints prompts, loading a progress bar
// only then).
#pragma once

namespace vkg {

bool stdin_is_terminal();
bool stderr_is_terminal();
// Console text in and out is UTF-8, as the model's text is (Windows: the console's code pages; POSIX: nothing).
void use_utf8_console();

}  // namespace vkg
