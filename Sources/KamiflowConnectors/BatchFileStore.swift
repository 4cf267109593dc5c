package import Foundation
package import KamiflowCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one batch file at a time into a folder a core system or a bank imports from, atomically and exactly
/// once, with a ledger of the idempotency keys each batch holds.
///
/// A file importer cannot deduplicate for us, and it may move files away once it has read them, so what was
/// delivered is kept in a ledger beside the files (`<folder>/.kamiflow-ledger/ledger.jsonl`). One batch:
/// 1. the batch's bytes go to `.kamiflow-ledger/<name>.pending`, fsynced;
/// 2. a ledger line naming the batch and its keys is appended and fsynced: the commit point;
/// 3. the pending file is renamed into place (or appended to the target file, for JSON Lines) and the folder is
///    fsynced.
/// A crash before 2 leaves a pending file without a ledger line: it is deleted when the folder is next opened. A
/// crash after 2 leaves a committed pending file: it is applied then (roll forward), so nothing reported delivered
/// is lost and nothing is written twice.
package final class BatchFileStore: Sendable {
    package enum Placement: Sendable, Hashable {
        /// A new file of this name per batch (written to a temporary file and renamed).
        case newFile(String)
        /// Appended to one file of this name (JSON Lines).
        case append(String)
    }

    private struct Entry: Codable {
        var batch: String
        var target: String
        var append: Bool
        /// For appends: the target's size before this batch, so a half-done append can be redone exactly.
        var offset: Int64
        /// Idempotency key → SHA-256 of the record's content.
        var keys: [String: String]
    }

    package let folder: URL
    private let ledgerFolder: URL
    private let ledger: URL
    private let delivered = Mutex<[String: (digest: String, batch: String)]>([:])
    private let batches = Mutex(0)

    /// How many batches the ledger holds: the next batch's sequence number is this plus one.
    package var committedBatches: Int { batches.withLock { $0 } }

    package init(folder: URL) throws(KamiflowError) {
        self.folder = folder
        self.ledgerFolder = folder.appendingPathComponent(".kamiflow-ledger", isDirectory: true)
        self.ledger = ledgerFolder.appendingPathComponent("ledger.jsonl")
        do {
            // Record files and the ledger name people: owner-only folders and files (see PrivateFiles).
            try PrivateFiles.createFolder(atPath: ledgerFolder.path)
            try recover()
        } catch {
            throw KamiflowError(.io, "cannot open the output folder: \(Self.describe(error))", subject: folder.path)
        }
    }

    /// Where `key` was delivered before and the digest of its content then, if it was.
    package func previousDelivery(of key: String) -> (digest: String, batch: String)? {
        delivered.withLock { $0[key] }
    }

    /// Writes `content` as one batch holding `keys` (key → content digest); returns once it is durable.
    package func commit(_ content: Data, keys: [String: String], placement: Placement) throws(KamiflowError) {
        let batch: String
        let target: String
        let append: Bool
        switch placement {
        case .newFile(let name):
            (batch, target, append) = (name, name, false)
        case .append(let name):
            (batch, target, append) = (UUID().uuidString, name, true)
        }
        do {
            try recover()
            let pending = ledgerFolder.appendingPathComponent(batch + ".pending")
            try Self.writeDurably(content, to: pending)
            let targetURL = folder.appendingPathComponent(target)
            let offset: Int64 = append ? Self.size(of: targetURL) : 0
            let entry = Entry(batch: batch, target: target, append: append, offset: offset, keys: keys)
            var line = try JSONEncoder().encode(entry)
            line.append(0x0A)
            try Self.appendDurably(line, to: ledger)
            delivered.withLock { map in for (key, digest) in keys { map[key] = (digest, target) } }
            batches.withLock { $0 += 1 }
            try apply(entry)
        } catch {
            throw KamiflowError(.io, "cannot write the batch: \(Self.describe(error))", subject: folder.path)
        }
    }

    // MARK: Recovery

    private func recover() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: ledgerFolder.path, isDirectory: &isFolder), isFolder.boolValue
        else {
            throw FolderMissing()
        }
        var entries: [String: Entry] = [:]
        var map: [String: (digest: String, batch: String)] = [:]
        if let data = FileManager.default.contents(atPath: ledger.path) {
            var goodLength = 0
            var start = data.startIndex
            while let newline = data[start...].firstIndex(of: 0x0A) {
                guard let entry = try? JSONDecoder().decode(Entry.self, from: data[start..<newline]) else { break }
                entries[entry.batch] = entry
                for (key, digest) in entry.keys { map[key] = (digest, entry.target) }
                goodLength = newline + 1 - data.startIndex
                start = newline + 1
            }
            if goodLength < data.count {
                // A line torn by a crash was never committed: cut it off so that the next line starts clean.
                let handle = try FileHandle(forWritingTo: ledger)
                try handle.truncate(atOffset: UInt64(goodLength))
                try handle.synchronize()
                try handle.close()
            }
        }
        delivered.withLock { $0 = map }
        batches.withLock { $0 = entries.count }
        for name in try FileManager.default.contentsOfDirectory(atPath: ledgerFolder.path)
        where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            // A pending file cut off by a crash while it was being written (see PrivateFiles.write).
            try? FileManager.default.removeItem(at: ledgerFolder.appendingPathComponent(name))
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: ledgerFolder.path)
        where name.hasSuffix(".pending") {
            let batch = String(name.dropLast(".pending".count))
            if let entry = entries[batch] {
                try apply(entry)
            } else {
                try FileManager.default.removeItem(at: ledgerFolder.appendingPathComponent(name))
            }
        }
    }

    private func apply(_ entry: Entry) throws {
        let pending = ledgerFolder.appendingPathComponent(entry.batch + ".pending")
        let target = folder.appendingPathComponent(entry.target)
        if entry.append {
            let content = try Data(contentsOf: pending)
            try PrivateFiles.createFile(atPath: target.path)
            let handle = try FileHandle(forWritingTo: target)
            try handle.truncate(atOffset: UInt64(entry.offset))
            try handle.seekToEnd()
            try handle.write(contentsOf: content)
            try handle.synchronize()
            try handle.close()
            try FileManager.default.removeItem(at: pending)
        } else {
            if rename(pending.path, target.path) != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        try Self.synchronizeFolder(folder)
        try Self.synchronizeFolder(ledgerFolder)
    }

    // MARK: Durable file operations

    /// The pending file is renamed into place as the batch file, so it is created owner-only here.
    private static func writeDurably(_ data: Data, to url: URL) throws {
        try PrivateFiles.write(data, toPath: url.path)
    }

    private static func appendDurably(_ data: Data, to url: URL) throws {
        try PrivateFiles.createFile(atPath: url.path)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
    }

    private static func size(of url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// fsync on the folder, so that a rename or a new file survives a power cut.
    private static func synchronizeFolder(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    private struct FolderMissing: Error {}

    static func describe(_ error: any Error) -> String {
        if error is FolderMissing { return "the folder or its .kamiflow-ledger is missing or not a folder" }
        if let error = error as? POSIXError { return "\(error.code)" }
        if let error = error as? CocoaError {
            let underlying = (error.userInfo[NSUnderlyingErrorKey] as? NSError).map { " (\($0.localizedDescription))" }
            return error.localizedDescription + (underlying ?? "")
        }
        return "\(error)"
    }
}
