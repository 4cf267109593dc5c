public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every file Kamiflow writes that holds personal data goes through here, so that it is readable by its owner only.
///
/// The journal keeps records waiting for review; the embedded core-system database and the simulator's hold
/// delivered records; connectors write record files; reason files, review crops, overlays and evaluation reports
/// name people or show their handwriting. Such a file is created 0600, in a folder created 0700 when Kamiflow
/// creates it. A folder or database that already exists keeps the permissions its operator gave it (an operator may
/// open a drop folder to a group on purpose); a file Kamiflow replaces whole is always written 0600.
///
/// SQLite gives its `-wal` and `-shm` files the permissions of the database file, so creating the database file
/// first is enough for those.
public enum PrivateFiles {
    /// Owner read and write.
    public static let fileMode: mode_t = 0o600
    /// Owner only.
    public static let folderMode: mode_t = 0o700

    /// Creates `path` and any missing parent folders, each new one 0700. Existing folders are left as they are.
    public static func createFolder(atPath path: String) throws(KamiflowError) {
        guard !path.isEmpty else { return }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw KamiflowError(.io, "cannot create the folder: a file has its name", subject: path)
            }
            return
        }
        try createFolder(atPath: (path as NSString).deletingLastPathComponent)
        if mkdir(path, folderMode) != 0 {
            let code = errno
            guard code == EEXIST else {
                throw KamiflowError(
                    .io, "cannot create the folder: \(String(cString: strerror(code)))", subject: path)
            }
            return  // made by another process meanwhile
        }
        // mkdir's mode passes through the umask, which may only take bits away; set it exactly.
        _ = chmod(path, folderMode)
    }

    /// Creates the folder (0700 when it is new) and an empty file at `path` (0600) unless it already exists. An
    /// existing file keeps the permissions its operator gave it.
    public static func prepareDatabaseFile(atPath path: String) throws(KamiflowError) {
        try createFolder(atPath: (path as NSString).deletingLastPathComponent)
        try createFile(atPath: path)
    }

    /// Creates an empty 0600 file at `path` (and its folder, 0700 when new) unless a file is there already; for
    /// files that are appended to.
    public static func createFile(atPath path: String) throws(KamiflowError) {
        try createFolder(atPath: (path as NSString).deletingLastPathComponent)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw KamiflowError(.io, "cannot create the file: \(String(cString: strerror(errno)))", subject: path)
        }
        close(descriptor)
    }

    /// Writes `data` to `path` whole and atomically (a reader sees the old file or the new one, never half of
    /// one): a 0600 temporary file beside it, flushed to disk, then renamed into place. The folder is created 0700
    /// when it is missing.
    ///
    /// A path that is something other than a file (a device such as `/dev/null` or `/dev/stdout`, a pipe) is written
    /// to as it is: renamed over, `--json /dev/null` run as root replaced the machine's /dev/null with a 0600 file,
    /// and every program run as another user that wrote to it failed.
    public static func write(_ data: Data, toPath path: String) throws(KamiflowError) {
        if isSpecial(path) {
            try writeThrough(data, toPath: path)
            return
        }
        let folder = (path as NSString).deletingLastPathComponent
        try createFolder(atPath: folder)
        let name = (path as NSString).lastPathComponent
        let temporary = (folder.isEmpty ? "" : folder + "/") + ".\(name).\(UUID().uuidString.prefix(8)).tmp"
        // O_EXCL: never write through a file (or a link) someone else put there.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw KamiflowError(.io, "cannot write the file: \(String(cString: strerror(errno)))", subject: path)
        }
        _ = fchmod(descriptor, fileMode)  // the umask may have taken the owner's write bit
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporary)
            throw KamiflowError(.io, "cannot write the file", subject: path, cause: error)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw KamiflowError(.io, "cannot write the file: \(String(cString: strerror(code)))", subject: path)
        }
    }

    /// Whether `path` (its links followed) is there and is not a regular file or a folder, or names a device or a
    /// process's descriptor (`/dev/…`, `/proc/…`) whatever it leads to.
    static func isSpecial(_ path: String) -> Bool {
        if path.hasPrefix("/dev/") || path.hasPrefix("/proc/") { return true }
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        let kind = status.st_mode & S_IFMT
        return kind != S_IFREG && kind != S_IFDIR
    }

    /// Writes `data` into `path` as it is (no temporary file, no rename).
    static func writeThrough(_ data: Data, toPath path: String) throws(KamiflowError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw KamiflowError(.io, "cannot write to it: \(String(cString: strerror(errno)))", subject: path)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.close()
        } catch {
            throw KamiflowError(.io, "cannot write to it", subject: path, cause: error)
        }
    }
}
