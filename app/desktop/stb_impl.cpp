// The app's one translation unit with stb's implementations: image decoding for thumbnails, scaling them, and
// PNG writing for screenshots (Debian's libstb-dev ships the headers; the Windows build has no libstb).
#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#define STBI_WINDOWS_UTF8  // paths are UTF-8 on every platform
// No PNM: Debian 12's stb_image (2.27) header parser overflows a signed int on a long width field (see
// model/stb_image_impl.cpp, where the fuzzer found it).
#define STBI_NO_PNM
#include <stb/stb_image.h>
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb/stb_image_resize.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBIW_WINDOWS_UTF8
#include <stb/stb_image_write.h>
