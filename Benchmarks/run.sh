#!/usr/bin/env bash
# Kamiflow benchmarks (`make bench` runs this after a release build).
#
# OCR throughput on the same A4/A5 pages at 300 dpi, in pages per minute:
#   1. kamiflow ocr, whole pages, through the engine pool (one engine per core)
#   2. the tesseract CLI once per page with xargs -P<cores>, (a) in the default environment, (b) OMP_THREAD_LIMIT=1
#   3. kamiflow ocr, 12 zones per A4 form page (one SetImage, then SetRectangle per zone)
# Wall-clock timings: on a shared machine they are noisy; run it alone for figures worth quoting.
set -euo pipefail
cd "$(dirname "$0")/.."
# Start as a user would, without OMP_THREAD_LIMIT: kamiflow must find the fast path by itself; (b) sets it.
unset OMP_THREAD_LIMIT

KAMIFLOW=${KAMIFLOW:-.build/release/kamiflow}
CORES=$(nproc)
ROUNDS=${ROUNDS:-3}
LANGS=jpn+eng
[ -x "$KAMIFLOW" ] || { echo "bench: $KAMIFLOW is missing; run: swift build -c release" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The page set: every upright single-page fixture, twice over (copies, so no cache favours anyone).
PAGES=()
for round in 1 2; do
    for name in english.png japanese.png form.png english.jpg skewed-3.png; do
        cp "Fixtures/ocr/$name" "$WORK/$round-$name"
        PAGES+=("$WORK/$round-$name")
    done
done
N=${#PAGES[@]}

# 12 zones on the A4 form: the eight field values, the title and three labels.
ZONES=()
for y in 620 880 1140 1400 1660 1920 2180 2440; do ZONES+=(--zone "820,$y,1360,130"); done
ZONES+=(--zone "480,280,1400,140" --zone "240,630,500,120" --zone "240,890,500,120" --zone "240,1150,500,120")
FORMS=()
for i in $(seq 1 "$N"); do cp Fixtures/ocr/form.png "$WORK/form-$i.png"; FORMS+=("$WORK/form-$i.png"); done

now() { date +%s.%N; }
# best-of-ROUNDS seconds for a command
time_best() {
    local best="" start end elapsed
    for _ in $(seq 1 "$ROUNDS"); do
        start=$(now)
        "$@" >/dev/null 2>&1
        end=$(now)
        elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
        if [ -z "$best" ] || awk -v e="$elapsed" -v b="$best" 'BEGIN { exit !(e < b) }'; then best=$elapsed; fi
    done
    echo "$best"
}

kamiflow_pages() { "$KAMIFLOW" ocr --lang "$LANGS" --workers "$CORES" "${PAGES[@]}"; }
cli_default() { printf '%s\n' "${PAGES[@]}" | xargs -P"$CORES" -I{} tesseract {} - -l "$LANGS"; }
cli_one_thread() { printf '%s\n' "${PAGES[@]}" | OMP_THREAD_LIMIT=1 xargs -P"$CORES" -I{} tesseract {} - -l "$LANGS"; }
kamiflow_zones() { "$KAMIFLOW" ocr --lang jpn --workers "$CORES" --psm 7 "${ZONES[@]}" "${FORMS[@]}"; }

t_pool=$(time_best kamiflow_pages)
t_cli_a=$(time_best cli_default)
t_cli_b=$(time_best cli_one_thread)
t_zones=$(time_best kamiflow_zones)

rate() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.1f", n * 60 / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

printf '\nOCR throughput, %d pages (A4/A5, 300 dpi, %s), %d cores, best of %d runs\n' "$N" "$LANGS" "$CORES" "$ROUNDS"
printf '%-52s %10s %12s\n' "run" "seconds" "pages/min"
printf '%-52s %10.2f %12s\n' "kamiflow ocr, whole pages, engine pool" "$t_pool" "$(rate "$t_pool")"
printf '%-52s %10.2f %12s\n' "tesseract CLI per page, xargs -P$CORES, default env (a)" "$t_cli_a" "$(rate "$t_cli_a")"
printf '%-52s %10.2f %12s\n' "tesseract CLI per page, xargs -P$CORES, OMP_THREAD_LIMIT=1 (b)" "$t_cli_b" "$(rate "$t_cli_b")"
printf '%-52s %10.2f %12s\n' "kamiflow ocr, 12 zones per A4 form page" "$t_zones" "$(rate "$t_zones")"
printf '\npool vs (a): %sx   pool vs (b): %sx   (targets: >= 3x and >= 1x)\n' \
    "$(ratio "$t_cli_a" "$t_pool")" "$(ratio "$t_cli_b" "$t_pool")"
