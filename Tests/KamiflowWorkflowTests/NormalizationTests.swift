import KamiflowCore
import Testing

@testable import KamiflowWorkflow

/// Interprets `text` as a top-level field of `type` and returns the result.
func read(_ text: String, as type: FieldType, configure: (inout FieldSpec) -> Void = { _ in }) -> FieldResult {
    var spec = FieldSpec(name: "f", type: type, zone: TemplateRect(x: 10, y: 10, width: 50, height: 8))
    configure(&spec)
    return FieldInterpreter().interpret(spec, path: "f", reading: FieldReading(text: text, confidence: 95))
}

extension FieldResult {
    var codes: [String] { issues.map(\.code) }
}

@Suite("Check digits")
struct CheckDigitTests {
    @Test(
        "マイナンバー check digits (DOMAIN §4.1 vectors)",
        arguments: [
            ("123456789018", true), ("621498320257", true), ("983205673214", true), ("023456789013", true),
            ("123456789010", false), ("123456789017", false), ("123456789019", false), ("621498320258", false),
        ])
    func myNumber(number: String, valid: Bool) {
        let result = read(number, as: .mynumber)
        #expect(result.codes.contains(IssueCode.checkDigit) == !valid)
        #expect(result.value == .text(number))
    }

    @Test("マイナンバー written with full-width digits and hyphens is normalised before checking")
    func myNumberFullWidth() {
        let result = read("１２３４−５６７８−９０１８", as: .mynumber)
        #expect(result.value == .text("123456789018"))
        #expect(result.issues.isEmpty)
    }

    @Test("a mynumber with 11 digits is unreadable, not a check-digit failure")
    func myNumberShort() {
        #expect(read("12345678901", as: .mynumber).codes == [IssueCode.unreadable])
    }

    @Test("check digit issues never contain the number")
    func noValueInMessage() {
        let result = read("123456789010", as: .mynumber)
        #expect(result.issues.allSatisfy { !$0.message.contains("123456789010") })
    }

    @Test(
        "法人番号 (DOMAIN §4.2)",
        arguments: [
            ("7123456789012", true), ("5835678256246", true), ("2120901007402", true), ("1123456789012", false),
        ])
    func corporate(number: String, valid: Bool) {
        #expect(read(number, as: .corporateNumber).codes.contains(IssueCode.checkDigit) == !valid)
    }

    @Test(
        "地方公共団体コード (DOMAIN §4.3)",
        arguments: [
            ("131016", true), ("011002", true), ("271403", true), ("141500", true), ("131017", false),
        ])
    func localGovernment(code: String, valid: Bool) {
        #expect(read(code, as: .lgCode).codes.contains(IssueCode.checkDigit) == !valid)
    }
}

@Suite("和暦 dates")
struct WarekiTests {
    @Test(
        "era boundaries (DOMAIN §4.5)",
        arguments: [
            ("平成31年4月30日", "2019-04-30"), ("令和元年5月1日", "2019-05-01"), ("昭和64年1月7日", "1989-01-07"),
            ("令和5年4月1日", "2023-04-01"), ("R5.4.1", "2023-04-01"), ("㋿5年4月1日", "2023-04-01"),
            ("令和 ５ 年 ４ 月 １ 日", "2023-04-01"), ("平成元年1月8日", "1989-01-08"), ("1990年2月3日", "1990-02-03"),
        ])
    func accepted(text: String, iso: String) throws {
        let result = read(text, as: .warekiDate)
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.value.textValue == iso)
    }

    @Test(
        "dates outside their era are rejected",
        arguments: [
            "平成31年5月1日", "令和元年4月30日", "昭和64年1月8日", "平成元年1月7日",
        ])
    func rejected(text: String) {
        let result = read(text, as: .warekiDate)
        #expect(result.codes == [IssueCode.eraOutOfRange])
        #expect(result.value == .empty)
    }

    @Test("impossible days and unreadable text")
    func impossible() {
        #expect(read("令和5年2月29日", as: .warekiDate).codes == [IssueCode.invalidDate])
        #expect(read("令和6年2月29日", as: .warekiDate).issues.isEmpty)
        #expect(read("きのう", as: .warekiDate).codes == [IssueCode.unreadable])
    }

    @Test("overflowed years: rejected by default, converted with a warning by policy")
    func overflow() {
        #expect(read("平成32年1月10日", as: .warekiDate).codes == [IssueCode.eraOverflow])
        let converted = read("平成32年1月10日", as: .warekiDate) { $0.overflow = .convert }
        #expect(converted.value.textValue == "2020-01-10")
        #expect(converted.issues.map(\.severity) == [.warning])
    }

    @Test("eras a field does not accept are refused")
    func allowedEras() {
        #expect(read("昭和50年1月1日", as: .warekiDate) { $0.eras = [.heisei, .reiwa] }.codes == [IssueCode.eraOutOfRange])
    }

    @Test("era marks plus parts")
    func parts() {
        var spec = FieldSpec(
            name: "birth", type: .warekiDate,
            marks: OptionMarks(
                style: .circles,
                options: [Era.showa, .heisei, .reiwa].map {
                    MarkOption(name: $0.rawValue, rect: TemplateRect(x: 0, y: 0, width: 5, height: 4))
                }),
            parts: DateParts(
                year: TemplateRect(x: 0, y: 0, width: 5, height: 5),
                month: TemplateRect(x: 0, y: 0, width: 5, height: 5),
                day: TemplateRect(x: 0, y: 0, width: 5, height: 5)))
        spec.eras = [.showa, .heisei, .reiwa]
        let interpreter = FieldInterpreter()
        let good = interpreter.interpret(
            spec, path: "birth",
            reading: FieldReading(
                marks: ["昭和": 0.05, "平成": 0.9, "令和": 0.0], parts: ["year": "元", "month": "1", "day": "８"]))
        #expect(good.value == .date(CivilDate(year: 1989, month: 1, day: 8)))
        #expect(good.issues.isEmpty)
        let twoEras = interpreter.interpret(
            spec, path: "birth",
            reading: FieldReading(
                marks: ["昭和": 0.9, "平成": 0.9, "令和": 0.0], parts: ["year": "3", "month": "1", "day": "8"]))
        #expect(twoEras.codes == [IssueCode.ambiguousMark])
        #expect(twoEras.value == .empty)
    }

    @Test("formats for core systems")
    func formats() {
        let date = CivilDate(year: 2023, month: 4, day: 1)
        #expect(Wareki.code(date) == "5050401")
        #expect(Wareki.format(date) == "令和5年4月1日")
        #expect(Wareki.code(CivilDate(year: 1989, month: 1, day: 7)) == "3640107")
    }
}

@Suite("Kana and 全銀 folding")
struct KanaTests {
    @Test("kanji in an account name is a charset error")
    func kanjiRejected() {
        let result = read("山田タロウ", as: .accountKana)
        #expect(result.codes == [IssueCode.charset])
    }

    @Test("CP932 and JIS forms of the seven differing characters fold to one canonical form")
    func cp932() {
        #expect(
            TextFolding.canonicalJIS("\u{FF5E}\u{FF0D}\u{2015}\u{2225}\u{FFE0}\u{FFE1}\u{FFE2}")
                == "\u{301C}\u{2212}\u{2014}\u{2016}\u{00A2}\u{00A3}\u{00AC}")
        for (jis, cp932) in TextFolding.jisToCP932 {
            #expect(TextFolding.canonicalJIS(String(cp932)) == String(jis))
        }
    }

    @Test("a kana drawn like a kanji takes its neighbours' script in a text field; カ between kanji and ケ stay")
    func lookAlikes() {
        // Tesseract reads the 二 of 浩二 as katakana ニ and the 一 of 健一 as ー: the glyphs are the same.
        #expect(read("吉田 浩ニ", as: .text).value == .text("吉田浩二"))
        #expect(read("井上健ー", as: .text).value == .text("井上健一"))
        #expect(read("ロ座", as: .text).value == .text("口座"))
        // And the reverse among kana.
        #expect(read("コ一ポ緑101", as: .text).value == .text("コーポ緑101"))
        #expect(read("グリ一ンパレス", as: .text).value == .text("グリーンパレス"))
        // Written so: a look-alike with kana beside it, the counter カ between kanji, ケ in a place name.
        for written in ["東京タワー", "ハイツ青葉", "一カ月", "桜ケ丘3丁目", "入口", "一郎", "コーポ", "1-2", "パスポート申請のため"] {
            #expect(read(written, as: .text).value == .text(written))
        }
    }

    @Test("katakana fields take hiragana and half-width kana")
    func katakana() {
        #expect(read("やまだ たろう", as: .katakana).value == .text("ヤマダ\u{3000}タロウ"))
        #expect(read("ﾔﾏﾀﾞ", as: .katakana).value == .text("ヤマダ"))
        #expect(read("山田", as: .katakana).codes == [IssueCode.charset])
        #expect(read("ヤマダ", as: .hiragana).value == .text("やまだ"))
    }
}

@Suite("Numbers, codes and contact fields")
struct ContactTests {
    @Test(
        "telephone numbers (DOMAIN §4.10)",
        arguments: [
            ("03-1234-5678", "0312345678"), ("090-1234-5678", "09012345678"), ("060-1234-5678", "06012345678"),
            ("050-1234-5678", "05012345678"), ("0120-123-456", "0120123456"), ("0800-123-4567", "08001234567"),
            ("0570-123-456", "0570123456"), ("（０３）１２３４ー５６７８", "0312345678"), ("0827‐12‐3456", "0827123456"),
        ])
    func phones(input: String, digits: String) {
        let result = read(input, as: .phone)
        #expect(result.value == .text(digits))
        #expect(result.issues.isEmpty)
    }

    @Test("impossible telephone numbers", arguments: ["090-1234-567", "03-1234-56789", "1234567890", "0901234567"])
    func badPhones(input: String) {
        #expect(read(input, as: .phone).codes == [IssueCode.unreadable])
    }

    @Test("postal codes with 〒 and any dash", arguments: ["〒100-0001", "100‐0001", "１００−０００１", "1000001"])
    func postal(input: String) {
        #expect(read(input, as: .postal).value == .text("100-0001"))
    }

    @Test("amounts with ¥, commas and full-width digits")
    func amounts() {
        #expect(read("¥12,000", as: .amount).value == .number("12000"))
        #expect(read("１２，０００円", as: .amount).value == .number("12000"))
        #expect(read("12.5", as: .amount).codes == [IssueCode.unreadable])
        #expect(read("-3.5", as: .number).value == .number("-3.5"))
        #expect(read("25", as: .number) { $0.validation.maximum = 20 }.codes == [IssueCode.range])
    }

    @Test("bank, branch and account numbers")
    func bank() {
        #expect(read("0001", as: .bankCode).value == .text("0001"))
        #expect(read("001", as: .bankCode).codes == [IssueCode.unreadable])
        #expect(read("123", as: .branchCode).issues.isEmpty)
        #expect(read("12345", as: .accountNumber).value == .text("0012345"))
        #expect(read("12345678", as: .accountNumber).codes == [IssueCode.unreadable])
    }

    @Test("ゆうちょ 記号番号 to 店番/口座番号 (DOMAIN §4.8)")
    func yucho() {
        #expect(
            read("14030-12345671", as: .yucho).value.partsValue == [
                "kigou": "14030", "bangou": "12345671", "branch": "408", "account": "1234567", "kind": "普通",
                "kind_code": "1", "bank": "9900",
            ])
        let furikae = read("00160-0-100001", as: .yucho).value.partsValue
        #expect(furikae?["branch"] == "019")
        #expect(furikae?["kind"] == "当座")
        #expect(furikae?["account"] == "0100001")
        #expect(read("17300-19927651", as: .yucho).value.partsValue?["account"] == "1992765")
        #expect(read("17300-19927651", as: .yucho).value.partsValue?["branch"] == "738")
        #expect(read("14031-12345671", as: .yucho).codes == [IssueCode.unreadable])
        #expect(read("14030-12345672", as: .yucho).codes == [IssueCode.unreadable])
    }

    @Test("e-mail addresses")
    func email() {
        #expect(read("Taro@Example.JP", as: .email).value == .text("Taro@example.jp"))
        #expect(read("taro@", as: .email).codes == [IssueCode.unreadable])
    }

    @Test("digits, pattern and length")
    func digits() {
        #expect(read("12 34", as: .digits).value == .text("1234"))
        #expect(read("12a4", as: .digits).codes == [IssueCode.unreadable])
        #expect(read("12345", as: .digits) { $0.validation.length = 11...11 }.codes == [IssueCode.length])
        #expect(read("AB12345678CD", as: .text) { $0.validation.pattern = "[A-Z]{2}[0-9]{8}[A-Z]{2}" }.issues.isEmpty)
        #expect(
            read("AB1234567CD", as: .text) { $0.validation.pattern = "[A-Z]{2}[0-9]{8}[A-Z]{2}" }.codes == [
                IssueCode.pattern
            ])
    }

    @Test("text keeps kanji, strips spaces between CJK characters")
    func text() {
        #expect(read(" 山 田  太 郎 ", as: .text).value == .text("山田太郎"))
        #expect(read("John  Smith", as: .text).value == .text("John Smith"))
    }

    @Test("a required field with nothing read is flagged; a default fills it")
    func required() {
        #expect(read("", as: .text) { $0.validation.required = true }.codes == [IssueCode.required])
        #expect(read(" ", as: .digits) { $0.defaultValue = "1" }.value == .text("1"))
    }
}

extension FieldValue {
    var partsValue: [String: String]? {
        if case .parts(let p) = self { return p }
        return nil
    }
}
