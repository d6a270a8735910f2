// The one translation unit that compiles stb_image (Debian's libstb-dev ships only the header).
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO  // files are read by model/image.cpp (portable paths, clear errors)
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
