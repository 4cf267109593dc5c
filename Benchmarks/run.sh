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

KAMIFLOW=${KAMIFLOW:-.build-release/release/kamiflow}
CORES=$(nproc)
ROUNDS=${ROUNDS:-3}
LANGS=jpn+eng
[ -x "$KAMIFLOW" ] || { echo "bench: $KAMIFLOW is missing; run: swift build -c release --scratch-path .build-release" >&2; exit 1; }

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

# Best of ROUNDS runs of a command: "wall-seconds cpu-seconds" (CPU = user + system of the command and its children,
# the figure that stays meaningful when other work shares the machine).
time_best() {
    local best="" best_cpu="" line wall cpu
    for _ in $(seq 1 "$ROUNDS"); do
        line=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 )
        wall=$(echo "$line" | awk '{ print $1 }')
        cpu=$(echo "$line" | awk '{ printf "%.2f", $2 + $3 }')
        if [ -z "$best" ] || awk -v e="$wall" -v b="$best" 'BEGIN { exit !(e < b) }'; then
            best=$wall
            best_cpu=$cpu
        fi
    done
    echo "$best $best_cpu"
}

kamiflow_pages() { "$KAMIFLOW" ocr --lang "$LANGS" --workers "$CORES" "${PAGES[@]}"; }
cli_default() { printf '%s\n' "${PAGES[@]}" | xargs -P"$CORES" -I{} tesseract {} - -l "$LANGS"; }
cli_one_thread() { printf '%s\n' "${PAGES[@]}" | OMP_THREAD_LIMIT=1 xargs -P"$CORES" -I{} tesseract {} - -l "$LANGS"; }
kamiflow_zones() { "$KAMIFLOW" ocr --lang jpn --workers "$CORES" --psm 7 "${ZONES[@]}" "${FORMS[@]}"; }

read -r t_pool c_pool < <(time_best kamiflow_pages)
read -r t_cli_a c_cli_a < <(time_best cli_default)
read -r t_cli_b c_cli_b < <(time_best cli_one_thread)
read -r t_zones c_zones < <(time_best kamiflow_zones)

rate() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.1f", n * 60 / t }'; }
per_page() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.3f", t / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-58s %9.2f %11s %14s\n' "$1" "$2" "$(rate "$2")" "$(per_page "$3")"; }

printf '\nOCR throughput, %d pages (A4/A5, 300 dpi, %s), %d cores, best of %d runs; load average before: %s\n' \
    "$N" "$LANGS" "$CORES" "$ROUNDS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %9s %11s %14s\n' "run" "seconds" "pages/min" "CPU s/page"
row "kamiflow ocr, whole pages, engine pool" "$t_pool" "$c_pool"
row "tesseract CLI per page, xargs -P$CORES, default env (a)" "$t_cli_a" "$c_cli_a"
row "tesseract CLI per page, xargs -P$CORES, OMP_THREAD_LIMIT=1 (b)" "$t_cli_b" "$c_cli_b"
row "kamiflow ocr, 12 zones per A4 form page (jpn, PSM 7)" "$t_zones" "$c_zones"
printf '\nwhole pages, pool vs (a): %sx, pool vs (b): %sx (targets: at least 3x and 1x)\n' \
    "$(ratio "$t_cli_a" "$t_pool")" "$(ratio "$t_cli_b" "$t_pool")"
printf 'Wall-clock figures are only comparable on an otherwise idle machine; CPU s/page is steadier under load.\n'
