#!/usr/bin/env bash
# The runtime benchmark (issue: runtime): the same rendered A4 scans of one workflow, read three ways.
#   1. kamiflow run end to end: hash, journal, decode, register, read, interpret, deliver into SQLite
#   2. the ceiling: the same extraction through the engine pool alone (kamiflow bench-read)
#   3. the scripter's baseline: the tesseract CLI once per scan with xargs -P<cores>, default env and
#      OMP_THREAD_LIMIT=1 (whole pages: a script has no zones)
# and the peak memory of kamiflow run at SCANS and at SCANS_LARGE scans (the large set repeats the small one with a
# distinct trailing byte per copy, so every file has its own hash and is really processed).
set -euo pipefail
cd "$(dirname "$0")/.."
unset OMP_THREAD_LIMIT

KAMIFLOW=${KAMIFLOW:-$PWD/.build-release/release/kamiflow}   # swift build -c release --scratch-path .build-release
WORKFLOW=${WORKFLOW:-Workflows/jidou-teate-nintei.yaml}
SCANS=${SCANS:-200}
SCANS_LARGE=${SCANS_LARGE:-0}        # e.g. 2000 for the memory-flatness figure (takes ~10x as long)
SEED=${SEED:-90210}                   # not a seed the tests use
CLI=${CLI:-1}                         # 0: leave out the tesseract CLI baselines (comparing two kamiflow builds)
CORES=$(nproc)
[ -x "$KAMIFLOW" ] || { echo "bench: $KAMIFLOW is missing; run: swift build -c release --scratch-path .build-release" >&2; exit 1; }

CACHE=$PWD/.build/bench-scans/$(basename "$WORKFLOW" .yaml)-$SEED-$SCANS
if [ ! -d "$CACHE" ]; then
    echo "rendering $SCANS scans of $WORKFLOW (office-scanner, seed $SEED) into $CACHE ..."
    "$KAMIFLOW" samples "$WORKFLOW" --count "$SCANS" --out "$CACHE.tmp" --seed "$SEED" --profile office-scanner \
        --format jpeg --defects 0 >/dev/null
    mv "$CACHE.tmp" "$CACHE"
fi
mapfile -t FILES < <(ls "$CACHE"/*.jpg)
N=${#FILES[@]}
ZONES=$(grep -cE '^\s+[a-z_.]+:\s*\{' "$WORKFLOW" || true)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
seconds_of() { local s; s=$(now); "$@" >/dev/null 2>"$WORK/stderr" || true; awk -v a="$s" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n * 60 / t }'; }

# Peak RSS (MB) and wall seconds of one kamiflow run over the inputs, in a fresh journal and core system.
run_end_to_end() {
    local dir=$WORK/run-$1 root=$PWD; shift
    mkdir -p "$dir"
    # A run that fails (no masters imported: make bench imports them) must not pass for a fast one. Exit status 1
    # is a run whose forms wait in review, as most of these do.
    local status=0
    ( cd "$dir" && /usr/bin/time -f "%M %e" -o "$dir/time" "$KAMIFLOW" run "$root/$WORKFLOW" "$@" >/dev/null 2>"$dir/stderr" ) || status=$?
    if [ "$status" -gt 1 ]; then
        echo "bench: kamiflow run failed (exit status $status): $(tail -3 "$dir/stderr")" >&2
        exit 1
    fi
    read -r kb wall < <(tail -1 "$dir/time")
    echo "$(awk -v k="$kb" 'BEGIN{printf "%.0f", k/1024}') $wall"
    sqlite3 "$dir/.kamiflow/journal.sqlite" "select state, count(*) from scan group by state" > "$dir/states" 2>/dev/null || true
}

t_ceiling=$(seconds_of "$KAMIFLOW" bench-read "$WORKFLOW" "${FILES[@]}")
read -r mem_small t_e2e < <(run_end_to_end small "$CACHE")
t_cli_a=0 t_cli_b=0
if [ "$CLI" != 0 ]; then
    t_cli_a=$(seconds_of bash -c "printf '%s\n' \"\$@\" | xargs -P$CORES -I{} tesseract {} - -l jpn+eng" _ "${FILES[@]}")
    t_cli_b=$(seconds_of bash -c "printf '%s\n' \"\$@\" | OMP_THREAD_LIMIT=1 xargs -P$CORES -I{} tesseract {} - -l jpn+eng" _ "${FILES[@]}")
fi

printf '\nPipeline, %d rendered A4 scans of %s (%s field entries), %d cores\n' "$N" "$(basename "$WORKFLOW")" "$ZONES" "$CORES"
printf '%-58s %9s %10s\n' "run" "seconds" "pages/min"
printf '%-58s %9.2f %10s\n' "kamiflow run, end to end into SQLite" "$t_e2e" "$(rate "$N" "$t_e2e")"
printf '%-58s %9.2f %10s\n' "ceiling: extraction through the engine pool alone" "$t_ceiling" "$(rate "$N" "$t_ceiling")"
if [ "$CLI" != 0 ]; then
    printf '%-58s %9.2f %10s\n' "tesseract CLI per scan, xargs -P$CORES, default env" "$t_cli_a" "$(rate "$N" "$t_cli_a")"
    printf '%-58s %9.2f %10s\n' "tesseract CLI per scan, xargs -P$CORES, OMP_THREAD_LIMIT=1" "$t_cli_b" "$(rate "$N" "$t_cli_b")"
fi
printf '\nend to end / ceiling: %s   end to end / CLI OMP_THREAD_LIMIT=1: %s   (targets: >= 0.90 and >= 3x)\n' \
    "$(awk -v a="$t_ceiling" -v b="$t_e2e" 'BEGIN{printf "%.2f", a/b}')" \
    "$(awk -v a="$t_cli_b" -v b="$t_e2e" 'BEGIN{if (a > 0) printf "%.2fx", a/b; else printf "(CLI=0)"}')"
printf 'peak memory of kamiflow run, %d scans: %s MB (target: <= %d MB = 150 + 100 per worker)\n' \
    "$N" "$mem_small" "$((150 + 100 * CORES))"
printf 'journal states after the run: %s\n' "$(tr '\n|' ' =' < "$WORK/run-small/states")"

if [ "$SCANS_LARGE" -gt 0 ]; then
    mkdir -p "$WORK/large"
    for i in $(seq 0 $((SCANS_LARGE - 1))); do
        src=${FILES[$((i % N))]}
        { cat "$src"; printf 'copy %d' "$i"; } > "$WORK/large/$(printf '%05d' "$i").jpg"
    done
    read -r mem_large t_large < <(run_end_to_end large "$WORK/large")
    printf 'peak memory of kamiflow run, %d scans: %s MB in %ss (flat if close to the %d-scan figure)\n' \
        "$SCANS_LARGE" "$mem_large" "$t_large" "$N"
fi
