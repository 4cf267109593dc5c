#!/usr/bin/env bash
# Generates the corpus scans (unless already there) and runs `kamiflow eval` on each layout at each resolution,
# then tabulates the results by field kind (report.py).
#   Corpus/existing-forms/evaluate.sh OUT SEED COUNT DPI… 
#   KAMIFLOW=.build-release/release/kamiflow Corpus/existing-forms/evaluate.sh /tmp/corpus 7130 100 150 200 300
# Use a seed no test uses (the tests use 13) and never tune on the seed you report.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kamiflow="${KAMIFLOW:-$here/../../.build-release/release/kamiflow}"
out="$1"; seed="$2"; count="$3"; shift 3
layouts=(${LAYOUTS:-shugaku-enjo inkan-touroku kouza-furikae})
# The masters the workflows' witnesses need, in a file of the run's own: postal codes, banks and name readings from
# the installed packages, and the city's resident register (register.py) as the table `jumin`.
mkdir -p "$out"
export KAMIFLOW_MASTERS="$out/masters.sqlite"
python3 "$here/register.py" "$out/jumin.csv" > /dev/null
"$kamiflow" masters import > /dev/null
"$kamiflow" masters import --from "table:jumin=$out/jumin.csv" > /dev/null
args=()
for dpi in "$@"; do
    for layout in "${layouts[@]}"; do
        dir="$out/$layout-$dpi"
        have=$(ls "$dir" 2>/dev/null | grep -c '\.truth\.json$' || true)
        if [ "$have" -lt "$count" ]; then
            python3 "$here/corpus.py" --layout "$layout" --dpi "$dpi" --first "$have" --count $((count - have)) \
                --seed "$seed" --out "$dir"
        fi
        OMP_THREAD_LIMIT=1 "$kamiflow" eval "$here/workflows/$layout.yaml" "$dir" --json "$dir.eval.json" \
            --html "$dir.eval.html" > "$dir.eval.txt"
        args+=("$dir.eval.json:$dir")
    done
done
python3 "$here/report.py" "${args[@]}"
