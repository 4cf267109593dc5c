import Foundation
import KamiflowRuntime
import Logging
import Synchronization

/// A fresh folder under the system's temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "kamiflow-rt-\(safe)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Collects every line a `KamiflowLogHandler` writes.
final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])
    let redactor: Redactor

    init(redactor: Redactor) { self.redactor = redactor }

    var lines: [String] { storage.withLock { $0 } }

    func logger(format: LogFormat = .text, level: Logger.Level = .trace) -> Logger {
        Logger(label: "test") { label in
            KamiflowLogHandler(label: label, format: format, redactor: self.redactor, level: level) { line in
                self.storage.withLock { $0.append(line) }
            }
        }
    }
}

/// A logger that drops everything (for tests about something else).
let quietLogger = Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() }

func names(in folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}
