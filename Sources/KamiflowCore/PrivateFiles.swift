import Foundation

/// Files that hold personal data (the journal keeps records waiting for review; the embedded core-system database
/// holds delivered records) are created readable by their owner only. SQLite gives its `-wal` and `-shm` files the
/// permissions of the database file, so creating the database file first is enough.
public enum PrivateFiles {
    /// Creates the folder (0700 when it is new) and an empty file at `path` (0600) unless it already exists. An
    /// existing file keeps the permissions its operator gave it.
    public static func prepareDatabaseFile(atPath path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let manager = FileManager.default
        if !folder.isEmpty, !manager.fileExists(atPath: folder) {
            try manager.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
    }
}
