import Foundation
public import KamiflowCore

/// A `ScanProcessor` for "scans" that are already read: JSON files holding the records, as a forms test bench, a
/// migration from another capture system or an operations drill produces them. It lets the whole runtime (journal,
/// delivery, drop folders, schedules) run and be tested without an OCR engine.
///
/// The file:
/// ```json
/// {"read_seconds": 0.2,
///  "records": [{"workflow": "w", "route": "straightThrough", "pages": [0],
///               "fields": [{"path": "name", "type": "text", "value": "山田 太郎", "confidence": 96},
///                          {"path": "number", "type": "mynumber", "value": "123456789018", "sensitive": true}]}]}
/// ```
public struct RecordFileProcessor: ScanProcessor {
    struct File: Decodable {
        struct Record: Decodable {
            var workflow: String
            var route: Route?
            var pages: [Int]?
            var fields: [Field]
            var issues: [Issue]?
        }
        struct Field: Decodable {
            var path: String
            var type: String?
            var value: String?
            var confidence: Double?
            var sensitive: Bool?
            var issues: [Issue]?
        }
        var records: [Record]
        /// How long "reading" takes, asleep: a reader that costs a fixed time without using the CPU, for
        /// coordination tests and benchmarks of several workers on one machine.
        var readSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case records
            case readSeconds = "read_seconds"
        }
    }

    public init() {}

    public func process(_ scan: ScanSource, id: String) async throws -> [FormRecord] {
        let bytes: Data
        switch scan {
        case .file(let path):
            do {
                bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw KamiflowError(.io, "cannot read the record file", subject: path, cause: error)
            }
        case .bytes(let b, _):
            bytes = Data(b)
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: bytes)
        } catch {
            throw KamiflowError(
                .unsupportedFormat, "not a record file (JSON with a \"records\" list): \(Self.reason(error))",
                subject: scan.name)
        }
        if let seconds = file.readSeconds, seconds > 0 {
            try await Task.sleep(for: .milliseconds(Int(min(seconds, 3600) * 1000)))
        }
        return file.records.enumerated().map { index, record in
            FormRecord(
                workflow: record.workflow, scanID: id, index: index, pages: record.pages ?? [0],
                fields: record.fields.map { field in
                    FieldResult(
                        path: field.path, type: field.type ?? "text", raw: field.value,
                        value: field.value.map { $0.isEmpty ? .empty : .text($0) } ?? .empty,
                        confidence: field.confidence, issues: field.issues ?? [], sensitive: field.sensitive ?? false)
                },
                issues: record.issues ?? [], route: record.route ?? .straightThrough)
        }
    }

    /// Says where in the JSON the problem is, without quoting values (they may be sensitive).
    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let c): "malformed JSON at \(path(c.codingPath))"
        case .keyNotFound(let key, let c): "missing \"\(key.stringValue)\" at \(path(c.codingPath))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): "wrong type at \(path(c.codingPath + []))"
        default: "unreadable"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
