import Foundation
package import KamiflowCore

/// An explicit Unicode → CP932 (Windows-31J) encoder, from a table generated with Python's cp932 codec.
///
/// Foundation's `.shiftJIS` is JIS X 0208 Shift_JIS, not what Windows (and the core systems and banks that read
/// these files) use: it cannot write ～ U+FF5E or － U+FF0D, lacks the NEC/IBM extensions (①, ㈱, 髙 …) and its
/// behaviour differs between platforms. Both the JIS and the Microsoft form of the seven differing characters
/// (〜/～, −/－, ‖/∥, —/―, ¢, £, ¬; DOMAIN §4.6) are accepted and written as the one CP932 byte pair, so text
/// normalised either way round-trips through Windows as the Windows form.
package enum CP932 {
    /// A character CP932 cannot represent. Private-use characters are 外字: each municipality assigns them
    /// differently, so they are refused rather than written.
    package struct UnmappableCharacter: Error, Sendable {
        package var scalar: Unicode.Scalar
        package var isPrivateUse: Bool { (0xE000...0xF8FF).contains(scalar.value) }

        /// Says what is wrong in words; shows the code point only when the field is not sensitive.
        package func message(sensitive: Bool) -> String {
            let which = sensitive ? "a character" : "U+" + String(scalar.value, radix: 16, uppercase: true)
            if isPrivateUse {
                return "\(which) is a private-use character (外字); identify it with a standard character (同定) first"
            }
            return "\(which) cannot be written in CP932"
        }
    }

    static let table: [UInt16: UInt16] = {
        guard let data = Data(base64Encoded: tableBase64, options: .ignoreUnknownCharacters) else {
            fatalError("CP932Table.swift is corrupt: regenerate it with Scripts/generate-cp932.py")
        }
        var table: [UInt16: UInt16] = [:]
        table.reserveCapacity(data.count / 4)
        let bytes = [UInt8](data)
        for i in stride(from: 0, to: bytes.count - 3, by: 4) {
            let scalar = UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
            table[scalar] = UInt16(bytes[i + 2]) << 8 | UInt16(bytes[i + 3])
        }
        return table
    }()

    /// The CP932 bytes of `text` (composed to NFC first, so that カ + ゛ written as two code points becomes ガ).
    package static func encode(_ text: String) throws(UnmappableCharacter) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            guard scalar.value <= 0xFFFF, let code = table[UInt16(scalar.value)] else {
                throw UnmappableCharacter(scalar: scalar)
            }
            if code < 0x100 {
                out.append(UInt8(code))
            } else {
                out.append(UInt8(code >> 8))
                out.append(UInt8(code & 0xFF))
            }
        }
        return out
    }
}

/// The text encodings file connectors can write.
public enum TextEncoding: String, Hashable, Sendable, Codable, CaseIterable {
    case utf8 = "utf-8"
    case cp932

    public init(from decoder: any Decoder) throws { self = try decodeChoice(from: decoder) }

    /// Encodes one field's text, or says (without the value when `sensitive`) why it cannot be written.
    package func encode(_ text: String, field: String, sensitive: Bool) throws(RecordProblem) -> [UInt8] {
        switch self {
        case .utf8:
            return Array(text.utf8)
        case .cp932:
            do throws(CP932.UnmappableCharacter) {
                return try CP932.encode(text)
            } catch {
                throw RecordProblem(field: field, error.message(sensitive: sensitive))
            }
        }
    }
}

/// Why one record cannot be written; becomes a `Rejection` (the record is refused for good, the rest go on).
package struct RecordProblem: Error, Sendable {
    package var rejection: Rejection
    package init(field: String?, _ message: String) { rejection = Rejection(field: field, message: message) }
}

/// Decodes a string enum with an error listing the allowed values (a deployment file's reader needs them).
func decodeChoice<T: RawRepresentable & CaseIterable>(from decoder: any Decoder) throws -> T
where T.RawValue == String {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let value = T(rawValue: text) else {
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not one of: " + T.allCases.map(\.rawValue).joined(separator: ", ")))
    }
    return value
}
