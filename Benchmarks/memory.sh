#!/usr/bin/env bash
# Kamiflow memory benchmark (`make bench` runs it after a release build): the peak RSS of one `kamiflow run` over
# hostile inputs, against the memory budget for pages (docs/operations.md, "Memory").
#
# The inputs: the seeded damaged-input corpus (Scripts/damaged-corpus.py, a seed no test uses), ten pages of about
# 80 million pixels each (8900 x 8900, the most ScanLimits allows) as colour and grey PNGs and a colour JPEG, each
# a few hundred kilobytes on disk, and the sample scans. Peak RSS comes from /usr/bin/time; it is a figure for a
# person to read, never a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OMP_THREAD_LIMIT

KAMIFLOW=${KAMIFLOW:-$PWD/.build-release/release/kamiflow}
SEED=${SEED:-1811}
COUNT=${COUNT:-300}
BUDGET=${BUDGET:-}   # MiB; empty for the default
[ -x "$KAMIFLOW" ] || { echo "bench: $KAMIFLOW is missing; run: make release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/inbox" "$WORK/run"

python3 Scripts/damaged-corpus.py --seed "$SEED" --count "$COUNT" --out "$WORK/inbox/corpus" \
    Samples/forms/*.jpg Samples/ocr/fax-bundle.tif Samples/ocr/jidou-teate-form.png Fixtures/ocr/english.pdf >/dev/null

# Ten large pages: ruled "text" bars on paper, different on each page so that none is a duplicate of another.
python3 - "$WORK/inbox/large" <<'EOF'
import os, struct, sys, zlib
folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
W = H = 8900

def png(path, variant, colour):
    channels = 3 if colour else 1
    paper = (b"\xf4\xee\xdc" if colour else b"\xf0") * W
    ink = b"\x20\x30\x80" if colour else b"\x20"
    compressor = zlib.compressobj(6)
    chunks = []
    for y in range(H):
        row = paper
        if ((y + 13 * variant) // 60) % 4 == 1 and 300 < y < H - 300:
            line = bytearray(paper)
            for x in range(400 + variant * 11, W - 400):
                if (x // 25) % 3 != 2:
                    line[x * channels:(x + 1) * channels] = ink
            row = bytes(line)
        chunks.append(compressor.compress(b"\x00" + row))
    chunks.append(compressor.flush())
    data = b"".join(chunks)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", W, H, 8, 2 if colour else 0, 0, 0, 0)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"pHYs", struct.pack(">IIB", 11811, 11811, 1))
                  + chunk(b"IDAT", data) + chunk(b"IEND", b""))

for variant in range(10):
    png(os.path.join(folder, f"large-{variant:02d}.png"), variant, colour=variant % 2 == 0)
EOF
# One of them as a colour JPEG too (libjpeg is read as luminance only).
if command -v convert >/dev/null && convert -version 2>/dev/null | grep -q ImageMagick; then
    convert "$WORK/inbox/large/large-00.png" -quality 80 "$WORK/inbox/large/large-10.jpg"
fi
cp Samples/forms/*.jpg "$WORK/inbox/"

echo "== kamiflow run over $(find "$WORK/inbox" -type f | wc -l) inputs: damaged corpus (seed $SEED), ten 79-megapixel pages, samples"
cd "$WORK/run"
args=(run "$OLDPWD"/Workflows/*.yaml "$WORK/inbox")
[ -n "$BUDGET" ] && args+=(--memory-budget "$BUDGET")
status=0
/usr/bin/time -f "peak RSS %M KB, %e s wall" -o "$WORK/time.txt" "$KAMIFLOW" "${args[@]}" >"$WORK/out.txt" 2>"$WORK/err.txt" \
    || status=$?
tail -n 12 "$WORK/out.txt"
echo "exit status $status (2: some inputs failed, as the damaged ones must)"
echo "memory budget for pages: ${BUDGET:-320 (default)} MiB"
cat "$WORK/time.txt"
