#!/usr/bin/env bash
# The review station in the browser under load: SESSIONS reviewers logged in at once, each opening the queue and
# then the next record, again and again, against a journal of N records waiting for review (default 10,000 and 20).
# The records come from record files (`run --record-files`, no OCR), so the page images are not part of the time:
# what is measured is the journal, the queue, the templates and the server. Prints p50, p95 and max per page.
#   Benchmarks/review-station.sh [N] [SESSIONS] [ROUNDS]     (KAMIFLOW=path/to/kamiflow to choose the build)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
SESSIONS=${2:-20}
ROUNDS=${3:-5}
KAMIFLOW=${KAMIFLOW:-$PWD/.build-release/release/kamiflow}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r Workflows "$work/"
python3 - "$work/records" "$N" <<'PY'
import json, os, sys
folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder)
for i in range(count):
    record = {"workflow": "jidou-teate-nintei", "route": "review", "pages": [0], "fields": [
        {"path": "claimant.name", "type": "text", "value": f"山田 太郎{i}", "confidence": 41,
         "issues": [{"code": "lowConfidence", "severity": "warning", "message": "read with confidence 41",
                     "fields": ["claimant.name"]}]},
        {"path": "claimant.mynumber", "type": "mynumber", "value": "123456789010", "sensitive": True,
         "issues": [{"code": "checkDigit", "severity": "error", "message": "check digit", "fields": ["claimant.mynumber"]}]},
        {"path": "claimant.kana", "type": "katakana", "value": "ヤマダ タロウ", "confidence": 95}]}
    with open(f"{folder}/{i:06d}.json", "w", encoding="utf-8") as out:
        json.dump({"records": [record]}, out, ensure_ascii=False)
PY
cd "$work"
start=$(date +%s)
"$KAMIFLOW" run --record-files Workflows/jidou-teate-nintei.yaml records >/dev/null 2>&1 || true
echo "journal: $N records in review, written in $(( $(date +%s) - start )) s"
for i in $(seq 1 "$SESSIONS"); do echo "bench-pass-$i" | "$KAMIFLOW" users add "reviewer$i" >/dev/null; done
"$KAMIFLOW" review serve --port 0 >serve.log 2>&1 &
server=$!
for _ in $(seq 1 120); do grep -q "review station:" serve.log && break; sleep 0.5; done
base=$(grep -o 'http://127.0.0.1:[0-9]*' serve.log | head -1)
python3 - "$base" "$SESSIONS" "$ROUNDS" <<'PY'
import http.cookiejar, re, statistics, sys, threading, time, urllib.error, urllib.parse, urllib.request
base, sessions, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = {"queue": [], "record": []}
failures = {}
lock = threading.Lock()
def reviewer(n):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    opener.open(base + "/login", data=urllib.parse.urlencode(
        {"csrf": token, "user": f"reviewer{n}", "password": f"bench-pass-{n}"}).encode()).read()
    for _ in range(rounds):
        for name, path in [("queue", "/"), ("record", "/next")]:
            started = time.monotonic()
            try:
                opener.open(base + path).read()
            except urllib.error.HTTPError as error:
                with lock:
                    failures[name] = failures.get(name, 0) + 1
                continue
            with lock:
                times[name].append(time.monotonic() - started)
threads = [threading.Thread(target=reviewer, args=(n,)) for n in range(1, sessions + 1)]
started = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
print(f"{sessions} sessions x {rounds} rounds in {time.monotonic() - started:.1f} s; refused: {failures or 'none'}")
for name, values in times.items():
    values.sort()
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    print(f"{name:7s} n={len(values)} p50={statistics.median(values)*1000:.0f} ms p95={p95*1000:.0f} ms "
          f"max={values[-1]*1000:.0f} ms")
PY
