import Foundation
public import KamiflowCore

/// A person who does not exist, with everything a municipal form asks about them. Every value is consistent: the
/// kana is the reading of the name, the マイナンバー has its check digit, the sex matches the given name.
public struct FakePerson: Hashable, Sendable {
    public var surname: String
    public var givenName: String
    public var surnameKana: String
    public var givenNameKana: String
    /// `男` or `女`, as forms print the options.
    public var sex: String
    public var birth: CivilDate
    /// 続柄 to the head of the household (`世帯主`, `妻`, `子` …).
    public var relation: String
    /// 12 digits, check digit included.
    public var myNumber: String

    /// `山田 太郎`: the way a person writes their name on a form, with a space between the parts.
    public var name: String { "\(surname) \(givenName)" }
    public var kana: String { "\(surnameKana) \(givenNameKana)" }
}

/// An address with its postal code (7 digits).
public struct FakeAddress: Hashable, Sendable {
    public var postalCode: String
    public var prefecture: String
    public var city: String
    public var town: String
    /// `1丁目2番3号`.
    public var block: String
    /// 方書: building and room, or empty.
    public var katagaki: String
    /// The municipality's 全国地方公共団体コード (6 digits, check digit included).
    public var localGovernmentCode: String

    /// Everything but the 方書, as written in one line: `東京都武蔵野市中町1丁目2番3号`.
    public var line: String { prefecture + city + town + block }
    /// `180-0006`.
    public var postalText: String { "\(postalCode.prefix(3))-\(postalCode.suffix(4))" }
}

/// A bank account as a transfer needs it (全銀 codes), with the ゆうちょ 記号番号 when the bank is ゆうちょ銀行.
public struct FakeAccount: Hashable, Sendable {
    public var bankCode: String
    public var bankName: String
    public var branchCode: String
    public var branchName: String
    /// `普通` or `当座`.
    public var type: String
    /// 7 digits.
    public var number: String
    /// Full-width katakana as the holder writes it (`ヤマダ タロウ`).
    public var holderKana: String
    /// ゆうちょ 記号 (5 digits) and 番号 (8 digits), for a ゆうちょ account.
    public var yuchoSymbol: String
    public var yuchoNumber: String
}

/// One household: the person who fills in the form (the head), the others living with them, and what the form
/// needs around them (address, phone, account, dates).
public struct FakeHousehold: Hashable, Sendable {
    public var head: FakePerson
    public var spouse: FakePerson?
    public var children: [FakePerson]
    /// Everyone, head first, then spouse, then children.
    public var members: [FakePerson]
    public var address: FakeAddress
    public var previousAddress: FakeAddress
    public var phoneDigits: String
    public var phoneText: String
    public var account: FakeAccount
    /// A pre-printed household id (世帯番号), 10 digits.
    public var householdID: String
    /// The day the form is filled in (届出日, 請求日).
    public var notifiedOn: CivilDate
    /// The day something happened, at most 14 days before `notifiedOn` (異動日, 資格取得日).
    public var happenedOn: CivilDate
}

/// Makes households of fake people from a seeded generator. The same seed gives the same households.
public struct FakePeopleGenerator: Sendable {
    /// The "today" of the generated forms; the library never reads the clock, so samples stay reproducible.
    public var referenceDate: CivilDate

    public init(referenceDate: CivilDate = CivilDate(year: 2026, month: 10, day: 1)) {
        self.referenceDate = referenceDate
    }

    public func household(using random: inout SeededRandom) -> FakeHousehold {
        let surname = random.pick(JapaneseTables.surnames)
        let headIsMale = random.chance(0.6)
        let headBirth = birthDate(ageRange: 24...75, using: &random)
        let head = person(
            surname: surname, male: headIsMale, birth: headBirth, relation: "世帯主", using: &random)
        var spouse: FakePerson?
        if random.chance(0.7) {
            let birth = birthDate(
                ageRange: max(20, age(at: headBirth) - 8)...min(80, age(at: headBirth) + 8),
                using: &random)
            spouse = person(
                surname: surname, male: !headIsMale, birth: birth, relation: headIsMale ? "妻" : "夫", using: &random)
        }
        var children: [FakePerson] = []
        let youngestParentAge = min(age(at: headBirth), spouse.map { age(at: $0.birth) } ?? 200)
        if youngestParentAge < 60 {
            let count = random.pick([0, 1, 1, 2, 2, 2, 3, 4])
            for _ in 0..<count {
                let maxAge = max(0, min(18, youngestParentAge - 20))
                let birth = birthDate(ageRange: 0...maxAge, using: &random)
                children.append(
                    person(surname: surname, male: random.chance(0.5), birth: birth, relation: "子", using: &random))
            }
            children.sort { $0.birth < $1.birth }
        }
        let municipality = random.pick(JapaneseTables.municipalities)
        let address = self.address(in: municipality, using: &random)
        let previous = self.address(in: random.pick(JapaneseTables.municipalities), using: &random)
        let (phoneDigits, phoneText) = phone(areaCode: municipality.areaCode, using: &random)
        let notified = referenceDate.adding(days: -random.int(in: 0...30))
        let happened = notified.adding(days: -random.int(in: 0...14))
        return FakeHousehold(
            head: head, spouse: spouse, children: children, members: [head] + (spouse.map { [$0] } ?? []) + children,
            address: address, previousAddress: previous, phoneDigits: phoneDigits, phoneText: phoneText,
            account: account(holder: head, using: &random), householdID: random.digits(10),
            notifiedOn: notified, happenedOn: happened)
    }

    func age(at birth: CivilDate) -> Int {
        var years = referenceDate.year - birth.year
        if (referenceDate.month, referenceDate.day) < (birth.month, birth.day) { years -= 1 }
        return years
    }

    /// A birth date whose age on the reference date lies in `ageRange`; one in twelve falls in a 元年 (平成元年 or
    /// 令和元年) when the range allows, because those are the dates normalisers get wrong.
    func birthDate(ageRange: ClosedRange<Int>, using random: inout SeededRandom) -> CivilDate {
        let earliest = CivilDate(
            year: referenceDate.year - ageRange.upperBound - 1, month: referenceDate.month,
            day: 1
        ).adding(days: 1)
        let latest = CivilDate(year: referenceDate.year - ageRange.lowerBound, month: referenceDate.month, day: 1)
            .adding(days: -1)
        if random.chance(1.0 / 12) {
            let gannen = [
                (CivilDate(year: 1989, month: 1, day: 8), CivilDate(year: 1989, month: 12, day: 31)),
                (CivilDate(year: 2019, month: 5, day: 1), CivilDate(year: 2019, month: 12, day: 31)),
            ].filter { $0.0 >= earliest && $0.1 <= latest }
            if !gannen.isEmpty {
                let (from, to) = random.pick(gannen)
                return from.adding(days: random.int(in: 0...(to.daysSinceEpoch - from.daysSinceEpoch)))
            }
        }
        let span = max(0, latest.daysSinceEpoch - earliest.daysSinceEpoch)
        return earliest.adding(days: random.int(in: 0...span))
    }

    func person(
        surname: JapaneseTables.Name, male: Bool, birth: CivilDate, relation: String, using random: inout SeededRandom
    ) -> FakePerson {
        let given = random.pick(male ? JapaneseTables.maleGivenNames : JapaneseTables.femaleGivenNames)
        return FakePerson(
            surname: surname.kanji, givenName: given.kanji, surnameKana: surname.kana, givenNameKana: given.kana,
            sex: male ? "男" : "女", birth: birth, relation: relation, myNumber: Self.myNumber(using: &random))
    }

    /// A マイナンバー with a correct check digit.
    static func myNumber(using random: inout SeededRandom) -> String {
        let base = random.digits(11)
        return base + String(CheckDigit.myNumberCheckDigit(base.compactMap(\.wholeNumberValue)))
    }

    func address(in municipality: JapaneseTables.Municipality, using random: inout SeededRandom) -> FakeAddress {
        let town = random.pick(municipality.towns)
        let block = "\(random.int(in: 1...5))丁目\(random.int(in: 1...30))番\(random.int(in: 1...20))号"
        var katagaki = ""
        if random.chance(0.35) {
            katagaki = "\(random.pick(JapaneseTables.buildings)) \(random.int(in: 1...5))0\(random.int(in: 1...9))号室"
        }
        return FakeAddress(
            postalCode: town.postal, prefecture: municipality.prefecture, city: municipality.city, town: town.name,
            block: block, katagaki: katagaki,
            localGovernmentCode: municipality.lgCodeBase
                + String(CheckDigit.localGovernmentCheckDigit(municipality.lgCodeBase.compactMap(\.wholeNumberValue))))
    }

    /// A phone number of any of the formats of DOMAIN §4.10, weighted like a real household's contact numbers
    /// (mostly mobiles, then the fixed line of the municipality), as digits and as written with hyphens.
    func phone(areaCode: String, using random: inout SeededRandom) -> (digits: String, text: String) {
        let kind = random.pick([
            "090", "090", "080", "080", "070", "060", "050", "fixed", "fixed", "fixed", "0120", "0800",
        ])
        let digits: String
        switch kind {
        case "fixed":
            // The first digit of a local number is never 0 (that would read as a trunk prefix).
            let local = String(random.int(in: 2...9)) + random.digits(10 - areaCode.count - 1)
            digits = areaCode + local
            return (digits, DomainRules.formatPhone(digits, areaCodeLength: areaCode.count))
        case "0120": digits = "0120" + random.digits(6)
        case "0800": digits = "0800" + random.digits(7)
        default: digits = kind + String(random.int(in: 1...9)) + random.digits(7)
        }
        return (digits, DomainRules.formatPhone(digits))
    }

    func account(holder: FakePerson, using random: inout SeededRandom) -> FakeAccount {
        // ゆうちょ: 記号 1XXX0 and an 8-digit 番号 ending in 1 (通常貯金); 店番 = 記号[1...2] + "8" (DOMAIN §4.8).
        let symbol = "1" + random.digits(3) + "0"
        let numberCore = random.digits(7)
        if random.chance(0.2) {
            let branch = String(Array(symbol)[1...2]) + "8"
            return FakeAccount(
                bankCode: "9900", bankName: "ゆうちょ銀行", branchCode: branch, branchName: "\(branch)店",
                type: "普通", number: numberCore, holderKana: holder.kana, yuchoSymbol: symbol,
                yuchoNumber: numberCore + "1")
        }
        let bank = random.pick(JapaneseTables.banks)
        // A real branch of the bank. Four draws, as when the branch was three random digits and a name: a seed still
        // makes the same people, accounts and scans as before, only with branches that exist.
        let branch = random.pick(bank.branches)
        _ = random.digits(3)
        return FakeAccount(
            bankCode: bank.code, bankName: bank.name, branchCode: branch.code,
            branchName: branch.name, type: random.chance(0.9) ? "普通" : "当座",
            number: random.digits(7), holderKana: holder.kana, yuchoSymbol: symbol, yuchoNumber: numberCore + "1")
    }
}
