import Foundation

/// Unicode ⇄ CP932 (Windows-31J), from a table generated with Python's cp932 codec.
///
/// Foundation's `.shiftJIS` is JIS X 0208 Shift_JIS, not what Windows (and the core systems and banks that read
/// these files) use: it cannot write ～ U+FF5E or － U+FF0D, lacks the NEC/IBM extensions (①, ㈱, 髙 …) and its
/// behaviour differs between platforms. Both the JIS and the Microsoft form of the seven differing characters
/// (〜/～, −/－, ‖/∥, —/―, ¢, £, ¬; DOMAIN §4.6) are accepted and written as the one CP932 byte pair, so text
/// normalised either way round-trips through Windows as the Windows form.
///
/// It lives in Core because both directions are needed by modules that do not see each other: the file
/// connectors write CP932, and the master import reads the CSV tables a municipality exports from Excel.
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

    /// The text of CP932 `bytes`, or `nil` with the 1-based line of the first byte sequence that is not CP932.
    /// Of the seven characters with two Unicode forms the Windows one is produced (～, not 〜), as Windows reads
    /// them. Bytes the encoder never writes (the NEC-selected IBM duplicates, rows 0xED–0xEE) are not decoded.
    package static func decode(_ bytes: [UInt8]) -> Result<String, UndecodableBytes> {
        var scalars = String.UnicodeScalarView()
        var line = 1
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            let code: UInt16
            let width: Int
            if (0x81...0x9F).contains(byte) || (0xE0...0xFC).contains(byte) {
                guard i + 1 < bytes.count else { return .failure(UndecodableBytes(line: line)) }
                code = UInt16(byte) << 8 | UInt16(bytes[i + 1])
                width = 2
            } else {
                code = UInt16(byte)
                width = 1
            }
            guard let value = inverse[code], let scalar = Unicode.Scalar(value) else {
                return .failure(UndecodableBytes(line: line))
            }
            if byte == 0x0A { line += 1 }
            scalars.append(scalar)
            i += width
        }
        return .success(String(scalars))
    }

    /// Where CP932 text stops being CP932.
    package struct UndecodableBytes: Error, Sendable {
        /// 1-based.
        package var line: Int
    }

    /// CP932 code → Unicode scalar: the table read backwards, the Windows form kept where two scalars share a code.
    static let inverse: [UInt16: UInt16] = {
        let windows = Set(
            TextFolding.jisToCP932.values.compactMap { $0.unicodeScalars.first.map { UInt16($0.value) } })
        var inverse: [UInt16: UInt16] = [:]
        for (scalar, code) in table where inverse[code] == nil || windows.contains(scalar) {
            inverse[code] = scalar
        }
        return inverse
    }()
}
