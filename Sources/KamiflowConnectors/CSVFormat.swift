public import Foundation
public import KamiflowCore
public import Logging

/// A CSV file per batch (the `type: csv` entry): what most core systems and RPA tools import.
public struct CSVConnectionConfiguration: Hashable, Sendable, Codable {
    /// The folder batch files go to (created when missing).
    public var folder: String
    /// Batch files are named `<prefix>-<UTC time>-<digest>.csv`.
    public var filePrefix: String
    /// The columns in order; when `nil`, the first record's fields in mapping order, and every record must match.
    public var columns: [String]?
    /// A first column holding the idempotency key, under this header, so the importer can deduplicate too.
    public var keyColumn: String?
    /// A first line with the column names.
    public var header: Bool
    /// `utf-8` or `cp932` (Windows-31J, see ``TextEncoding``).
    public var encoding: TextEncoding
    /// A UTF-8 byte order mark, for Excel. Ignored for CP932.
    public var byteOrderMark: Bool
    /// RFC 4180 says CRLF; `lf` for tools that want it.
    public var lineEnding: LineEnding
    /// Prefix `'` to cells starting with `=`, `+`, `-`, `@`, tab or CR, so a spreadsheet does not run them.
    public var formulaGuard: Bool

    /// Settings with the defaults a deployment file gets when it leaves them out.
    public init(
        folder: String, filePrefix: String = "kamiflow", columns: [String]? = nil, keyColumn: String? = nil,
        header: Bool = true, encoding: TextEncoding = .utf8, byteOrderMark: Bool = false,
        lineEnding: LineEnding = .crlf, formulaGuard: Bool = true
    ) {
        self.folder = folder
        self.filePrefix = filePrefix
        self.columns = columns
        self.keyColumn = keyColumn
        self.header = header
        self.encoding = encoding
        self.byteOrderMark = byteOrderMark
        self.lineEnding = lineEnding
        self.formulaGuard = formulaGuard
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case folder, columns, header, encoding
        case filePrefix = "file_prefix"
        case keyColumn = "key_column"
        case byteOrderMark = "bom"
        case lineEnding = "line_ending"
        case formulaGuard = "formula_guard"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            folder: try c.decode(String.self, forKey: .folder),
            filePrefix: try c.decodeIfPresent(String.self, forKey: .filePrefix) ?? "kamiflow",
            columns: try c.decodeIfPresent([String].self, forKey: .columns),
            keyColumn: try c.decodeIfPresent(String.self, forKey: .keyColumn),
            header: try c.decodeIfPresent(Bool.self, forKey: .header) ?? true,
            encoding: try c.decodeIfPresent(TextEncoding.self, forKey: .encoding) ?? .utf8,
            byteOrderMark: try c.decodeIfPresent(Bool.self, forKey: .byteOrderMark) ?? false,
            lineEnding: try c.decodeIfPresent(LineEnding.self, forKey: .lineEnding) ?? .crlf,
            formulaGuard: try c.decodeIfPresent(Bool.self, forKey: .formulaGuard) ?? true
        )
    }
}

/// What ends a line or record in a file connector's output.
public enum LineEnding: String, Hashable, Sendable, Codable, CaseIterable {
    case crlf, lf, none

    public init(from decoder: any Decoder) throws { self = try decodeChoice(from: decoder) }

    var bytes: [UInt8] {
        switch self {
        case .crlf: [0x0D, 0x0A]
        case .lf: [0x0A]
        case .none: []
        }
    }
}

struct CSVFormat: RecordFileFormat {
    let configuration: CSVConnectionConfiguration

    func columns(for request: DeliveryRequest) -> [String] {
        configuration.columns ?? request.payload.map(\.name)
    }

    func cell(_ text: String) -> String {
        CSVCell.text(text, guardingFormulas: configuration.formulaGuard)
    }

    private func line(_ cells: [(text: String, field: String, sensitive: Bool)]) throws(RecordProblem) -> Data {
        var bytes: [UInt8] = []
        for (i, cell) in cells.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += try configuration.encoding.encode(
                self.cell(cell.text), field: cell.field, sensitive: cell.sensitive)
        }
        bytes += configuration.lineEnding.bytes
        return Data(bytes)
    }

    func encode(_ request: DeliveryRequest) throws(RecordProblem) -> Data {
        let columns = columns(for: request)
        var byName: [String: PayloadField] = [:]
        for field in request.payload {
            guard columns.contains(field.name) else {
                throw RecordProblem(field: field.name, "is not one of this CSV's columns")
            }
            byName[field.name] = field
        }
        var cells: [(String, String, Bool)] = []
        if let keyColumn = configuration.keyColumn { cells.append((request.idempotencyKey, keyColumn, false)) }
        for column in columns {
            let field = byName[column]
            cells.append((field?.value ?? "", column, field?.sensitive ?? false))
        }
        return try line(cells)
    }

    func file(records: [(request: DeliveryRequest, bytes: Data)]) throws(RecordProblem) -> Data {
        var content = Data()
        if configuration.encoding == .utf8, configuration.byteOrderMark { content += [0xEF, 0xBB, 0xBF] }
        let first = records[0].request
        let columns = columns(for: first)
        if configuration.columns == nil {
            for record in records where record.request.payload.map(\.name) != columns {
                throw RecordProblem(
                    field: nil, "records of one batch have different fields and no `columns:` fixes the order")
            }
        }
        if configuration.header {
            let names = (configuration.keyColumn.map { [$0] } ?? []) + columns
            content += try line(names.map { ($0, $0, false) })
        }
        for record in records { content += record.bytes }
        return content
    }

    func placement(stamp: String) -> BatchFileStore.Placement {
        .newFile("\(configuration.filePrefix)-\(stamp).csv")
    }
}

/// One CSV cell as every CSV Kamiflow writes it (records, `extract` output): RFC 4180 quoting and, when asked, a
/// guard against spreadsheet formulas.
package enum CSVCell {
    /// Cells starting with one of these are formulas to a spreadsheet (OWASP "CSV injection").
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// `text` as a cell; with `guardingFormulas`, a cell a spreadsheet would run as a formula is prefixed with `'`.
    package static func text(_ text: String, guardingFormulas: Bool) -> String {
        var text = text
        if guardingFormulas, let first = text.first, formulaStarts.contains(first) { text = "'" + text }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix(" ")
            || text.hasSuffix(" ")
        {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

extension CSVConnectionConfiguration: FolderConnectionSettings {
    public static let typeName = "csv"
    public static var settingNames: [String] { CodingKeys.allCases.map(\.stringValue) }

    public func makeConnector(
        named name: String, environment: [String: String], logger: Logger
    ) throws
        -> any Connector
    {
        try FileConnector(name: name, folder: folder, format: CSVFormat(configuration: self), logger: logger)
    }

    public func contract(for resource: String?, openAPIDocument: Data?) throws -> MappingContract {
        MappingContract(
            requiredFields: [], knownFields: columns, source: columns == nil ? "a CSV file" : "the CSV layout",
            reservedFields: keyColumn.map { [$0] } ?? [])
    }

}
