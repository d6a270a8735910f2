// Ending a one-shot command without tearing down what it loaded.
#pragma once

namespace vkg::app {

// Flushes stdout and stderr and ends the process with `code`, skipping destructors: freeing a loaded model
// piece by piece (a 262k-token vocabulary, hundreds of MB of packed weights) took ~50 ms of a 0.4 s `run`,
// and the operating system takes the memory back at once. In sanitizer builds it only flushes and returns
// (their leak check must see everything freed): the caller then returns `code` as usual.
void exit_without_teardown(int code);

}  // namespace vkg::app
