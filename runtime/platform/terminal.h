// Whether standard input / error are interactive terminals (chat prints prompts, loading a progress bar
// only then).
#pragma once

namespace vkg {

bool stdin_is_terminal();
bool stderr_is_terminal();

}  // namespace vkg
