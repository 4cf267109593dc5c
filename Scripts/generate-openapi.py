#!/usr/bin/env python3
"""Writes Sources/KamiflowServer/Resources/openapi.json, the contract of the simulated core systems (基幹系).

The JSON file is committed and is the single source of truth at run time: the simulator validates requests with it
and the http connector derives the fields a workflow mapping must provide from it. This script only exists so that
the five resources are written once, compactly; run it after editing and commit both files.

    python3 Scripts/generate-openapi.py

Code lists marked "simulator code list" are this simulator's own (documented here), chosen to look like the codes
such systems use (DOMAIN.md §3, §5); they are not an official national code list.
"""
import datetime
import json
import pathlib

DATE = {"type": "string", "format": "date", "description": "西暦 ISO 8601 (YYYY-MM-DD)"}
MYNUMBER = {"type": "string", "pattern": "^[0-9]{12}$", "x-kamiflow-check": "mynumber",
            "description": "個人番号 (マイナンバー): 12 digits whose last is a check digit (番号法施行令 第8条), "
                           "which JSON Schema cannot express: with the first eleven digits P1…P11 from the right, "
                           "Q = 6,5,4,3,2,7,6,5,4,3,2 from the left, r = Σ Pn·Qn mod 11, the check digit is 0 when "
                           "r ≤ 1, else 11 − r. A wrong one is refused with 422, code check_digit."}
KANA = {"type": "string", "maxLength": 60, "pattern": "^[ァ-ヴー　 ]+$", "description": "全角カタカナ"}
NAME = {"type": "string", "minLength": 1, "maxLength": 30}
ADDRESS = {"type": "string", "minLength": 1, "maxLength": 120}
POSTAL = {"type": "string", "pattern": "^[0-9]{3}-?[0-9]{4}$", "description": "郵便番号"}
PHONE = {"type": "string", "pattern": "^0[0-9]{9,10}$", "description": "電話番号, digits only"}
SEX = {"type": "string", "enum": ["1", "2"], "description": "性別コード: 1 男, 2 女"}
ZOKUGARA = {"type": "string", "enum": ["01", "02", "03", "04", "05", "06", "07", "08", "99"],
            "description": "続柄コード (simulator code list): 01 世帯主, 02 妻, 03 夫, 04 子, 05 父, 06 母, "
                           "07 妻の子, 08 夫の子, 99 その他"}
ERAS = [  # 元号コード, first day, last day (DOMAIN §4.5); 令和 is open, up to its year 99
    (1, datetime.date(1868, 1, 25), datetime.date(1912, 7, 29)),
    (2, datetime.date(1912, 7, 30), datetime.date(1926, 12, 24)),
    (3, datetime.date(1926, 12, 25), datetime.date(1989, 1, 7)),
    (4, datetime.date(1989, 1, 8), datetime.date(2019, 4, 30)),
    (5, datetime.date(2019, 5, 1), datetime.date(2018 + 99, 12, 31)),
]


def alternation(parts):
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def two_digit_range(low, high):
    """A regex for the two-digit numbers low..high (both 0-99)."""
    parts = []
    number = low
    while number <= high:
        tens, ones = divmod(number, 10)
        last = min(high, tens * 10 + 9)
        parts.append(f"{tens}{ones}" if number == last else f"{tens}[{ones}-{last % 10}]")
        number = last + 1
    return alternation(parts)


def wareki_pattern():
    """Exactly the 和暦 codes the simulator accepts: a real day inside the era its 元号コード names, so that a client
    generating values from the schema (schemathesis) never sends one the simulator refuses."""
    eras = []
    for code, first, last in ERAS:
        offset = first.year - 1
        by_days = {}  # the days of a year (as a regex) → the era years that have exactly those days
        for year in range(1, 100):
            months = []
            for month in range(1, 13):
                days = [d for d in range(1, 32) if valid(offset + year, month, d, first, last)]
                if days:
                    months.append(f"{month:02d}{two_digit_range(days[0], days[-1])}")
            if months:
                by_days.setdefault(alternation(months), []).append(year)
        eras.append(f"{code}" + alternation([
            alternation([f"{y:02d}" for y in years]) + days for days, years in by_days.items()]))
    return "^" + alternation(eras) + "$"


def valid(year, month, day, first, last):
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return False
    return first <= date <= last


WAREKI = {"type": "string", "pattern": wareki_pattern(), "x-kamiflow-check": "wareki",
          "description": "和暦 as legacy files hold it: 元号コード (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和) + YYMMDD; "
                         "the day must lie inside the era"}
BANK = {"type": "string", "pattern": "^[0-9]{4}$", "description": "金融機関コード (統一金融機関番号)"}
BRANCH = {"type": "string", "pattern": "^[0-9]{3}$", "description": "支店コード"}
YOKIN = {"type": "string", "enum": ["1", "2", "4"], "description": "預金種目: 1 普通, 2 当座, 4 貯蓄"}
ACCOUNT = {"type": "string", "pattern": "^[0-9]{7}$", "description": "口座番号, 7 digits zero-filled"}
HOLDER = {"type": "string", "pattern": "^[0-9A-Z ()\\-./\uff71-\uff9d\uff9e\uff9f]{1,30}$",
          "description": "口座名義: 全銀 half-width kana (DOMAIN §4.9), at most 30 characters"}
FLAG = {"type": "string", "enum": ["0", "1"], "description": "0 しない, 1 する"}


def resource(title, summary, properties, required):
    return {"title": title, "description": summary, "type": "object", "additionalProperties": False,
            "required": required, "properties": properties}


RESOURCES = {
    "jumin-idou": ("JuminIdou", resource(
        "住民記録 異動届 (転入)", "A 住民異動届 for a move into the municipality (転入), one person per record.",
        {
            "idou_jiyu_code": {"type": "string", "enum": ["01", "02", "03"],
                               "description": "異動事由コード (simulator code list): 01 転入, 02 転居, 03 転出"},
            "todokede_ymd": DATE | {"description": "届出年月日"},
            "idou_ymd": DATE | {"description": "異動年月日 (住み始めた日)"},
            "shimei": NAME | {"description": "氏名"},
            "shimei_kana": KANA | {"description": "氏名フリガナ"},
            "seinengappi": DATE | {"description": "生年月日"},
            "seinengappi_wareki": WAREKI,
            "seibetsu_code": SEX,
            "zokugara_code": ZOKUGARA,
            "setainushi_shimei": NAME | {"description": "世帯主氏名"},
            "yubin_bango": POSTAL,
            "shin_jusho": ADDRESS | {"description": "新住所"},
            "shin_katagaki": {"type": "string", "maxLength": 60, "description": "方書"},
            "zen_jusho": ADDRESS | {"description": "前住所"},
            "kojin_bango": MYNUMBER,
            "juminhyo_code": {"type": "string", "pattern": "^[0-9]{11}$", "description": "住民票コード"},
        },
        ["idou_jiyu_code", "todokede_ymd", "idou_ymd", "shimei", "shimei_kana", "seinengappi", "seibetsu_code",
         "zokugara_code", "setainushi_shimei", "shin_jusho", "zen_jusho"])),
    "jidou-teate": ("JidouTeateNintei", resource(
        "児童手当 認定請求", "A 児童手当 認定請求書: the claimant, up to three children and the claimant's account.",
        {
            "seikyu_ymd": DATE | {"description": "請求年月日"},
            "seikyusha_shimei": NAME | {"description": "請求者氏名"},
            "seikyusha_kana": KANA | {"description": "請求者フリガナ"},
            "seikyusha_seinengappi": DATE | {"description": "請求者生年月日"},
            "seibetsu_code": SEX,
            "kojin_bango": MYNUMBER | {"description": "請求者 個人番号"},
            "jusho": ADDRESS | {"description": "住所"},
            "denwa_bango": PHONE,
            "nenkin_kubun": {"type": "string", "enum": ["1", "2", "3"],
                             "description": "加入年金: 1 厚生年金等, 2 国民年金, 3 未加入"},
            "haigusha_shimei": NAME | {"description": "配偶者氏名"},
            "haigusha_kojin_bango": MYNUMBER | {"description": "配偶者 個人番号"},
            "jido1_shimei": NAME | {"description": "児童1 氏名"},
            "jido1_seinengappi": DATE | {"description": "児童1 生年月日"},
            "jido1_zokugara_code": ZOKUGARA,
            "jido2_shimei": NAME | {"description": "児童2 氏名"},
            "jido2_seinengappi": DATE | {"description": "児童2 生年月日"},
            "jido3_shimei": NAME | {"description": "児童3 氏名"},
            "jido3_seinengappi": DATE | {"description": "児童3 生年月日"},
            "kinyu_kikan_code": BANK,
            "shiten_code": BRANCH,
            "yokin_shumoku": YOKIN,
            "koza_bango": ACCOUNT,
            "koza_meigi_kana": HOLDER,
        },
        ["seikyu_ymd", "seikyusha_shimei", "seikyusha_kana", "seikyusha_seinengappi", "seibetsu_code", "kojin_bango",
         "jusho", "nenkin_kubun", "jido1_shimei", "jido1_seinengappi", "kinyu_kikan_code", "shiten_code",
         "yokin_shumoku", "koza_bango", "koza_meigi_kana"])),
    "kokuho-shutoku": ("KokuhoShikakuShutoku", resource(
        "国民健康保険 資格取得届", "One person joining 国民健康保険; 資格取得日 is the day of the change, not of the notice.",
        {
            "todokede_ymd": DATE | {"description": "届出日"},
            "setainushi_shimei": NAME | {"description": "世帯主氏名"},
            "setainushi_kojin_bango": MYNUMBER | {"description": "世帯主 個人番号"},
            "hihokensha_shimei": NAME | {"description": "被保険者氏名"},
            "hihokensha_kana": KANA | {"description": "被保険者フリガナ"},
            "seinengappi": DATE | {"description": "生年月日"},
            "seibetsu_code": SEX,
            "zokugara_code": ZOKUGARA,
            "kojin_bango": MYNUMBER | {"description": "被保険者 個人番号"},
            "shutoku_jiyu_code": {"type": "string", "enum": ["01", "02", "03", "04", "05", "06", "99"],
                                  "description": "取得事由 (simulator code list): 01 社保離脱, 02 被扶養者でなくなった, "
                                                 "03 転入, 04 出生, 05 生保廃止, 06 外国人加入, 99 その他"},
            "shikaku_shutoku_ymd": DATE | {"description": "資格取得日"},
            "mae_hokensha": {"type": "string", "maxLength": 60, "description": "前保険者"},
            "mae_soshitsu_ymd": DATE | {"description": "前保険 喪失日"},
        },
        # フリガナ and 続柄 are optional: the shipped 資格取得届 form does not ask for them per person (yet).
        ["todokede_ymd", "setainushi_shimei", "setainushi_kojin_bango", "hihokensha_shimei", "seinengappi",
         "seibetsu_code", "kojin_bango", "shutoku_jiyu_code", "shikaku_shutoku_ymd"])),
    "kyufukin": ("KyufukinShinsei", resource(
        "給付金 申請 (振込)", "A household's 給付金 application with the account the benefit is transferred to.",
        {
            "shinsei_ymd": DATE | {"description": "申請日"},
            "setai_bango": {"type": "string", "pattern": "^[0-9]{1,10}$", "description": "世帯番号 (pre-printed)"},
            "setainushi_shimei": NAME | {"description": "世帯主氏名"},
            "denwa_bango": PHONE,
            "taisho_ninzu": {"type": "string", "pattern": "^[1-9][0-9]?$", "description": "給付対象者数"},
            "shikyu_gaku": {"type": "string", "pattern": "^[1-9][0-9]{0,9}$", "description": "支給額 (円)"},
            "kinyu_kikan_code": BANK,
            "shiten_code": BRANCH,
            "yokin_shumoku": YOKIN,
            "koza_bango": ACCOUNT,
            "koza_meigi_kana": HOLDER,
        },
        ["shinsei_ymd", "setai_bango", "setainushi_shimei", "taisho_ninzu", "shikyu_gaku", "kinyu_kikan_code",
         "shiten_code", "yokin_shumoku", "koza_bango", "koza_meigi_kana"])),
    "shomeisho": ("ShomeishoKoufuSeikyu", resource(
        "証明書交付 (住民票の写し等) 請求", "A request for copies of 住民票 and related certificates.",
        {
            "seikyu_ymd": DATE | {"description": "請求日"},
            "seikyusha_shimei": NAME | {"description": "請求者氏名"},
            "seikyusha_jusho": ADDRESS | {"description": "請求者住所"},
            "seikyusha_denwa": PHONE,
            "kankei_code": {"type": "string", "enum": ["1", "2", "3", "4"],
                            "description": "請求者と対象者の関係: 1 本人, 2 同一世帯, 3 代理人, 4 第三者"},
            "taishosha_shimei": NAME | {"description": "必要な方 氏名"},
            "taishosha_seinengappi": DATE | {"description": "必要な方 生年月日"},
            "shurui_code": {"type": "string", "enum": ["1", "2", "3"],
                            "description": "種類: 1 住民票, 2 除票, 3 記載事項証明書"},
            "hani_code": {"type": "string", "enum": ["1", "2"], "description": "範囲: 1 世帯全員, 2 一部"},
            "tsusu": {"type": "string", "pattern": "^([1-9]|1[0-9]|20)$", "description": "通数 (1–20)"},
            "kisai_setainushi": FLAG | {"description": "世帯主・続柄を記載"},
            "kisai_honseki": FLAG | {"description": "本籍・筆頭者を記載"},
            "kisai_kojin_bango": FLAG | {"description": "個人番号を記載"},
            "kisai_juminhyo_code": FLAG | {"description": "住民票コードを記載"},
            "shiyo_mokuteki": {"type": "string", "maxLength": 100, "description": "使用目的・提出先"},
        },
        ["seikyu_ymd", "seikyusha_shimei", "seikyusha_jusho", "kankei_code", "taishosha_shimei", "shurui_code",
         "hani_code", "tsusu"])),
}


def problem_response(description, example_code):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"},
                                             "example": {"error": example_code, "message": description}}}}


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}


def paths():
    result = {}
    for name, (schema_name, schema) in RESOURCES.items():
        ref = {"$ref": f"#/components/schemas/{schema_name}"}
        result[f"/v1/{name}"] = {
            "post": {
                "operationId": f"create-{name}",
                "summary": f"Register one {schema['title']}",
                "tags": [name],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                "responses": {
                    "201": {"description": "Registered; a replay of the same key and body answers the same again "
                                           "with the header Idempotent-Replayed: true",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
                    "400": problem_response("Missing Idempotency-Key header or a body that is not a JSON object",
                                            "bad_request"),
                    "401": problem_response("Missing or wrong bearer token", "unauthorized"),
                    "409": problem_response("The Idempotency-Key was used before with a different body",
                                            "idempotency_conflict"),
                    "422": {"description": "The record is invalid; every field error is listed",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/ValidationFailure"}}}},
                    "429": problem_response("Too many requests", "too_many_requests") | {"headers": RETRY_AFTER},
                    "500": problem_response("Internal error (simulated)", "internal_error"),
                    "503": problem_response("Unavailable (simulated)", "unavailable") | {"headers": RETRY_AFTER},
                },
            },
            "get": {
                "operationId": f"list-{name}",
                "summary": f"List the {schema['title']} records that arrived, oldest first",
                "tags": [name],
                "responses": {
                    "200": {"description": "The stored records",
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["items"], "additionalProperties": False,
                                "properties": {"items": {"type": "array", "items": {
                                    "type": "object", "additionalProperties": False,
                                    "required": ["id", "idempotency_key", "received_at", "record"],
                                    "properties": {"id": {"type": "string"},
                                                   "idempotency_key": {"type": "string"},
                                                   "received_at": {"type": "string", "format": "date-time"},
                                                   "record": ref}}}}}}}},
                    "401": problem_response("Missing or wrong bearer token", "unauthorized"),
                },
            },
        }
    return result


def document():
    schemas = {schema_name: schema for schema_name, schema in RESOURCES.values()}
    schemas["Receipt"] = {
        "type": "object", "additionalProperties": False,
        "required": ["id", "resource", "idempotency_key", "received_at"],
        "properties": {"id": {"type": "string", "description": "The core system's number for the record"},
                       "resource": {"type": "string"}, "idempotency_key": {"type": "string"},
                       "received_at": {"type": "string", "format": "date-time"}}}
    schemas["Problem"] = {
        "type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
    schemas["FieldError"] = {
        "type": "object", "additionalProperties": False, "required": ["field", "code", "message"],
        "properties": {
            "field": {"type": "string", "description": "The request field the error is about"},
            "code": {"type": "string", "enum": ["required", "type", "unknown_field", "pattern", "enum", "min_length",
                                                 "max_length", "format", "check_digit", "era_range"]},
            "message": {"type": "string", "description": "In words; never repeats the submitted value"}}}
    schemas["ValidationFailure"] = {
        "type": "object", "additionalProperties": False, "required": ["error", "message", "errors"],
        "properties": {"error": {"const": "validation_failed"}, "message": {"type": "string"},
                       "errors": {"type": "array", "minItems": 1,
                                  "items": {"$ref": "#/components/schemas/FieldError"}}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kamiflow simulated core systems (基幹系)",
            "version": "1.0.0",
            "description": "Five business resources as a municipality's core systems would accept them from an "
                           "AI-OCR runner. Every POST needs a bearer token (when the simulator has one) and an "
                           "Idempotency-Key. Field values are strings; codes follow the descriptions.",
        },
        "servers": [{"url": "http://127.0.0.1:8088"}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {"IdempotencyKey": {
                "name": "Idempotency-Key", "in": "header", "required": True,
                "description": "Same key and same body: the first answer again and no new record. Same key and a "
                               "different body: 409.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}},
            "schemas": schemas,
        },
    }


if __name__ == "__main__":
    target = pathlib.Path(__file__).resolve().parent.parent / "Sources/KamiflowServer/Resources/openapi.json"
    target.write_text(json.dumps(document(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
