public import Foundation
public import KamiflowCore
public import Logging

/// A fixed-width record file in CP932 per batch (the `type: fixed-width` entry), the shape of
/// 中間標準レイアウト-style interfaces: every field a byte length, numbers right-justified and zero-filled, text
/// left-justified and space-filled.
public struct FixedWidthConnectionConfiguration: Hashable, Sendable, Codable {
    /// One column of the layout.
    public struct Column: Hashable, Sendable, Codable {
        /// N: digits, right-justified, zero-filled. C: text, left-justified, space-filled.
        public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
            case numeric = "N"
            case character = "C"

            public init(from decoder: any Decoder) throws { self = try decodeChoice(from: decoder) }
        }
        /// The payload field; `nil` with `value` for a constant, or for filler (spaces / zeros).
        public var field: String?
        /// The field's length in bytes (CP932: a kanji takes 2).
        public var bytes: Int
        /// `N` or `C`.
        public var kind: Kind
        /// A constant written in every record.
        public var value: String?

        /// A column; give `field` for a payload field, or `value` for a constant.
        public init(field: String?, bytes: Int, kind: Kind, value: String? = nil) {
            self.field = field
            self.bytes = bytes
            self.kind = kind
            self.value = value
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case field, bytes
            case kind = "type"
            case value
        }
    }

    /// The folder batch files go to.
    public var folder: String
    /// Files are named `<prefix>-<UTC time>-<sequence>.<extension>`.
    public var filePrefix: String
    public var fileExtension: String
    /// The columns of one record, in order.
    public var layout: [Column]
    /// What ends each record.
    public var lineEnding: LineEnding

    /// Settings with the defaults a deployment file gets when it leaves them out.
    public init(
        folder: String, filePrefix: String = "kamiflow", fileExtension: String = "dat", layout: [Column],
        lineEnding: LineEnding = .crlf
    ) {
        self.folder = folder
        self.filePrefix = filePrefix
        self.fileExtension = fileExtension
        self.layout = layout
        self.lineEnding = lineEnding
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case folder, layout
        case filePrefix = "file_prefix"
        case fileExtension = "file_extension"
        case lineEnding = "line_ending"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            folder: try c.decode(String.self, forKey: .folder),
            filePrefix: try c.decodeIfPresent(String.self, forKey: .filePrefix) ?? "kamiflow",
            fileExtension: try c.decodeIfPresent(String.self, forKey: .fileExtension) ?? "dat",
            layout: try c.decode([Column].self, forKey: .layout),
            lineEnding: try c.decodeIfPresent(LineEnding.self, forKey: .lineEnding) ?? .crlf
        )
    }

    /// Bytes per record, line ending excluded.
    public var recordLength: Int { layout.map(\.bytes).reduce(0, +) }

    public func validate(connection: String) throws {
        for (i, column) in layout.enumerated() where column.bytes < 1 {
            throw KamiflowError(
                .invalidDeployment, "layout column \(i + 1) must have at least 1 byte", subject: connection)
        }
        guard !layout.isEmpty else {
            throw KamiflowError(.invalidDeployment, "layout has no columns", subject: connection)
        }
    }
}

/// Pads and justifies one fixed-width field, shared by the fixed-width and the 全銀 formats.
enum FixedField {
    /// N: ASCII digits, right-justified, zero-filled.
    static func numeric(_ text: String, bytes: Int, field: String) throws(RecordProblem) -> [UInt8] {
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw RecordProblem(field: field, "must be digits only (a numeric N(\(bytes)) field)")
        }
        guard text.count <= bytes else {
            throw RecordProblem(field: field, "has \(text.count) digits; the field holds \(bytes)")
        }
        return Array(String(repeating: "0", count: bytes - text.count).utf8) + Array(text.utf8)
    }

    /// C: CP932 text, left-justified, space-filled; too long is an error (cutting would lose data silently).
    static func character(
        _ text: String, bytes: Int, field: String, sensitive: Bool
    ) throws(RecordProblem) -> [UInt8] {
        let encoded = try TextEncoding.cp932.encode(text, field: field, sensitive: sensitive)
        guard encoded.count <= bytes else {
            throw RecordProblem(field: field, "takes \(encoded.count) bytes in CP932; the field holds \(bytes)")
        }
        return encoded + [UInt8](repeating: 0x20, count: bytes - encoded.count)
    }
}

struct FixedWidthFormat: RecordFileFormat {
    let configuration: FixedWidthConnectionConfiguration

    func encode(_ request: DeliveryRequest) throws(RecordProblem) -> Data {
        var fields: [String: PayloadField] = [:]
        for field in request.payload { fields[field.name] = field }
        let known = Set(configuration.layout.compactMap(\.field))
        if let stray = request.payload.first(where: { !known.contains($0.name) }) {
            throw RecordProblem(field: stray.name, "is not a field of this fixed-width layout")
        }
        var bytes: [UInt8] = []
        for column in configuration.layout {
            let payload = column.field.flatMap { fields[$0] }
            let text = payload?.value ?? column.value ?? ""
            let name = column.field ?? "(constant)"
            switch column.kind {
            case .numeric: bytes += try FixedField.numeric(text, bytes: column.bytes, field: name)
            case .character:
                bytes += try FixedField.character(
                    text, bytes: column.bytes, field: name, sensitive: payload?.sensitive ?? false)
            }
        }
        return Data(bytes + configuration.lineEnding.bytes)
    }

    func file(records: [(request: DeliveryRequest, bytes: Data)]) throws(RecordProblem) -> Data {
        records.reduce(into: Data()) { $0 += $1.bytes }
    }

    func placement(stamp: String) -> BatchFileStore.Placement {
        .newFile("\(configuration.filePrefix)-\(stamp).\(configuration.fileExtension)")
    }
}

extension FixedWidthConnectionConfiguration: FolderConnectionSettings {
    public static let typeName = "fixed-width"
    public static var settingNames: [String] { CodingKeys.allCases.map(\.stringValue) }
    public static var itemSettingNames: [String: [String]] {
        ["layout": Column.CodingKeys.allCases.map(\.stringValue)]
    }

    public func makeConnector(
        named name: String, environment: [String: String], logger: Logger
    ) throws
        -> any Connector
    {
        try validate(connection: name)
        return try FileConnector(
            name: name, folder: folder, format: FixedWidthFormat(configuration: self), logger: logger)
    }

    public func contract(for resource: String?, openAPIDocument: Data?) throws -> MappingContract {
        var constraints: [String: FieldConstraint] = [:]
        for column in layout {
            guard let field = column.field else { continue }
            constraints[field] =
                column.kind == .numeric
                ? FieldConstraint(pattern: "^[0-9]{0,\(column.bytes)}$", summary: "N\(column.bytes): digits only")
                : FieldConstraint(summary: "C\(column.bytes): text of at most \(column.bytes) bytes")
        }
        return MappingContract(
            requiredFields: [], knownFields: layout.compactMap(\.field), source: "the fixed-width layout",
            fields: constraints)
    }

}
