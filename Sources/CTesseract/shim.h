#ifndef KAMIFLOW_CTESSERACT_SHIM_H
#define KAMIFLOW_CTESSERACT_SHIM_H

// The C surface Kamiflow uses. Only KamiflowOCR imports this module (`internal import CTesseract`).
// Never enable C++ interop on a target that imports it: capi.h changes shape under __cplusplus.
#include <tesseract/capi.h>
#include <leptonica/allheaders.h>

// Leptonica >= 1.83 hides `struct Pix`; code that only handles pointers builds on both through this alias.
typedef PIX *PixPtr;

#endif
