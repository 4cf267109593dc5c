#ifndef KAMIFLOW_CCAIRO_SHIM_H
#define KAMIFLOW_CCAIRO_SHIM_H

// Cairo (with its FreeType backend) draws Kamiflow's printed forms. Only KamiflowForms imports it.
// FreeType is used directly only to open the IPA font files by path, so that a form renders with the same glyphs
// whatever fontconfig would pick on the machine.
#include <ft2build.h>
#include FT_FREETYPE_H
#include <cairo/cairo.h>
#include <cairo/cairo-ft.h>
#include <cairo/cairo-pdf.h>

#endif
