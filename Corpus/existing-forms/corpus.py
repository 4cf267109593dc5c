#!/usr/bin/env python3
"""Fills the corpus layouts (forms Kamiflow did not make) with fake people and "scans" them.

    python3 Corpus/existing-forms/corpus.py --layout shugaku-enjo --dpi 200 --count 100 --seed 9001 --out /tmp/c

For each sample it writes `<layout>-<dpi>-<nnnn>.jpg` (or .png) and `<same>.truth.json` in the format
`kamiflow eval` reads (see docs/samples-and-eval.md). Values are drawn in fonts Kamiflow does not print with
(Noto Sans/Serif CJK, VL Gothic, Takao); circles and ticks are drawn like a pen; then the page is moved, scaled,
skewed, blurred, darkened or lightened, noised and compressed. Everything comes from one seed: the same arguments
give the same bytes. Sample n of a batch is the same whatever --count is.

Needs Pillow and numpy, the blanks' PDFs (Corpus/existing-forms/blanks/*.pdf, made by make-blanks.sh) and
pdftoppm (poppler-utils).
"""
import argparse
import datetime
import io
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
MASTER_DPI = 400
PAGE_MM = (210.0, 297.0)
TODAY = datetime.date(2026, 10, 1)

# --- fonts the values are typed in (none of them is the IPA face Kamiflow prints with) -------------------------
FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 0),
    ("/usr/share/fonts/truetype/vlgothic/VL-Gothic-Regular.ttf", 0),
    ("/usr/share/fonts/truetype/vlgothic/VL-PGothic-Regular.ttf", 0),
    ("/usr/share/fonts/truetype/takao-mincho/TakaoPMincho.ttf", 0),
    ("/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf", 0),
]


def available_fonts():
    fonts = [f for f in FONT_CANDIDATES if os.path.exists(f[0])]
    if not fonts:
        sys.exit("no value font found: install fonts-noto-cjk, fonts-vlgothic or fonts-takao")
    return fonts


# --- the fake people --------------------------------------------------------------------------------------------
SURNAMES = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
            ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
            ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
            ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("清水", "シミズ"), ("森", "モリ")]
MEN = [("太郎", "タロウ"), ("健一", "ケンイチ"), ("大輔", "ダイスケ"), ("誠", "マコト"), ("翔太", "ショウタ"),
       ("直樹", "ナオキ"), ("和也", "カズヤ"), ("拓也", "タクヤ"), ("浩二", "コウジ"), ("悠斗", "ユウト")]
WOMEN = [("花子", "ハナコ"), ("恵子", "ケイコ"), ("美咲", "ミサキ"), ("陽子", "ヨウコ"), ("由美", "ユミ"),
         ("真由美", "マユミ"), ("彩", "アヤ"), ("結衣", "ユイ"), ("千尋", "チヒロ"), ("優子", "ユウコ")]
TOWNS = ["中央町", "本町", "栄町", "緑町", "旭町", "若葉台", "東町", "西原", "桜ケ丘", "新町", "松原", "駅前"]
CITY = "青葉市"  # a city that does not exist (the printed ○○市 is the form's placeholder, never a value)
BUILDINGS = ["", "", "", "コーポ緑101", "サンハイツ203", "グリーンパレス302"]
# Real banks with their 全銀 codes, written as a person writes them (the kind spelled out): a form names a bank that
# exists, and a form with a code box has that bank's code in it.
BANKS = [("みずほ銀行", "0001"), ("三井住友銀行", "0009"), ("足利銀行", "0129"), ("常陽銀行", "0130"),
         ("栃木銀行", "0517"), ("中央労働金庫", "2963"), ("第一勧業信用組合", "2254")]
BRANCHES = ["本店", "駅前支店", "東支店", "西支店", "中央支店", "市役所出張所"]
SCHOOLS = ["中央小学校", "東小学校", "西中学校", "北小学校", "南中学校", "桜小学校"]
ERAS = [("令和", datetime.date(2019, 5, 1)), ("平成", datetime.date(1989, 1, 8)), ("昭和", datetime.date(1926, 12, 25)),
        ("大正", datetime.date(1912, 7, 30)), ("明治", datetime.date(1868, 1, 25))]


def wareki(d):
    for name, start in ERAS:
        if d >= start:
            return name, d.year - start.year + 1
    raise ValueError(d)


def random_date(rng, start, end):
    days = (end - start).days
    return start + datetime.timedelta(days=int(rng.integers(0, days + 1)))


def phone(rng):
    kind = rng.integers(0, 3)
    if kind == 0:
        return f"0{rng.choice([70, 80, 90])}-{rng.integers(1000, 10000)}-{rng.integers(1000, 10000)}"
    if kind == 1:
        return f"03-{rng.integers(1000, 10000)}-{rng.integers(1000, 10000)}"
    # A four-digit area code never starts 020, 050, 060, 070, 080 or 090: those are mobile, IP and toll-free numbers
    # of eleven digits, and a ten-digit one is no telephone number at all (the validator rightly refuses 0902-69-6832
    # and 0603-48-5000). The replacement draws nothing more, so every other value of a seed stays as it was.
    area = str(rng.integers(200, 1000))
    if area[:2] in ("20", "50", "60", "70", "80", "90"):
        area = area[0] + "1" + area[2]
    return f"0{area}-{rng.integers(10, 100)}-{rng.integers(1000, 10000)}"


def address(rng):
    s = f"{CITY}{rng.choice(TOWNS)}{rng.integers(1, 6)}丁目{rng.integers(1, 30)}番{rng.integers(1, 20)}号"
    b = rng.choice(BUILDINGS)
    return s + (" " + b if b else "")


def person(rng, sex=None):
    sur = SURNAMES[rng.integers(len(SURNAMES))]
    sex = sex or ("男" if rng.random() < 0.5 else "女")
    given = (MEN if sex == "男" else WOMEN)[rng.integers(10)]
    return {"name": f"{sur[0]} {given[0]}", "kana": f"{sur[1]} {given[1]}", "sex": sex, "sur": sur}


# --- what each layout asks for: field → how it is written, where (template millimetres), and its type ----------
# Kinds: text (typed on a line or in a cell), cells (one digit per printed box), circle (a ring drawn round the
# printed option), ticks (a mark in a printed box), date (era circled or printed, then year/month/day slots).

def shugaku_fields(rng):
    """就学援助費受給申請書: the values of one family."""
    guardian = person(rng)
    sur = guardian["sur"]
    n_children = int(rng.integers(1, 4))
    members = []
    g_birth = random_date(rng, datetime.date(1970, 1, 1), datetime.date(1995, 12, 31))
    members.append((guardian["name"], "本人", g_birth, ""))
    if rng.random() < 0.5:
        grand = random_date(rng, datetime.date(1940, 1, 1), datetime.date(1960, 12, 31))
        members.append((f"{sur[0]} {WOMEN[rng.integers(10)][0]}", "祖母", grand, ""))
    for i in range(n_children):
        sex = "男" if rng.random() < 0.5 else "女"
        given = (MEN if sex == "男" else WOMEN)[rng.integers(10)][0]
        birth = random_date(rng, datetime.date(2011, 4, 2), datetime.date(2020, 4, 1))
        relation = ("長男", "次男", "三男")[i] if sex == "男" else ("長女", "次女", "三女")[i]
        members.append((f"{sur[0]} {given}", relation, birth, rng.choice(SCHOOLS)))
    applied = random_date(rng, datetime.date(2026, 4, 1), TODAY)
    acct = "".join(str(d) for d in rng.integers(0, 10, 7))
    f = []
    f.append(date_field("applied_on", applied, era=None, parts=[(148, 26.5, 10, 6), (162, 26.5, 8, 6), (174, 26.5, 8, 6)]))
    f.append(text_field("address", address(rng), (46, 49, 143, 6.5)))
    f.append(text_field("guardian", guardian["name"], (46, 59, 80, 6.5)))
    f.append(text_field("phone", phone(rng), (46, 69, 78, 6.5), type_="phone"))
    reasons = {"生活保護": (25.3, 89.6, 2.3, 2.8), "児童扶養手当": (80.2, 89.6, 2.7, 2.8),
               "非課税": (135.2, 89.6, 2.7, 2.8), "その他": (25.1, 96.8, 2.8, 2.8)}
    f.append(circle_field("reason", reasons, rng.choice(list(reasons))))
    housing = {"持家": (50.1, 104.3, 7.2, 3.4), "借家": (66.2, 104.3, 7.1, 3.4), "公営住宅": (82.2, 104.3, 14.5, 3.4),
               "その他": (105.5, 104.3, 10.5, 3.4)}
    f.append(circle_field("housing", housing, rng.choice(list(housing))))
    eras = {"大正": (82.1, 122.9, 2.2, 2.5), "昭和": (88.0, 122.9, 1.7, 2.5), "平成": (93.5, 122.9, 2.6, 2.5),
            "令和": (100.0, 122.9, 2.3, 2.5)}
    for row in range(5):
        dy = 10 * row
        m = members[row] if row < len(members) else None
        f.append(text_field(f"family[{row}].name", m[0] if m else "", (21, 120 + dy, 40, 8)))
        f.append(text_field(f"family[{row}].relation", m[1] if m else "", (63, 120 + dy, 16, 8)))
        f.append(date_field(f"family[{row}].birth", m[2] if m else None,
                            era={k: (r[0], r[1] + dy, r[2], r[3]) for k, r in eras.items()},
                            parts=[(104, 121 + dy, 9, 6), (117, 121 + dy, 8, 6), (129, 121 + dy, 8, 6)]))
        f.append(text_field(f"family[{row}].school", m[3] if m else "", (151, 120 + dy, 38, 8)))
    f.append(text_field("bank", BANKS[rng.integers(len(BANKS))][0], (46, 183, 53, 8)))
    f.append(text_field("branch", rng.choice(BRANCHES), (121, 183, 68, 8)))
    kinds = {"普通": (55.2, 195.5, 7.1, 3.4), "当座": (72.4, 195.6, 6.9, 3.3)}
    f.append(circle_field("account_kind", kinds, "普通" if rng.random() < 0.8 else "当座"))
    f.append(cells_field("account_number", acct, first=(124, 193, 8, 8), pitch=8, type_="account-number"))
    f.append(text_field("account_holder", guardian["kana"], (46, 203, 143, 8), type_="account-kana"))
    return f


def inkan_fields(rng):
    """印鑑登録申請書: one registrant, sometimes with a proxy."""
    p = person(rng)
    birth = random_date(rng, datetime.date(1925, 1, 1), datetime.date(2008, 3, 31))
    applied = random_date(rng, datetime.date(2026, 4, 1), TODAY)
    proxy = person(rng) if rng.random() < 0.4 else None
    f = []
    f.append(date_field("applied_on", applied, era=None, parts=[(145, 25.5, 10, 6), (160, 25.5, 8, 6), (172, 25.5, 8, 6)]))
    f.append(text_field("address", address(rng), (42, 39, 150, 9)))
    f.append(text_field("kana", p["kana"], (42, 51, 86, 6.5), type_="katakana"))
    f.append(text_field("name", p["name"], (42, 60, 86, 9)))
    eras = {"明治": (43.2, 73.9, 3.0, 3.1), "大正": (50.2, 73.8, 3.2, 3.2), "昭和": (57.3, 73.9, 3.0, 3.0),
            "平成": (64.3, 74.0, 3.2, 3.0), "令和": (71.4, 73.8, 3.2, 3.2)}
    f.append(date_field("birth", birth, era=eras, parts=[(76, 72, 8, 6), (89, 72, 9, 6), (103, 72, 9, 6)]))
    sexes = {"男": (161.2, 58.9, 3.0, 3.0), "女": (176.2, 58.7, 3.2, 3.2)}
    f.append(circle_field("sex", sexes, p["sex"]))
    f.append(text_field("phone", phone(rng), (151, 72, 43, 6.5), type_="phone"))
    methods = {"顔写真付き証明書": (20.4, 95.3, 3.6, 3.6), "保証人": (20.4, 101.9, 3.6, 3.6), "照会書": (20.4, 108.3, 3.6, 3.6)}
    f.append(circle_field("method", methods, rng.choice(list(methods), p=[0.7, 0.1, 0.2])))
    f.append(text_field("proxy_address", address(rng) if proxy else "", (43, 124, 108, 6.5)))
    f.append(text_field("proxy_name", proxy["name"] if proxy else "", (43, 134, 78, 6.5)))
    kinds = {"新規登録": (20, 166, 4, 4), "亡失による再登録": (55, 166, 4, 4), "印鑑の変更": (100, 166, 4, 4)}
    f.append(ticks_field("kind", kinds, [rng.choice(list(kinds), p=[0.8, 0.1, 0.1])], mode="one"))
    return f


def kouza_fields(rng):
    """市税口座振替依頼書: a taxpayer and the account the taxes are drawn from."""
    p = person(rng)
    applied = random_date(rng, datetime.date(2026, 4, 1), TODAY)
    taxes = {"市県民税": (22, 86, 4.5, 4.5), "固定資産税": (72, 86, 4.5, 4.5), "軽自動車税": (104, 86, 4.5, 4.5),
             "国民健康保険税": (136, 86, 4.5, 4.5)}
    chosen = [t for t in taxes if rng.random() < 0.45] or [rng.choice(list(taxes))]
    f = []
    f.append(date_field("applied_on", applied, era=None, parts=[(146, 24.5, 10, 6), (160, 24.5, 8, 6), (172, 24.5, 8, 6)]))
    f.append(text_field("address", address(rng), (41, 46, 148, 6.5)))
    f.append(text_field("name", p["name"], (41, 56, 88, 6.5)))
    f.append(text_field("phone", phone(rng), (41, 66, 68, 6.5), type_="phone"))
    f.append(ticks_field("taxes", taxes, chosen, mode="any"))
    bank, bank_code = BANKS[rng.integers(len(BANKS))]
    f.append(cells_field("bank_code", bank_code, first=(54, 104.5, 7, 7), pitch=7, type_="bank-code"))
    f.append(cells_field("branch_code", "".join(str(d) for d in rng.integers(0, 10, 3)), first=(119, 104.5, 7, 7), pitch=7,
                         type_="branch-code"))
    f.append(text_field("bank", bank + " " + rng.choice(BRANCHES), (51, 114, 68, 8)))
    kinds = {"普通": (145.4, 116.9, 2.3, 2.6), "当座": (165.2, 116.9, 2.5, 2.6)}
    f.append(circle_field("account_kind", kinds, "普通" if rng.random() < 0.8 else "当座"))
    f.append(cells_field("account_number", "".join(str(d) for d in rng.integers(0, 10, 7)), first=(54, 124.5, 8, 7), pitch=8,
                         type_="account-number"))
    f.append(text_field("account_holder", p["kana"], (51, 134, 138, 8), type_="account-kana"))
    return f


LAYOUTS = {"shugaku-enjo": shugaku_fields, "inkan-touroku": inkan_fields, "kouza-furikae": kouza_fields}


def text_field(path, value, zone, type_="text"):
    return {"kind": "text", "path": path, "value": value, "zone": zone, "type": type_}


def cells_field(path, value, first, pitch, type_="digits"):
    return {"kind": "cells", "path": path, "value": value, "first": first, "pitch": pitch, "type": type_}


def circle_field(path, options, chosen):
    return {"kind": "circle", "path": path, "options": options, "chosen": [chosen], "type": "choice"}


def ticks_field(path, boxes, chosen, mode):
    return {"kind": "ticks", "path": path, "options": boxes, "chosen": chosen, "type": "choice", "mode": mode}


def date_field(path, date, era, parts):
    return {"kind": "date", "path": path, "value": date, "era": era, "parts": parts, "type": "wareki-date"}


def truth_value(field, option_order):
    if field["kind"] == "date":
        return field["value"].isoformat() if field["value"] else ""
    if field["kind"] in ("circle", "ticks"):
        return ",".join(o for o in option_order if o in field["chosen"])
    if field["type"] == "phone":
        return "".join(c for c in field["value"] if c.isdigit())
    return field["value"]


# --- drawing at the master resolution -----------------------------------------------------------------------------

class Pen:
    """Draws on the master page in millimetres."""

    def __init__(self, image, rng):
        self.image = image
        self.draw = ImageDraw.Draw(image)
        self.k = MASTER_DPI / 25.4
        self.rng = rng

    def px(self, x, y):
        return (x * self.k, y * self.k)

    def text(self, x, y_center, text, font_path, index, size_mm, ink):
        font = ImageFont.truetype(font_path, max(8, int(size_mm * self.k)), index=index)
        # anchor "lm": left, vertically centred on the middle of the em box
        self.draw.text(self.px(x, y_center), text, font=font, fill=ink, anchor="lm")
        return font.getlength(text) / self.k

    def text_width(self, text, font_path, index, size_mm):
        font = ImageFont.truetype(font_path, max(8, int(size_mm * self.k)), index=index)
        return font.getlength(text) / self.k

    def stroke(self, points_mm, width_mm, ink):
        """A pen stroke through the points; the width drifts along it like a ballpoint's pressure."""
        rng = self.rng
        w = width_mm
        pts = [self.px(*p) for p in points_mm]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            w = min(1.1, max(0.15, w * (1 + rng.normal(0, 0.06))))
            r = w * self.k / 2
            self.draw.line([(x0, y0), (x1, y1)], fill=ink, width=max(1, int(round(2 * r))))
            self.draw.ellipse([x1 - r, y1 - r, x1 + r, y1 + r], fill=ink)

    def circle(self, rect, ink):
        """A hand-drawn ring round a printed option: too big or too small, off-centre, tilted, wobbly, and open by
        up to a quarter or overlapping where it closes."""
        rng = self.rng
        x, y, w, h = rect
        cx = x + w / 2 + rng.uniform(-0.25, 0.25) * w
        cy = y + h / 2 + rng.uniform(-0.2, 0.2) * h
        rx = w / 2 + rng.uniform(0.5, 2.8)
        ry = h / 2 + rng.uniform(0.4, 2.0)
        tilt = rng.uniform(-0.35, 0.35)
        start = rng.uniform(0, 2 * math.pi)
        sweep = rng.uniform(1.5 * math.pi, 2.25 * math.pi)  # open by up to a quarter, or crossing itself
        phase, wobble = rng.uniform(0, 2 * math.pi), rng.uniform(0.02, 0.09)
        n = 72
        pts = []
        for i in range(n + 1):
            t = start + sweep * i / n
            grow = 1 + wobble * math.sin(3 * t + phase) + 0.04 * (i / n)  # a spiral's end lands outside its start
            ex, ey = rx * grow * math.cos(t), ry * grow * math.sin(t)
            pts.append((cx + ex * math.cos(tilt) - ey * math.sin(tilt), cy + ex * math.sin(tilt) + ey * math.cos(tilt)))
        self.stroke(pts, rng.uniform(0.2, 1.0), ink)

    def tick(self, rect, ink):
        """✓, × or a filled box, drawn over a printed square (and often past it)."""
        rng = self.rng
        x, y, w, h = rect
        kind = rng.choice(["check", "check", "cross", "fill"])
        width = rng.uniform(0.25, 0.8)
        j = lambda s: rng.normal(0, s)
        if kind == "check":
            a = (x + 0.15 * w + j(0.3), y + 0.5 * h + j(0.3))
            b = (x + 0.42 * w + j(0.3), y + 0.9 * h + j(0.3))
            c = (x + 1.05 * w + j(0.5), y - 0.25 * h + j(0.5))
            self.stroke(interpolate([a, b]), width, ink)
            self.stroke(interpolate([b, c]), width, ink)
        elif kind == "cross":
            self.stroke(interpolate([(x + 0.1 * w + j(0.3), y + 0.1 * h + j(0.3)), (x + 0.9 * w + j(0.3), y + 0.9 * h + j(0.3))]), width, ink)
            self.stroke(interpolate([(x + 0.9 * w + j(0.3), y + 0.1 * h + j(0.3)), (x + 0.1 * w + j(0.3), y + 0.9 * h + j(0.3))]), width, ink)
        else:
            rows = 7
            pts = []
            for i in range(rows):
                yy = y + 0.15 * h + 0.7 * h * i / (rows - 1)
                pts += [(x + 0.15 * w + j(0.15), yy), (x + 0.85 * w + j(0.15), yy + 0.05 * h)]
            self.stroke(interpolate(pts, 4), max(width, 0.6), ink)


def interpolate(points, per=8):
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for i in range(1, per + 1):
            out.append((x0 + (x1 - x0) * i / per, y0 + (y1 - y0) * i / per))
    return out


def fill(master, fields, rng, fonts):
    """Writes one person's values on the master page; returns the fonts used (for the record)."""
    pen = Pen(master, rng)
    font_path, index = fonts[rng.integers(len(fonts))]
    size = rng.uniform(3.4, 4.6)  # 9.6–13 pt
    ink = int(rng.integers(0, 50))
    pen_ink = int(rng.integers(0, 70))
    for f in fields:
        if f["kind"] == "text" and f["value"]:
            x, y, w, h = f["zone"]
            s = min(size, h * 0.8)
            while pen.text_width(f["value"], font_path, index, s) > w - 1 and s > 2.2:
                s *= 0.93
            pen.text(x + rng.uniform(0.3, 2.5), y + h / 2 + rng.uniform(-0.6, 0.6), f["value"], font_path, index, s, ink)
        elif f["kind"] == "cells":
            x, y, w, h = f["first"]
            for i, ch in enumerate(f["value"]):
                s = min(size * 1.1, h * 0.75)
                cw = pen.text_width(ch, font_path, index, s)
                pen.text(x + i * f["pitch"] + (w - cw) / 2 + rng.uniform(-0.5, 0.5), y + h / 2 + rng.uniform(-0.5, 0.5),
                         ch, font_path, index, s, ink)
        elif f["kind"] == "circle":
            for name in f["chosen"]:
                pen.circle(f["options"][name], pen_ink)
        elif f["kind"] == "ticks":
            for name in f["chosen"]:
                pen.tick(f["options"][name], pen_ink)
        elif f["kind"] == "date" and f["value"]:
            era, year = wareki(f["value"])
            if f["era"]:
                pen.circle(f["era"][era], pen_ink)
            for rect, number in zip(f["parts"], [year, f["value"].month, f["value"].day]):
                x, y, w, h = rect
                t = str(number)
                s = min(size, h * 0.8)
                tw = pen.text_width(t, font_path, index, s)
                pen.text(x + (w - tw) / 2 + rng.uniform(-0.8, 0.8), y + h / 2 + rng.uniform(-0.6, 0.6), t, font_path, index, s, ink)
    return os.path.basename(font_path)


# --- scanning -----------------------------------------------------------------------------------------------------

def load_master(layout):
    pdf = os.path.join(HERE, "blanks", f"{layout}.pdf")
    if not os.path.exists(pdf):
        sys.exit(f"{pdf} is missing: run Corpus/existing-forms/make-blanks.sh")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(MASTER_DPI), "-gray", "-png", "-singlefile", pdf, os.path.join(tmp, "m")],
                       check=True)
        return Image.open(os.path.join(tmp, "m.png")).convert("L").copy()


def scan(master, rng, dpi, extremes, fixed=None):
    """Moves, scales, skews and degrades the filled master; returns the image, the geometry and the profile.
    `fixed` = (skew°, shift x mm, shift y mm, scale) replaces the drawn geometry (tests at the extremes)."""
    if extremes:
        skew, shift, scale_err = 3.0, 8.0, 0.04
    else:
        skew, shift, scale_err = 2.0, 5.0, 0.02
    theta = rng.uniform(-skew, skew)
    sx, sy = rng.uniform(-shift, shift), rng.uniform(-shift, shift)
    scale = 1 + rng.uniform(-scale_err, scale_err)
    if fixed:
        theta, sx, sy, scale = fixed
    k = dpi / 25.4
    cx, cy = PAGE_MM[0] / 2, PAGE_MM[1] / 2
    t = math.radians(theta)
    a, b = k * scale * math.cos(t), -k * scale * math.sin(t)
    c, d = k * scale * math.sin(t), k * scale * math.cos(t)
    tx = k * (cx + sx) - a * cx - b * cy
    ty = k * (cy + sy) - c * cx - d * cy
    # The scan's pixel grid is the page's at `dpi`; each output pixel samples the master through the inverse map,
    # after the master is brought near the scan's resolution (so that 400 → 150 dpi averages instead of aliasing).
    out_size = (int(round(PAGE_MM[0] * k)), int(round(PAGE_MM[1] * k)))
    pre_k = k * scale
    pre = master.resize((int(round(PAGE_MM[0] * pre_k)), int(round(PAGE_MM[1] * pre_k))), Image.LANCZOS)
    fx, fy = pre.size[0] / PAGE_MM[0], pre.size[1] / PAGE_MM[1]  # pre pixels per mm
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    itx, ity = -(ia * tx + ib * ty), -(ic * tx + id_ * ty)
    # output pixel centre (u+.5, v+.5) → mm → pre pixel
    coeffs = (ia * fx, ib * fx, (ia * 0.5 + ib * 0.5 + itx) * fx - 0.5,
              ic * fy, id_ * fy, (ic * 0.5 + id_ * 0.5 + ity) * fy - 0.5)
    img = pre.transform(out_size, Image.AFFINE, coeffs, resample=Image.BICUBIC, fillcolor=255)
    blur = rng.uniform(0.0, 0.9) * dpi / 300
    if blur > 0.15:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    paper = float(rng.uniform(222, 250))   # a page photocopied darker or lighter
    ink = float(rng.uniform(8, 70))
    noise = float(rng.uniform(2, 12))
    arr = np.asarray(img, dtype=np.float32) / 255.0
    arr = ink + (paper - ink) * arr
    arr += rng.normal(0, noise, arr.shape).astype(np.float32)
    specks = int(rng.uniform(0, 10) * arr.size / 1e6)
    ys, xs = rng.integers(0, arr.shape[0], specks), rng.integers(0, arr.shape[1], specks)
    arr[ys, xs] = ink
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    quality = int(rng.integers(70, 91))
    profile = {"name": "corpus-extremes" if extremes else "corpus-office", "dpi": dpi, "maxSkewDegrees": skew,
               "maxShiftMM": shift, "maxScaleError": scale_err, "paperLevel": round(paper, 1), "inkLevel": round(ink, 1),
               "noise": round(noise, 2), "specksPerMegapixel": 10, "jpegQuality": quality, "bilevel": False,
               "threshold": 128}
    geometry = {"skewDegrees": theta, "shiftMM": {"x": sx, "y": sy}, "scale": scale,
                "transform": {"a": a, "b": b, "c": c, "d": d, "tx": tx, "ty": ty}}
    return img, geometry, profile


def option_order(field):
    return list(field["options"]) if field["kind"] in ("circle", "ticks") else []


def make_sample(layout, master_blank, fonts, seed, n, dpi, fmt, extremes, out, fixed=None):
    # One generator per sample, seeded by (seed, n): sample n is the same whatever --count is.
    rng = np.random.default_rng([seed, n])
    fields = LAYOUTS[layout](rng)
    master = master_blank.copy()
    font = fill(master, fields, rng, fonts)
    img, geometry, profile = scan(master, np.random.default_rng([seed, n, dpi]), dpi, extremes, fixed)
    name = f"{layout}-{dpi}-{n + 1:04d}"
    image_name = f"{name}.{'jpg' if fmt == 'jpeg' else 'png'}"
    path = os.path.join(out, image_name)
    if fmt == "jpeg":
        img.save(path, "JPEG", quality=profile["jpegQuality"], dpi=(dpi, dpi))
    else:
        buf = io.BytesIO()
        Image.open(io.BytesIO(jpeg_bytes(img, profile["jpegQuality"]))).save(buf, "PNG", dpi=(dpi, dpi))
        with open(path, "wb") as fh:
            fh.write(buf.getvalue())
    values, types = {}, {}
    for f in fields:
        values[f["path"]] = truth_value(f, option_order(f))
        types[f["path"]] = f["type"]
    truth = {"workflow": layout, "image": image_name, "format": fmt, "profile": profile, "seed": seed,
             "today": TODAY.isoformat(),
             "forms": [{"page": 0, "sample": n, "dpi": dpi, "values": values, "types": types, "defects": [],
                        "geometry": geometry}],
             "corpus": {"font": font}}
    with open(os.path.join(out, f"{name}.truth.json"), "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.write("\n")
    return path


def jpeg_bytes(img, quality):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layout", required=True, choices=sorted(LAYOUTS))
    p.add_argument("--dpi", type=int, default=300)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--first", type=int, default=0, help="number of the first sample (default 0)")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--format", choices=["jpeg", "png"], default="jpeg",
                   help="jpeg (the quality drawn per sample) or png (JPEG artefacts kept, lossless file)")
    p.add_argument("--extremes", action="store_true",
                   help="±3° skew, ±8 mm shift, ±4 %% scale (default ±2°, ±5 mm, ±2 %%)")
    p.add_argument("--geometry", help="SKEW,SHIFTX,SHIFTY,SCALE (degrees, mm, mm, factor) for every sample instead of drawn ones")
    args = p.parse_args()
    fixed = None
    if args.geometry:
        try:
            fixed = tuple(float(v) for v in args.geometry.split(","))
            assert len(fixed) == 4 and fixed[3] > 0
        except (ValueError, AssertionError):
            sys.exit("--geometry is SKEW,SHIFTX,SHIFTY,SCALE, e.g. 3,8,-8,1.04")
    if args.dpi < 100 or args.dpi > 600:
        sys.exit("--dpi must be between 100 and 600")
    os.makedirs(args.out, exist_ok=True)
    fonts = available_fonts()
    master = load_master(args.layout)
    for n in range(args.first, args.first + args.count):
        make_sample(args.layout, master, fonts, args.seed, n, args.dpi, args.format, args.extremes, args.out, fixed)
    print(f"{args.count} {args.layout} scans at {args.dpi} dpi in {args.out}")


if __name__ == "__main__":
    main()
