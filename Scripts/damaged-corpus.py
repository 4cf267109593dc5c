#!/usr/bin/env python3
"""Writes a seeded corpus of damaged and hostile scan files, for probing `kamiflow run` and the drop folders.

    Scripts/damaged-corpus.py --seed 18 --count 240 --out /tmp/corpus Samples/forms/*.jpg Samples/ocr/fax-bundle.tif \
        Samples/ocr/jidou-teate-form.png Fixtures/ocr/english.pdf

The same seed, count and source files always give the same bytes under the same names, so a file that breaks
Kamiflow can be made again from the three numbers in a bug report. What it makes, from the real scans given:
PNG/JPEG/TIFF/PDF files cut at random offsets, empty files, random bytes under image extensions, files without an
extension, PNG headers declaring 60000 x 60000 pixels, PDFs that are not PDFs, one damaged file copied under many
names, and real scans with bits flipped. A manifest (`manifest.json`: name -> kind) is written beside them.

Only the standard library: it runs wherever Python 3 does, with nothing to install.
"""

import argparse
import json
import os
import random
import struct
import sys
import zlib

# How many of each kind, as shares of --count; duplicates are groups of one damaged file under many names.
SHARES = [
    ("truncated", 0.22),
    ("bit-flipped", 0.14),
    ("empty", 0.04),
    ("random-bytes", 0.10),
    ("no-extension", 0.08),
    ("huge-png-header", 0.04),
    ("not-a-pdf", 0.08),
    ("text-as-image", 0.04),
    ("duplicate", 0.22),
    ("wrong-extension", 0.04),
]

IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "tif", "tiff", "PNG", "JPG", "pdf"]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(rng: random.Random) -> bytes:
    """A well-formed PNG whose header declares 60000 x 60000 pixels (RGB or grey) over a few bytes of data:
    decoding it as declared would take gigabytes."""
    colour = rng.choice([0, 2])  # grey or RGB
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, colour, 0, 0, 0)
    row = b"\x00" + b"\xff" * (60000 * (3 if colour == 2 else 1))
    # A few rows compressed; the rest is missing, as in a decompression bomb cut short.
    idat = zlib.compress(row * rng.randint(1, 4), 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def not_a_pdf(rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return b"%PDF-1.7\n" + rng.randbytes(rng.randint(10, 4000))
    if choice == 1:
        return b"<html><body>\xe7\x94\xb3\xe8\xab\x8b\xe6\x9b\xb8</body></html>\n"
    if choice == 2:
        return b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    if choice == 3:
        return b"PK\x03\x04" + rng.randbytes(rng.randint(100, 2000))  # a zip (an .docx, say) named .pdf
    return b"%PDF-1.5\n" + b"9999999 0 obj\n" * rng.randint(1, 50) + b"startxref\n-1\n%%EOF"


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 24)):
        position = rng.randrange(len(damaged))
        damaged[position] ^= 1 << rng.randrange(8)
    return bytes(damaged)


def make(kind: str, rng: random.Random, sources: list) -> tuple:
    """One damaged file of `kind`: (bytes, extension or '')."""
    source_name, source = rng.choice(sources)
    source_ext = os.path.splitext(source_name)[1].lstrip(".").lower()
    if kind == "truncated":
        return source[: rng.randrange(1, len(source))], source_ext
    if kind == "bit-flipped":
        return flip_bits(source, rng), source_ext
    if kind == "empty":
        return b"", rng.choice(IMAGE_EXTENSIONS)
    if kind == "random-bytes":
        return rng.randbytes(rng.randint(1, 64 * 1024)), rng.choice(IMAGE_EXTENSIONS)
    if kind == "no-extension":
        inner = rng.choice(["truncated", "random-bytes", "whole", "empty"])
        if inner == "whole":
            return source, ""
        return make(inner, rng, sources)[0], ""
    if kind == "huge-png-header":
        return huge_png(rng), rng.choice(["png", "png", "jpg"])
    if kind == "not-a-pdf":
        return not_a_pdf(rng), "pdf"
    if kind == "text-as-image":
        text = "氏名 山田 太郎\n住所 東京都\n".encode("utf-8") * rng.randint(1, 200)
        return text, rng.choice(["png", "jpg", "tif"])
    if kind == "wrong-extension":
        # Damaged bytes of one format under another format's extension.
        other = rng.choice([e for e in ["png", "jpg", "tif", "pdf"] if e != source_ext])
        return source[: rng.randrange(len(source) // 2, len(source))], other
    raise ValueError(kind)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, default=240, help="files to write (default 240)")
    parser.add_argument("--out", required=True, help="folder to write them into (created)")
    parser.add_argument("sources", nargs="+", help="real scans (PNG, JPEG, TIFF, PDF) to damage")
    arguments = parser.parse_args()

    sources = []
    for path in sorted(arguments.sources):
        with open(path, "rb") as file:
            data = file.read()
        if len(data) < 2:
            print(f"{path}: too small to damage", file=sys.stderr)
            return 64
        sources.append((os.path.basename(path), data))

    rng = random.Random(arguments.seed)
    os.makedirs(arguments.out, exist_ok=True)
    manifest = {}

    def write(name: str, data: bytes, kind: str) -> None:
        with open(os.path.join(arguments.out, name), "wb") as file:
            file.write(data)
        manifest[name] = kind

    index = 0
    for kind, share in SHARES:
        wanted = max(1, round(arguments.count * share))
        if kind == "duplicate":
            # A few damaged files, each under many names (the journal must keep every name).
            made = 0
            group = 0
            while made < wanted:
                size = min(wanted - made, rng.randint(5, 15))
                data, ext = make(rng.choice(["truncated", "random-bytes", "not-a-pdf"]), rng, sources)
                for copy in range(size):
                    name = f"{index:04d}-duplicate-{group}-{copy}" + (f".{ext}" if ext else "")
                    write(name, data, kind)
                    index += 1
                made += size
                group += 1
            continue
        for _ in range(wanted):
            data, ext = make(kind, rng, sources)
            write(f"{index:04d}-{kind}" + (f".{ext}" if ext else ""), data, kind)
            index += 1

    with open(os.path.join(arguments.out, "manifest.json"), "w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=1, sort_keys=True)
        file.write("\n")
    print(f"wrote {len(manifest)} files into {arguments.out} (seed {arguments.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
