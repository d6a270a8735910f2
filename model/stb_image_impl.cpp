// The one translation unit that compiles stb_image (Debian's libstb-dev ships only the header).
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO  // files are read by model/image.cpp (portable paths, clear errors)
#define STBI_FAILURE_USERMSG
// No PNM: the header parser of Debian 12's stb_image (2.27) overflows a signed int on a long width field
// (undefined behaviour; found by tools/fuzz.sh, input kept in assets/fuzz_corpus/image/).
#define STBI_NO_PNM
#include <stb/stb_image.h>
