import Foundation
package import KamiflowCore

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
