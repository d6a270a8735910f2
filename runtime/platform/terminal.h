// Whether standard input is an interactive terminal (chat prints prompts only then).
#pragma once

namespace vkg {

bool stdin_is_terminal();

}  // namespace vkg
