#!/usr/bin/env bash
# Coordination cost of the shared PostgreSQL journal, measured so that it does not depend on the CPU: SCANS record
# files whose reader sleeps READ seconds (no CPU), queued with `run --submit` for N `kamiflow serve` worker
# processes (one scan at a time each) on one PostgreSQL server this script starts (Debian's postgresql, initdb into a
# temporary folder, as nobody when run as root, fsync on).
#
# For each N the workers are started and registered, then stopped (SIGSTOP) while the scans are submitted, then let
# go together: the clock measures the workers taking a full queue, not how fast one `run --submit` admits files
# (printed apart, "submit s"). Printed per N:
#   scans/s, its ratio to N x one worker's (the issue's target: >= 0.9) and to the ideal N / READ;
#   journal ms/scan: the time a worker spent waiting for the journal per scan, measured by the worker itself (the
#     scan's `journal` timing: admit, claim, reads and writes up to settling);
#   tx/scan: committed transactions per scan (pg_stat_database), polling and heartbeats included;
#   CPU ms/scan: CPU seconds of the worker processes and of PostgreSQL, per scan (/proc);
#   busy: how much of the machine's cores were busy during the run, every process counted (the machine is shared);
#   lock waits: the share of pg_stat_activity samples (every 0.2 s) in which a backend waited for a lock;
#   fsync ms: the mean time of one WAL flush (pg_stat_wal, track_wal_io_timing), and flushes per scan.
#   Benchmarks/coordination.sh [SCANS] [READ]     (COUNTS="1 2 4 8 16", KAMIFLOW=path/to/kamiflow)
set -euo pipefail
cd "$(dirname "$0")/.."
SCANS=${1:-160}
READ=${2:-0.5}
COUNTS=${COUNTS:-"1 2 4 8 16"}
KAMIFLOW=${KAMIFLOW:-$PWD/.build-release/release/kamiflow}
. Benchmarks/postgres.sh
work=$(mktemp -d)
chmod 755 "$work"
pids=()
sampler=
cleanup() {
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
    for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null || true; done
    [ -n "${pg:-}" ] && kill "$pg" 2>/dev/null && wait "$pg" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
start_postgres -c max_connections=400 -c track_wal_io_timing=on

# Counters at one moment, one line of "key=value": CPU ticks of the workers, of PostgreSQL (the postmaster, its
# live backends, and the backends that have exited), of the whole machine (busy, all), the database's commits, and
# the WAL flushes.
snapshot() {
    local db=$1
    python3 - "$pg" "${pids[@]}" <<'PY'
import os, sys
pg, workers = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]
def ticks(pid, children=False):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if children else 0)
backends = []
for name in os.listdir("/proc"):
    if name.isdigit():
        try:
            if int(open(f"/proc/{name}/stat").read().rsplit(")", 1)[1].split()[1]) == pg:
                backends.append(int(name))
        except (OSError, IndexError):
            pass
cpu = [int(x) for x in open("/proc/stat").readline().split()[1:]]
idle = cpu[3] + cpu[4]
print(f"workers={sum(ticks(p) for p in workers)} postgres={ticks(pg, True) + sum(ticks(b) for b in backends)}"
      f" busy={sum(cpu) - idle} all={sum(cpu)}")
PY
    sql "$db" "SELECT 'commits=' || xact_commit FROM pg_stat_database WHERE datname = current_database()"
    sql "$db" "SELECT 'wal_syncs=' || wal_sync || ' wal_sync_ms=' || wal_sync_time FROM pg_stat_wal"
}

echo "coordination: $SCANS scans, reader sleeping ${READ}s, one scan at a time per worker process, $(nproc) cores"
echo "machine at start: load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%7s %8s %7s %8s %6s %6s %8s %7s %8s %8s %6s %6s %8s %7s\n' workers submit_s seconds "scans/s" "vs_N×1" \
    "vs_ideal" "journal" "tx" "cpu_kf" "cpu_pg" busy locks fsync fsyncs
printf '%7s %8s %7s %8s %6s %6s %8s %7s %8s %8s %6s %6s %8s %7s\n' "" "" "" "" "" "" "ms/scan" "/scan" "ms/scan" \
    "ms/scan" "%" "%" "ms" "/scan"
one=
for n in $COUNTS; do
    db="bench_$n"
    sql postgres "CREATE DATABASE $db" >/dev/null
    folder="$work/n$n"
    mkdir -p "$folder/in"
    # The same scans for every N: the same record, numbered.
    python3 - "$folder/in" "$SCANS" "$READ" <<'PY'
import json, sys
folder, count, read = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
for i in range(count):
    with open(f"{folder}/{i:05d}.json", "w") as out:
        json.dump({"read_seconds": read, "records": [{"workflow": "w", "fields": [
            {"path": "n", "value": f"scan-{i}"}]}]}, out)
PY
    cat > "$folder/kamiflow.yaml" <<YAML
kamiflow: 1
journal: "postgres://kamiflow@127.0.0.1:$port/$db?sslmode=disable&pool_size=2"
journal_password_env: KF_PG
workers: 1
heartbeat: 2s
queue: {spool: spool, workflow: w.yaml, poll: 100ms}
YAML
    pids=()
    for _ in $(seq "$n"); do
        (cd "$folder" && KF_PG="$password" exec "$KAMIFLOW" serve --record-files 2>>"$folder/serve.log") &
        pids+=($!)
    done
    # Every worker registered, then held while the queue fills.
    until [ "$(sql "$db" "SELECT count(*) FROM node WHERE stopped IS NULL" 2>/dev/null || echo 0)" = "$n" ]; do
        sleep 0.2
    done
    for p in "${pids[@]}"; do kill -STOP "$p"; done
    submit_start=$(date +%s.%N)
    (cd "$folder" && KF_PG="$password" "$KAMIFLOW" run --submit --record-files in >/dev/null)
    submit_end=$(date +%s.%N)
    before=$(snapshot "$db" | tr '\n' ' ')
    # pg_stat_activity every 0.2 s, from one session of its own in another database (so that the sampling adds no
    # connections and no transactions to what is measured): how many of the workers' backends wait for a lock.
    mkfifo "$folder/queries"
    "$bin/psql" -h "$work/pg" -p "$port" -U kamiflow -d postgres -X -A -t -q < "$folder/queries" \
        > "$folder/activity" 2>/dev/null &
    (
        while true; do
            echo "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') || ' ' || count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity WHERE datname = '$db';"
            sleep 0.2
        done
    ) > "$folder/queries" &
    sampler=$!
    start=$(date +%s.%N)
    for p in "${pids[@]}"; do kill -CONT "$p"; done
    # Done when the workers have logged every scan handled (reading their logs costs the database nothing).
    until [ "$(grep -c 'queued scan handled' "$folder/serve.log" 2>/dev/null)" -ge "$SCANS" ]; do sleep 0.05; done
    end=$(date +%s.%N)
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=
    delivered=$(sql "$db" "SELECT count(*) FROM scan WHERE state = 'delivered'")
    [ "$delivered" = "$SCANS" ] || { echo "only $delivered of $SCANS scans delivered" >&2; exit 1; }
    after=$(snapshot "$db" | tr '\n' ' ')
    journal=$(sql "$db" "SELECT COALESCE(round(avg((timings::json->>'journal')::numeric), 1)::text, '-') FROM scan")
    python3 - "$n" "$SCANS" "$READ" "$start" "$end" "$submit_start" "$submit_end" "$journal" "${one:-}" \
        "$before" "$after" "$folder/activity" <<'PY'
import sys
n, scans, read = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start, end, s0, s1 = (float(x) for x in sys.argv[4:8])
journal, one = sys.argv[8], sys.argv[9]
parse = lambda text: {k: float(v) for k, v in (item.split("=") for item in text.split())}
before, after = parse(sys.argv[10]), parse(sys.argv[11])
d = {k: after[k] - before[k] for k in before}
hz = 100.0
elapsed = end - start
rate = scans / elapsed
samples = [line.split() for line in open(sys.argv[12]) if len(line.split()) == 2]
locks = 100.0 * sum(1 for w, _ in samples if int(w) > 0) / max(1, len(samples))
one_rate = float(one) if one else rate
print(f"{n:7d} {s1 - s0:8.2f} {elapsed:7.2f} {rate:8.2f} {rate / (n * one_rate):6.2f} {rate * read / n:6.2f}"
      f" {journal:>8} {d['commits'] / scans:7.1f} {1000 * d['workers'] / hz / scans:8.1f}"
      f" {1000 * d['postgres'] / hz / scans:8.1f} {100 * d['busy'] / d['all']:6.0f} {locks:6.0f}"
      f" {d['wal_sync_ms'] / max(1, d['wal_syncs']):8.2f} {d['wal_syncs'] / scans:7.1f}")
with open(sys.argv[12] + ".rate", "w") as out:
    out.write(f"{rate}\n")
PY
    [ -n "$one" ] || one=$(cat "$folder/activity.rate")
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
done
echo "machine at end: load average $(cut -d' ' -f1-3 /proc/loadavg)"
