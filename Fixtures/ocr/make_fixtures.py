#!/usr/bin/env python3
"""Makes the reading engine's fixtures in this folder (Fixtures/ocr/).

Run from anywhere: `python3 Fixtures/ocr/make_fixtures.py` (needs Pillow: `pip install Pillow`, and Debian's
fonts-ipafont-gothic / fonts-ipafont-mincho). The committed PNG/TIFF/JPEG/PDF files are what the tests use; this
script is here so that anyone can see, check and remake them. Output is deterministic for a given Pillow version.

Every image gets a JSON file beside it with what is printed on it (`lines`), the language and page segmentation
mode to read it with, and for the form the pixel zones of its fields with their values.
"""
import json
import os
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "..", "Samples", "ocr")
GOTHIC = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
PGOTHIC = "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf"
MINCHO = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"
DPI = 300
A4 = (2480, 3508)  # 210 x 297 mm at 300 dpi
A5 = (1748, 2480)  # 148 x 210 mm at 300 dpi


def font(path, points):
    return ImageFont.truetype(path, round(points * DPI / 72))


def write_json(name, payload):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")


def text_page(size, lines, face, points, top=240, left=200, spacing=1.8):
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    f = font(face, points)
    step = round(points * DPI / 72 * spacing)
    for i, line in enumerate(lines):
        draw.text((left, top + i * step), line, font=f, fill=0)
    return page


def save_png(image, name):
    image.save(os.path.join(HERE, name), dpi=(DPI, DPI), optimize=False)


ENGLISH = [
    "Notice of Change of Address",
    "The resident named below moved to this city",
    "on the first of April and asks for a new",
    "certificate of residence to be issued.",
    "Please bring your identity card and the",
    "moving-out certificate from your old city",
    "to counter 3 on the first floor.",
    "Office hours: 8:30 to 17:15, Monday to Friday.",
]

JAPANESE = [
    "住民異動届についてのお知らせ",
    "転入の届出は、引っ越した日から十四日以内に",
    "市民課の窓口でお願いします。",
    "届出の際は、本人確認書類と転出証明書を",
    "お持ちください。代理人が届け出る場合は、",
    "委任状が必要です。受付時間は平日の午前",
    "八時三十分から午後五時十五分までです。",
    "児童手当の認定請求も同時にできます。",
]

SECOND_PAGE = [
    "国民健康保険の加入について",
    "会社の健康保険をやめたときは、",
    "十四日以内に届け出てください。",
    "保険料は加入した月から計算します。",
]

THIRD_PAGE = [
    "Page three of the bundle",
    "Ward office, counter 5",
    "Telephone 0120 123 456",
]


def english_page():
    return text_page(A5, ENGLISH, PGOTHIC, 12)


def japanese_page():
    return text_page(A5, JAPANESE, MINCHO, 12)


def form_page():
    """A printed application form with labelled, boxed fields, corner registration marks and two checkboxes."""
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    title = font(GOTHIC, 20)
    label = font(GOTHIC, 11)
    value = font(MINCHO, 14)
    # Registration marks: filled 8 mm squares 10 mm in from each corner.
    mark = 94
    for x, y in [(118, 118), (A4[0] - 118 - mark, 118), (118, A4[1] - 118 - mark), (A4[0] - 118 - mark, A4[1] - 118 - mark)]:
        draw.rectangle([x, y, x + mark - 1, y + mark - 1], fill=0)
    draw.text((500, 300), "児童手当 認定請求書", font=title, fill=0)
    fields = [
        ("submitted_on", "請求年月日", "令和6年4月1日", None),
        ("name", "氏名", "山田 太郎", None),
        ("kana", "フリガナ", "ヤマダ タロウ", None),
        ("birth", "生年月日", "昭和60年12月3日", None),
        ("phone", "電話番号", "03-1234-5678", "0123456789-"),
        ("postal", "郵便番号", "100-0001", "0123456789-"),
        ("number", "個人番号", "123456789018", "0123456789"),
        ("account", "口座番号", "1234567", "0123456789"),
    ]
    zones = []
    top = 600
    row = 260
    box_left, box_width, box_height = 800, 1400, 170
    for i, (key, text_label, text_value, whitelist) in enumerate(fields):
        y = top + i * row
        draw.text((260, y + 50), text_label, font=label, fill=0)
        draw.rectangle([box_left, y, box_left + box_width, y + box_height], outline=0, width=4)
        draw.text((box_left + 40, y + 35), text_value, font=value, fill=0)
        # The zone a workflow would read: inside the printed box, clear of its lines.
        zones.append({
            "field": key,
            "label": text_label,
            "value": text_value,
            "zone": [box_left + 20, y + 20, box_width - 40, box_height - 40],
            "whitelist": whitelist,
        })
    # Two checkboxes: 男 ticked, 女 empty.
    y = top + len(fields) * row + 40
    draw.text((260, y + 10), "性別", font=label, fill=0)
    boxes = []
    for j, (text_label, ticked) in enumerate([("男", True), ("女", False)]):
        x = box_left + j * 400
        draw.rectangle([x, y, x + 90, y + 90], outline=0, width=5)
        draw.text((x + 120, y + 10), text_label, font=label, fill=0)
        if ticked:
            draw.line([x + 15, y + 45, x + 40, y + 75], fill=0, width=14)
            draw.line([x + 40, y + 75, x + 80, y + 12], fill=0, width=14)
        boxes.append({"label": text_label, "box": [x, y, 91, 91], "ticked": ticked})
    return page, zones, boxes


def rotated(image, degrees):
    """The page turned by `degrees` counter-clockwise about its centre, white where the corners come in."""
    return image.rotate(degrees, resample=Image.BICUBIC, expand=False, fillcolor=255)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width, height):
    """A well-formed PNG whose header declares `width` x `height` 8-bit gray pixels, with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def main():
    en = english_page()
    ja = japanese_page()
    save_png(en, "english.png")
    write_json("english.json", {"lang": "eng", "psm": 3, "lines": ENGLISH})
    save_png(ja, "japanese.png")
    write_json("japanese.json", {"lang": "jpn", "psm": 3, "lines": JAPANESE})

    en.save(os.path.join(HERE, "english.jpg"), dpi=(DPI, DPI), quality=90)
    write_json("english-jpg.json", {"lang": "eng", "psm": 3, "lines": ENGLISH, "image": "english.jpg"})

    form, zones, boxes = form_page()
    save_png(form, "form.png")
    write_json("form.json", {"lang": "jpn", "psm": 3, "zones": zones, "checkboxes": boxes,
                             "marks": {"side": 94, "count": 4}})

    pages = [ja, text_page(A5, SECOND_PAGE, GOTHIC, 12), text_page(A5, THIRD_PAGE, PGOTHIC, 12)]
    pages[0].save(os.path.join(HERE, "multipage.tif"), save_all=True, append_images=pages[1:],
                  compression="tiff_lzw", dpi=(DPI, DPI))
    write_json("multipage.json", {"lang": "jpn+eng", "psm": 3, "pages": [JAPANESE, SECOND_PAGE, THIRD_PAGE]})

    save_png(rotated(en, 3), "skewed-3.png")
    write_json("skewed-3.json", {"lang": "eng", "psm": 3, "lines": ENGLISH, "skew": 3, "upright": "english.png"})

    for turn in (90, 180, 270):
        # PIL turns counter-clockwise; the JSON says how far clockwise the page must be turned back.
        save_png(ja.rotate(turn, expand=True), f"turned-{turn}.png")
        write_json(f"turned-{turn}.json", {"lang": "jpn", "psm": 3, "lines": JAPANESE, "turnedCounterClockwise": turn,
                                           "upright": "japanese.png"})

    # A small real PDF: the English page embedded at 300 dpi.
    en.save(os.path.join(HERE, "english.pdf"), resolution=DPI)
    write_json("english-pdf.json", {"lang": "eng", "psm": 3, "lines": ENGLISH, "image": "english.pdf"})

    # Samples/ocr/ for the README's first command and `make demo`: the form as a scanner's PNG, the notice as a JPEG,
    # and the multi-page bundle as a 1-bit G4 TIFF as fax machines send it.
    os.makedirs(SAMPLES, exist_ok=True)
    save_png(form, os.path.join(SAMPLES, "jidou-teate-form.png"))
    ja.save(os.path.join(SAMPLES, "tennyu-notice.jpg"), dpi=(DPI, DPI), quality=85)
    fax = [p.point(lambda v: 255 if v >= 128 else 0).convert("1") for p in pages]
    fax[0].save(os.path.join(SAMPLES, "fax-bundle.tif"), save_all=True, append_images=fax[1:], compression="group4",
                dpi=(DPI, DPI))

    # Bad inputs.
    bad = os.path.join(HERE, "bad")
    os.makedirs(bad, exist_ok=True)
    open(os.path.join(bad, "empty.png"), "wb").close()
    with open(os.path.join(HERE, "english.png"), "rb") as f:
        data = f.read()
    with open(os.path.join(bad, "truncated.png"), "wb") as f:
        f.write(data[: len(data) // 3])
    rng = random.Random(20261121)
    with open(os.path.join(bad, "random.png"), "wb") as f:
        f.write(bytes(rng.randrange(256) for _ in range(4096)))
    with open(os.path.join(bad, "notes.txt"), "w", encoding="utf-8") as f:
        f.write("This is a text file, not a scan.\n転入届のメモ\n")
    with open(os.path.join(bad, "bomb.png"), "wb") as f:
        f.write(bomb_png(60000, 60000))
    with open(os.path.join(bad, "corrupt.pdf"), "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + bytes(rng.randrange(256) for _ in range(2048)))


if __name__ == "__main__":
    main()
