import Foundation
public import KamiflowCore
public import KamiflowRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small but real core system for the runtime's tests: each accepted record becomes one line of a JSON Lines
/// file, written with one `write(2)` and `fsync`ed before the connector answers `delivered`. It honours idempotency
/// keys the way a core system must (a key it already holds is answered `delivered` again, never written twice), and
/// it refuses a record without a `name`, quoting the record back as real systems do (which the masking tests need).
///
/// Several processes may deliver into one file: the key check and the append happen under an exclusive `flock`.
public final class JSONLinesCoreSystem: Connector {
    public let name: String
    public let path: String
    /// The keys already in the file and how far it has been read: each delivery reads only what was appended
    /// since (by this or another process), so a long run does not re-read the whole file.
    private let known = Mutex<(offset: Int, keys: Set<String>)>((0, []))

    public init(name: String = "core", path: String) {
        self.name = name
        self.path = path
    }

    public func deliver(_ requests: [DeliveryRequest]) async -> [DeliveryOutcome] {
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            return requests.map { _ in .failed(reason: "cannot open \(path)", attempts: 1) }
        }
        defer { Glibc.close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        var known = self.known.withLock { $0 }
        let end = Int(lseek(fd, 0, SEEK_END))
        if end > known.offset {
            var tail = [UInt8](repeating: 0, count: end - known.offset)
            let n = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(known.offset)) }
            // Only complete lines count; a line cut short by a crash is skipped and never completed.
            if n > 0, let last = tail[0..<n].lastIndex(of: 0x0A) {
                for line in tail[0...last].split(separator: 0x0A) {
                    if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                        let key = object["key"] as? String
                    {
                        known.keys.insert(key)
                    }
                }
                known.offset += last + 1
            }
            if known.offset < end, write(fd, "\n", 1) == 1 {
                known.offset = end + 1  // end a cut-short line, so that the next record starts on its own
            }
        }
        defer { self.known.withLock { $0 = known } }
        var outcomes: [DeliveryOutcome] = []
        for request in requests {
            if known.keys.contains(request.idempotencyKey) {
                outcomes.append(.delivered(receipt: "already:\(request.idempotencyKey)"))
                continue
            }
            let fields = Dictionary(request.payload.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
            if (fields["name"] ?? "").isEmpty {
                let echo = request.payload.map { "\($0.name)=\($0.value ?? "")" }.joined(separator: ", ")
                outcomes.append(.rejected([Rejection(field: "name", message: "name is required (record: \(echo))")]))
                continue
            }
            let object: [String: Any] = ["key": request.idempotencyKey, "workflow": request.workflow, "fields": fields]
            guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
                outcomes.append(.failed(reason: "cannot encode", attempts: 1))
                continue
            }
            line.append(0x0A)
            let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == line.count, fsync(fd) == 0 else {
                outcomes.append(.failed(reason: "write failed", attempts: 1))
                continue
            }
            known.keys.insert(request.idempotencyKey)
            known.offset += line.count
            outcomes.append(.delivered(receipt: "line"))
        }
        return outcomes
    }

    public func close() async throws {}

    /// The complete lines of the file, parsed (a line cut short by a crash is ignored).
    public static func lines(at path: String) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: 0x0A).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
        }
    }
}

/// Maps every field of a record onto a payload for one connection (what a workflow's `deliver:` section does).
public func fieldByFieldPlanner(connection: String = "core") -> DeliveryPlanner {
    { record in
        [
            PlannedDelivery(
                connection: connection,
                request: DeliveryRequest(
                    idempotencyKey: record.idempotencyKey, workflow: record.workflow,
                    payload: record.fields.map {
                        PayloadField(name: $0.path, value: $0.value.textValue, sensitive: $0.sensitive)
                    }))
        ]
    }
}

/// A `ScanProcessor` that takes its time, as OCR does, so that tests and drills can interrupt scans mid-way.
public struct PacedProcessor: ScanProcessor {
    let base: any ScanProcessor
    let delay: Duration

    public init(base: any ScanProcessor = RecordFileProcessor(), delay: Duration) {
        self.base = base
        self.delay = delay
    }

    public func process(_ scan: ScanSource, id: String) async throws -> [FormRecord] {
        try await Task.sleep(for: delay)
        return try await base.process(scan, id: id)
    }
}

/// Writes record files ("scans" for `RecordFileProcessor`).
public enum ScanFiles {
    public struct Field {
        public var path: String
        public var value: String
        public var sensitive: Bool
        public init(_ path: String, _ value: String, sensitive: Bool = false) {
            self.path = path
            self.value = value
            self.sensitive = sensitive
        }
    }

    /// One record file with one record per element of `records`.
    public static func write(
        _ path: String, workflow: String = "test-form", records: [[Field]], review: Bool = false, pages: Int = 1,
        reviewIssue: (code: String, severity: String, message: String) = (
            "lowConfidence", "warning", "氏名の読み取りに自信がありません"
        )
    ) throws {
        let objects: [[String: Any]] = records.map { fields in
            [
                "workflow": workflow, "route": review ? "review" : "straightThrough", "pages": Array(0..<pages),
                "fields": fields.map {
                    [
                        "path": $0.path, "type": $0.sensitive ? "mynumber" : "text", "value": $0.value,
                        "sensitive": $0.sensitive, "confidence": 95,
                    ] as [String: Any]
                },
                "issues": review
                    ? [
                        [
                            "code": reviewIssue.code, "severity": reviewIssue.severity, "message": reviewIssue.message,
                            "fields": ["name"],
                        ]
                    ] : [],
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: ["records": objects], options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// A folder of `count` distinct one-record scans named `scan-000.json`…, returning their paths.
    public static func batch(in folder: String, count: Int, prefix: String = "scan") throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try (0..<count).map { i in
            let path = folder + "/" + prefix + "-" + String(format: "%03d", i) + ".json"
            try write(path, records: [[Field("name", "申請者\(i)"), Field("serial", "\(prefix)-\(i)")]])
            return path
        }
    }
}
