import Testing

@testable import KamiflowCore

/// The domain rules every module shares (DOMAIN §4): each is tested here once, with the cases of the copies it
/// replaced (the validators', the connector's, the generator's and the simulator's).
@Suite("全銀 kana folding")
struct ZenginKanaTests {
    @Test(
        "kana in every form folds to 全銀 half-width kana",
        arguments: [
            // The validator's cases.
            ("ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"), ("やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"), ("キュウヨ", "ｷﾕｳﾖ"), ("ｷｭｳﾖ", "ｷﾕｳﾖ"),
            ("ガッコウ", "ｶﾞﾂｺｳ"), ("パーク", "ﾊﾟ-ｸ"), ("ヴィ", "ｳﾞｲ"), ("カ）ヤマダ", "ｶ)ﾔﾏﾀﾞ"), ("abc", "ABC"),
            ("オオノ〜", "ｵｵﾉ-"), ("オオノ～", "ｵｵﾉ-"), ("オオ−ノ", "ｵｵ-ﾉ"), ("オオ－ノ", "ｵｵ-ﾉ"), ("オオ―ノ", "ｵｵ-ﾉ"),
            // The connector's.
            ("パン・ヴァイオリン", "ﾊﾟﾝ.ｳﾞｱｲｵﾘﾝ"), ("ｶﾞｯｺｳ", "ｶﾞﾂｺｳ"), ("ｙａｍａｄａ　ｔａｒｏ", "YAMADA TARO"),
            ("ヲノ", "ｵﾉ"), ("（カ）ヤマダ", "(ｶ)ﾔﾏﾀﾞ"), ("ヱビス−ヰ", "ｴﾋﾞｽ-ｲ"),
            // The test-form generator's.
            ("リョウタ", "ﾘﾖｳﾀ"), ("ヤマダ ガク", "ﾔﾏﾀﾞ ｶﾞｸ"), ("ペー", "ﾍﾟ-"),
            // Small ヵヶ, digits, spaces at the ends and in runs.
            ("ヵヶ", "ｶｹ"), ("ﾔﾏﾀﾞ1", "ﾔﾏﾀﾞ1"), ("  ヤマダ 　 タロウ ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ])
    func folds(input: String, folded: String) {
        let result = ZenginKana.standard.fold(input)
        #expect(result.text == folded)
        #expect(result.unmappable.isEmpty)
    }

    @Test("ヲ is ｵ unless the bank takes ｦ")
    func wo() {
        #expect(ZenginKana.standard.fold("ヲノ").text == "ｵﾉ")
        #expect(ZenginKana.standard.fold("ｦﾉ").text == "ｵﾉ")
        let keeping = ZenginKana(keepsWo: true).fold("ヲノ")
        #expect(keeping.text == "ｦﾉ")
        #expect(keeping.unmappable.isEmpty)
    }

    @Test("what has no 全銀 form is kept in place and reported")
    func unmappable() {
        let kanji = ZenginKana.standard.fold("山田タロウ")
        #expect(kanji.text == "山田ﾀﾛｳ")
        #expect(kanji.unmappable == ["山", "田"])
        #expect(ZenginKana.standard.fold("ヤマダ&").unmappable == ["&"])
        #expect(ZenginKana.standard.fold("ヤマダ・").unmappable.isEmpty)
        // A bank's own symbol set decides: without `.` and space, ・ and a space are refused.
        let strict = ZenginKana(allowedSymbols: ["(", ")", "-"])
        #expect(strict.fold("ヤマダ・タロウ").unmappable == ["・"])
        #expect(strict.fold("ヤマダ タロウ").unmappable == [" "])
        #expect(ZenginKana(allowedSymbols: ZenginKana.baseSymbols.union(["&"])).fold("ヤマダ&").unmappable.isEmpty)
    }

    @Test("ｶﾞ counts as two bytes")
    func bytes() {
        #expect(ZenginKana.byteCount(ZenginKana.standard.fold("ガ").text) == 2)
        #expect(ZenginKana.byteCount(ZenginKana.standard.fold("ヤマダ").text) == 4)
    }
}

@Suite("Check digits")
struct CheckDigitRuleTests {
    @Test(
        "マイナンバー (DOMAIN §4.1 vectors)",
        arguments: [
            ("123456789018", true), ("621498320257", true), ("983205673214", true), ("023456789013", true),
            ("123456789010", false), ("123456789017", false), ("123456789019", false), ("621498320258", false),
            ("12345678901", false), ("12345678901a", false), ("1234567890188", false), ("１２３４５６７８９０１８", false),
            ("1234-5678-9018", false),
        ])
    func myNumber(number: String, valid: Bool) {
        #expect(CheckDigit.isValidMyNumber(number) == valid)
    }

    @Test("the マイナンバー check digit of the worked example is 8, and 0 when the sum leaves 0 or 1")
    func myNumberDigit() {
        #expect(CheckDigit.myNumberCheckDigit([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]) == 8)
        #expect(CheckDigit.myNumberCheckDigit([0, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]) == 3)
        #expect(CheckDigit.myNumberCheckDigit([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == 0)
    }

    @Test(
        "法人番号 (DOMAIN §4.2)",
        arguments: [
            ("7123456789012", true), ("5835678256246", true), ("2120901007402", true), ("1123456789012", false),
            ("712345678901", false),
        ])
    func corporate(number: String, valid: Bool) {
        #expect(CheckDigit.isValidCorporateNumber(number) == valid)
        if valid {
            let base = number.dropFirst().compactMap(\.wholeNumberValue)
            #expect(CheckDigit.corporateCheckDigit(base) == number.first?.wholeNumberValue)
        }
    }

    @Test(
        "地方公共団体コード (DOMAIN §4.3)",
        arguments: [
            ("131016", true), ("011002", true), ("271403", true), ("141500", true), ("131017", false), ("13101", false),
        ])
    func localGovernment(code: String, valid: Bool) {
        #expect(CheckDigit.isValidLocalGovernmentCode(code) == valid)
    }
}

@Suite("Eras")
struct EraTests {
    @Test("each era's first and last day, code and year offset (DOMAIN §4.5)")
    func table() {
        #expect(Era.allCases.map(\.code) == [1, 2, 3, 4, 5])
        #expect(Era.allCases.map { $0.gregorianYear(1) - 1 } == [1867, 1911, 1925, 1988, 2018])
        #expect(Era.meiji.firstDay == CivilDate(year: 1868, month: 1, day: 25))
        #expect(Era.meiji.lastDay == CivilDate(year: 1912, month: 7, day: 29))
        #expect(Era.taisho.firstDay == CivilDate(year: 1912, month: 7, day: 30))
        #expect(Era.taisho.lastDay == CivilDate(year: 1926, month: 12, day: 24))
        #expect(Era.showa.firstDay == CivilDate(year: 1926, month: 12, day: 25))
        #expect(Era.showa.lastDay == CivilDate(year: 1989, month: 1, day: 7))
        #expect(Era.heisei.firstDay == CivilDate(year: 1989, month: 1, day: 8))
        #expect(Era.heisei.lastDay == CivilDate(year: 2019, month: 4, day: 30))
        #expect(Era.reiwa.firstDay == CivilDate(year: 2019, month: 5, day: 1))
        #expect(Era.reiwa.lastDay == nil)
    }

    @Test(
        "the era in force on a day: the change day belongs to the new era",
        arguments: [
            (CivilDate(year: 2019, month: 4, day: 30), Era.heisei), (CivilDate(year: 2019, month: 5, day: 1), .reiwa),
            (CivilDate(year: 1989, month: 1, day: 7), .showa), (CivilDate(year: 1989, month: 1, day: 8), .heisei),
            (CivilDate(year: 1912, month: 7, day: 30), .taisho), (CivilDate(year: 1868, month: 1, day: 25), .meiji),
        ])
    func eraOn(date: CivilDate, era: Era) {
        #expect(Era.era(on: date) == era)
    }

    @Test("before 明治 there is no era")
    func beforeMeiji() {
        #expect(Era.era(on: CivilDate(year: 1868, month: 1, day: 24)) == nil)
    }

    @Test("written names: 令和, 令, R, r")
    func names() {
        #expect(["令和", "令", "R", "r", " 令和 "].map { Era(name: $0) } == [.reiwa, .reiwa, .reiwa, .reiwa, .reiwa])
        #expect(Era(name: "X") == nil)
    }
}
