import Foundation
import KamiflowCore

/// ゆうちょ銀行 記号・番号 and their conversion to the 店番・口座番号 other banks transfer to (DOMAIN §4.8).
package struct YuchoAccount: Hashable, Sendable {
    /// 5-digit 記号.
    package var kigou: String
    /// 番号 as written (without the middle digit of 振替口座).
    package var bangou: String
    /// 3-digit 店番 for transfers from other banks.
    package var branch: String
    /// 7-digit 口座番号 for transfers.
    package var account: String
    /// 普通 (通常貯金, 記号 1xxxx) or 当座 (振替口座, 記号 0xxxx).
    package var kind: String
    /// 預金種目 code: 1 普通, 2 当座.
    package var kindCode: String

    /// ゆうちょ銀行's 金融機関コード.
    package static let bankCode = "9900"

    package enum Failure: Error, Equatable {
        case shape, kigou, bangou
    }

    /// Parses `14030-12345671`, `00160-0-100001`, or the digits run together, after NFKC and dash folding.
    package static func parse(_ text: String) -> Result<YuchoAccount, Failure> {
        let folded = TextFolding.foldAllDashes(TextFolding.nfkc(text)).filter { !$0.isWhitespace }
        let groups = folded.split(separator: "-").map(String.init)
        guard !groups.isEmpty,
            groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return .failure(.shape) }
        var kigou: String
        var bangou: String
        switch groups.count {
        case 1:
            guard groups[0].count > 5 else { return .failure(.shape) }
            kigou = String(groups[0].prefix(5))
            bangou = String(groups[0].dropFirst(5))
        case 2:
            kigou = groups[0]
            bangou = groups[1]
        case 3:
            // 振替口座: 記号 - 1 digit - 番号.
            guard groups[1].count == 1 else { return .failure(.shape) }
            kigou = groups[0]
            bangou = groups[2]
        default:
            return .failure(.shape)
        }
        guard kigou.count == 5, kigou.last == "0", kigou.first == "0" || kigou.first == "1" else {
            return .failure(.kigou)
        }
        let middle = String(Array(kigou)[1...2])
        if kigou.first == "1" {
            // 通常貯金: 番号 up to 8 digits ending in 1; drop that 1, left-pad to 7.
            guard (2...8).contains(bangou.count), bangou.last == "1" else { return .failure(.bangou) }
            let number = String(bangou.dropLast())
            return .success(
                YuchoAccount(
                    kigou: kigou, bangou: bangou, branch: middle + "8", account: leftPad(number, 7), kind: "普通",
                    kindCode: "1"))
        } else {
            guard (1...6).contains(bangou.count) else { return .failure(.bangou) }
            return .success(
                YuchoAccount(
                    kigou: kigou, bangou: bangou, branch: middle + "9", account: leftPad(bangou, 7), kind: "当座",
                    kindCode: "2"))
        }
    }

    /// The parts as a ``FieldValue``'s named parts (`part:` names in delivery mappings).
    package var parts: [String: String] {
        [
            "kigou": kigou, "bangou": bangou, "branch": branch, "account": account, "kind": kind,
            "kind_code": kindCode, "bank": Self.bankCode,
        ]
    }

    static func leftPad(_ text: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// 電話番号 (DOMAIN §4.10): fixed 10 digits, 050/060/070/080/090 11 digits, 0120 10, 0800 11, 0570 10.
package enum PhoneNumber {
    package enum Kind: String, Sendable { case fixed, mobileOrIP, freeDial, naviDial }

    /// The digits of `text` after NFKC, dash folding and removing `()` and spaces, and the kind they form; `nil`
    /// when they form no Japanese number.
    package static func classify(_ text: String) -> (digits: String, kind: Kind)? {
        let digits = TextFolding.foldAllDashes(TextFolding.nfkc(text)).filter {
            !"-() ".contains($0) && !$0.isWhitespace
        }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first == "0" else { return nil }
        let d = Array(digits)
        if d.count == 11, "56789".contains(d[1]), d[2] == "0" { return (digits, .mobileOrIP) }
        if d.count == 10, digits.hasPrefix("0120") { return (digits, .freeDial) }
        if d.count == 11, digits.hasPrefix("0800") { return (digits, .freeDial) }
        if d.count == 10, digits.hasPrefix("0570") { return (digits, .naviDial) }
        if d.count == 10, !("56789".contains(d[1]) && d[2] == "0") { return (digits, .fixed) }
        return nil
    }
}
