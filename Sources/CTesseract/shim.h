#ifndef KAMIFLOW_CTESSERACT_SHIM_H
#define KAMIFLOW_CTESSERACT_SHIM_H

// The C surface Kamiflow uses. Only KamiflowOCR imports this module (`internal import CTesseract`).
// Never enable C++ interop on a target that imports it: capi.h changes shape under __cplusplus.
#include <tesseract/capi.h>
#include <leptonica/allheaders.h>
// libpng's simplified reader decodes a colour PNG straight to grey, without a full-colour page in memory first.
#include <png.h>

// Leptonica >= 1.83 hides `struct Pix` (and Box, Boxa, Pixa); Swift then sees OpaquePointer instead of
// UnsafeMutablePointer<Pix>. Code that only handles pointers builds on both through these aliases.
typedef PIX *PixPtr;
typedef BOX *BoxPtr;
typedef BOXA *BoxaPtr;
typedef PIXA *PixaPtr;

#endif
