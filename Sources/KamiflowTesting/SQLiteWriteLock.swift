import Foundation

/// Holds a SQLite database's write lock from another process (the `sqlite3` shell in `BEGIN EXCLUSIVE`), so tests
/// can make a database-backed target transiently unavailable the way a busy core system is.
public final class SQLiteWriteLock: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    public init(path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // WAL first (as the connectors use it), then take the lock and say so once it is held.
        input.fileHandleForWriting.write(Data("PRAGMA journal_mode=WAL;\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n".utf8))
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
    }

    public func release() throws {
        input.fileHandleForWriting.write(Data("COMMIT;\n.quit\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
