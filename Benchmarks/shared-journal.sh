#!/usr/bin/env bash
# The real engines through the shared journal (issue 16): the same rendered A4 scans of one workflow, read
#   1. by one `kamiflow run` process with the embedded SQLite journal and WORKERS engines (the one-machine set-up),
#   2. by WORKERS `kamiflow serve` processes with one engine each, taking the scans from one PostgreSQL journal this
#      script starts (Debian's postgresql, initdb into a temporary folder, fsync on), the scans queued by
#      `run --submit`,
# both delivering into a SQLite core-system database. Pages per minute each, and the ratio (the issue's target:
# the shared journal keeps >= 0.9 of the single process's throughput on the same machine). For 2, two figures: the
# workers alone taking a full queue (registered, held while the scans are submitted, then let go), and submit plus
# workers from the moment `run --submit` starts, the workers already waiting.
#   Benchmarks/shared-journal.sh      (SCANS=40, WORKERS=2, WORKFLOW=…, KAMIFLOW=path/to/kamiflow)
set -euo pipefail
cd "$(dirname "$0")/.."
unset OMP_THREAD_LIMIT
KAMIFLOW=${KAMIFLOW:-$PWD/.build-release/release/kamiflow}
WORKFLOW=${WORKFLOW:-Workflows/jidou-teate-nintei.yaml}
SCANS=${SCANS:-40}
WORKERS=${WORKERS:-2}
SEED=${SEED:-90210}
[ -x "$KAMIFLOW" ] || { echo "bench: $KAMIFLOW is missing; run: swift build -c release --scratch-path .build-release" >&2; exit 1; }
root=$PWD
workflow=$root/$WORKFLOW
connection=$(awk '/^deliver:/ { d = 1 } d && /- to:/ { print $3; exit }' "$WORKFLOW")

# The scans, rendered once and cached as pipeline.sh does.
CACHE=$PWD/.build/bench-scans/$(basename "$WORKFLOW" .yaml)-$SEED-$SCANS
if [ ! -d "$CACHE" ]; then
    echo "rendering $SCANS scans of $WORKFLOW (office-scanner, seed $SEED) into $CACHE ..."
    "$KAMIFLOW" samples "$WORKFLOW" --count "$SCANS" --out "$CACHE.tmp" --seed "$SEED" --profile office-scanner \
        --format jpeg --defects 0 >/dev/null
    mv "$CACHE.tmp" "$CACHE"
fi

. Benchmarks/postgres.sh
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null || true; done
    [ -n "${pg:-}" ] && kill "$pg" 2>/dev/null && wait "$pg" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n * 60 / t }'; }
states() { sqlite3 "$1" "select state || '=' || count(*) from scan group by state" 2>&1 | tr '\n' ' '; }

echo "machine at start: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

# 1. One process, SQLite journal.
mkdir -p "$work/sqlite"
cat > "$work/sqlite/kamiflow.yaml" <<YAML
kamiflow: 1
connections:
  $connection: {type: sqlite, path: core.sqlite}
workers: $WORKERS
YAML
start=$(now)
(cd "$work/sqlite" && "$KAMIFLOW" run "$workflow" "$CACHE" >/dev/null 2>"$work/sqlite/errors") || true
t_sqlite=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
sqlite_states=$(states "$work/sqlite/.kamiflow/journal.sqlite")

# 2. WORKERS processes, PostgreSQL journal.
start_postgres

# held: "yes" = the workers are held while the scans are submitted; "no" = they take them as they come.
shared() {
    local held=$1 db=bench_$1 folder=$work/pg-$1
    sql postgres "CREATE DATABASE $db" >/dev/null
    mkdir -p "$folder"
    cat > "$folder/kamiflow.yaml" <<YAML
kamiflow: 1
connections:
  $connection: {type: sqlite, path: core.sqlite}
journal: "postgres://kamiflow@127.0.0.1:$port/$db?sslmode=disable"
journal_password_env: KF_PG
workers: 1
heartbeat: 2s
queue: {spool: spool, workflow: $workflow, poll: 200ms}
YAML
    pids=()
    for _ in $(seq "$WORKERS"); do
        (cd "$folder" && KF_PG="$password" exec "$KAMIFLOW" serve 2>>"$folder/serve.log") &
        pids+=($!)
    done
    until [ "$(sql "$db" "SELECT count(*) FROM node WHERE stopped IS NULL" 2>/dev/null || echo 0)" = "$WORKERS" ]; do
        sleep 0.2
    done
    local start
    if [ "$held" = yes ]; then
        for p in "${pids[@]}"; do kill -STOP "$p"; done
        (cd "$folder" && KF_PG="$password" "$KAMIFLOW" run --submit "$CACHE" >/dev/null)
        start=$(now)
        for p in "${pids[@]}"; do kill -CONT "$p"; done
    else
        start=$(now)
        (cd "$folder" && KF_PG="$password" "$KAMIFLOW" run --submit "$CACHE" >/dev/null)
    fi
    until [ "$(sql "$db" "SELECT count(*) FROM scan WHERE state IN ('claimed', 'reading', 'read', 'delivering')")" = 0 ]; do
        sleep 0.1
    done
    awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }' > "$folder/seconds"
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
    sql "$db" "SELECT string_agg(state || '=' || n, ' ') FROM (SELECT state, count(*) n FROM scan GROUP BY state) s" \
        > "$folder/states"
}
shared yes
shared no
t_held=$(cat "$work/pg-yes/seconds")
t_open=$(cat "$work/pg-no/seconds")

printf '\nThe real engines, %d rendered A4 scans of %s, %d cores (shared: see the load averages)\n' "$SCANS" \
    "$(basename "$WORKFLOW")" "$(nproc)"
printf '%-66s %8s %10s %7s\n' "set-up" seconds pages/min ratio
printf '%-66s %8.2f %10s %7s\n' "1 process, $WORKERS engines, SQLite journal (run)" "$t_sqlite" "$(rate "$SCANS" "$t_sqlite")" 1.00
printf '%-66s %8.2f %10s %7.2f\n' "$WORKERS processes, 1 engine each, PostgreSQL journal: workers on a full queue" \
    "$t_held" "$(rate "$SCANS" "$t_held")" "$(awk -v a="$t_sqlite" -v b="$t_held" 'BEGIN { print a / b }')"
printf '%-66s %8.2f %10s %7.2f\n' "$WORKERS processes, 1 engine each, PostgreSQL journal: submit + workers" \
    "$t_open" "$(rate "$SCANS" "$t_open")" "$(awk -v a="$t_sqlite" -v b="$t_open" 'BEGIN { print a / b }')"
echo "states: sqlite: $sqlite_states| pg (full queue): $(cat "$work/pg-yes/states") | pg (submit + workers): $(cat "$work/pg-no/states")"
echo "machine at end: load average $(cut -d' ' -f1-3 /proc/loadavg)"
