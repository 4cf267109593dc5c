#!/usr/bin/env bash
# Prints each corpus layout (HTML/CSS) to a one-page A4 PDF with headless Chromium, and rasterises it to the blank
# reference a workflow's `form.reference` names (300 dpi, 8-bit grey PNG). Needs `chromium` and `pdftoppm`.
#   Corpus/existing-forms/make-blanks.sh            # every layout
#   Corpus/existing-forms/make-blanks.sh inkan-touroku
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
chromium_bin="${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}"
layouts=("$@")
[ ${#layouts[@]} -gt 0 ] || layouts=(shugaku-enjo inkan-touroku kouza-furikae)
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
for name in "${layouts[@]}"; do
    # --no-pdf-header-footer: no date, title or URL printed in the margins; a private profile so that no user
    # setting changes the fonts.
    "$chromium_bin" --headless --no-sandbox --disable-gpu --no-pdf-header-footer --user-data-dir="$profile" \
        --print-to-pdf="$here/blanks/$name.pdf" "file://$here/layouts/$name.html" 2>/dev/null
    pdftoppm -r 300 -gray -png -singlefile "$here/blanks/$name.pdf" "$here/blanks/$name"
    echo "$name: blanks/$name.pdf, blanks/$name.png"
done
