#!/usr/bin/env bash
# Coordination cost of the shared PostgreSQL journal, measured so that it does not depend on the CPU: SCANS record
# files whose reader sleeps READ seconds (no CPU), submitted with `run --submit` to N `kamiflow serve` worker
# processes (one scan at a time each) on one PostgreSQL server this script starts (Debian's postgresql, initdb into a
# temporary folder, as nobody when run as root, fsync on). For each N it prints the throughput, the ideal N / READ,
# their ratio, and the time each scan costs a worker besides its read (journal, claim, polling):
#   overhead = N x elapsed / SCANS - READ
#   Benchmarks/coordination.sh [SCANS] [READ]     (COUNTS="1 2 4 8 16", KAMIFLOW=path/to/kamiflow)
set -euo pipefail
cd "$(dirname "$0")/.."
SCANS=${1:-160}
READ=${2:-0.5}
COUNTS=${COUNTS:-"1 2 4 8 16"}
KAMIFLOW=${KAMIFLOW:-$PWD/.build-release/release/kamiflow}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "${pg:-}" ] && kill "$pg" 2>/dev/null && wait "$pg" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
as=()
mkdir "$work/pg"
password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$password" > "$work/pg/pw"
if [ "$(id -u)" = 0 ]; then
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
    chown -R 65534:65534 "$work/pg"
fi
"${as[@]}" "$bin/initdb" -D "$work/pg/data" -U kamiflow --pwfile="$work/pg/pw" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as[@]}" "$bin/postgres" -D "$work/pg/data" -h 127.0.0.1 -p "$port" -k "$work/pg" -c max_connections=400 \
    >"$work/pg/log" 2>&1 &
pg=$!
until "$bin/pg_isready" -h "$work/pg" -p "$port" -U kamiflow >/dev/null 2>&1; do sleep 0.2; done
sql() { "$bin/psql" -h "$work/pg" -p "$port" -U kamiflow -d "$1" -X -A -t -c "$2"; }

echo "coordination: $SCANS scans, reader sleeping ${READ}s, one scan at a time per worker process"
printf '%8s %10s %12s %10s %7s %16s\n' workers seconds "scans/s" "ideal/s" ratio "overhead/scan"
for n in $COUNTS; do
    db="bench_$n"
    sql postgres "CREATE DATABASE $db" >/dev/null
    folder="$work/n$n"
    mkdir -p "$folder/in"
    python3 - "$folder/in" "$SCANS" "$READ" "$n" <<'PY'
import json, sys
folder, count, read, n = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
for i in range(count):
    with open(f"{folder}/{i:05d}.json", "w") as out:
        json.dump({"read_seconds": read, "records": [{"workflow": "w", "fields": [
            {"path": "n", "value": f"{n}-{i}"}]}]}, out)
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
    # Every worker registered before the clock starts.
    until [ "$(sql "$db" "SELECT count(*) FROM node WHERE stopped IS NULL" 2>/dev/null || echo 0)" = "$n" ]; do
        sleep 0.2
    done
    start=$(date +%s.%N)
    (cd "$folder" && KF_PG="$password" "$KAMIFLOW" run --submit --record-files in >/dev/null)
    until [ "$(sql "$db" "SELECT count(*) FROM scan WHERE state = 'delivered'")" = "$SCANS" ]; do sleep 0.05; done
    end=$(date +%s.%N)
    python3 - "$n" "$SCANS" "$READ" "$start" "$end" <<'PY'
import sys
n, scans, read, start, end = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
elapsed = end - start
rate, ideal = scans / elapsed, n / read
print(f"{n:8d} {elapsed:10.2f} {rate:12.2f} {ideal:10.2f} {rate / ideal:7.2f} {n * elapsed / scans - read:14.3f} s")
PY
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
done
