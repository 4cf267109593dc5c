#ifndef KAMIFLOW_CCAIRO_SHIM_H
#define KAMIFLOW_CCAIRO_SHIM_H

// Cairo (with its FreeType/fontconfig backend) draws Kamiflow's printed forms. Only KamiflowForms imports it.
#include <cairo/cairo.h>
#include <cairo/cairo-ft.h>
#include <cairo/cairo-pdf.h>

#endif
