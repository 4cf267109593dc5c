import Foundation
import Testing

@testable import KamiflowCore

/// The one helper every file holding personal data goes through (issue 18).
@Suite("Private files")
struct PrivateFilesTests {
    static func mode(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return ((attributes?[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }

    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "kamiflow-private-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("write: 0600 in new 0700 folders, replacing a file whole; an existing folder keeps its mode")
    func writesPrivately() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try PrivateFiles.write(Data("氏名".utf8), toPath: root + "/a/b/report.json")
        #expect(Self.mode(root + "/a") == 0o700 && Self.mode(root + "/a/b") == 0o700)
        #expect(Self.mode(root + "/a/b/report.json") == 0o600)
        // Replaced whole: a file that was 0644 is 0600 afterwards, and nothing else is left in the folder.
        _ = chmod(root + "/a/b/report.json", 0o644)
        try PrivateFiles.write(Data("新".utf8), toPath: root + "/a/b/report.json")
        #expect(Self.mode(root + "/a/b/report.json") == 0o600)
        #expect(try String(contentsOfFile: root + "/a/b/report.json", encoding: .utf8) == "新")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/a/b") == ["report.json"])
        // The operator's folder keeps the mode they gave it.
        _ = chmod(root, 0o750)
        try PrivateFiles.write(Data(), toPath: root + "/top.json")
        #expect(Self.mode(root) == 0o750 && Self.mode(root + "/top.json") == 0o600)
    }

    @Test("write to a pipe or a device writes through it: the pipe stays a pipe and its reader gets the bytes")
    func writesThroughSpecialFiles() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pipe = root + "/report.fifo"
        #expect(mkfifo(pipe, 0o600) == 0)
        // A reader first (non-blocking), so that opening the pipe to write does not wait.
        let reader = open(pipe, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        try PrivateFiles.write(Data("氏名".utf8), toPath: pipe)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(reader, &buffer, buffer.count)
        #expect(count > 0 && String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "氏名")
        var status = stat()
        #expect(lstat(pipe, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
        // Nothing left beside it, and a device is named special whatever it is.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["report.fifo"])
        #expect(PrivateFiles.isSpecial("/dev/null") && PrivateFiles.isSpecial("/dev/stdout"))
        #expect(!PrivateFiles.isSpecial(root) && !PrivateFiles.isSpecial(root + "/absent.json"))
    }

    @Test("createFile and prepareDatabaseFile: 0600, and an existing file is left as its operator set it")
    func createsPrivately() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try PrivateFiles.prepareDatabaseFile(atPath: root + "/db/core.sqlite")
        #expect(Self.mode(root + "/db") == 0o700 && Self.mode(root + "/db/core.sqlite") == 0o600)
        _ = chmod(root + "/db/core.sqlite", 0o640)
        try PrivateFiles.prepareDatabaseFile(atPath: root + "/db/core.sqlite")
        #expect(Self.mode(root + "/db/core.sqlite") == 0o640)
        try PrivateFiles.createFile(atPath: root + "/log/records.jsonl")
        #expect(Self.mode(root + "/log/records.jsonl") == 0o600)
    }

    @Test("a file where a folder should be is an error naming the path")
    func fileInTheWay() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data().write(to: URL(fileURLWithPath: root + "/taken"))
        #expect {
            try PrivateFiles.write(Data(), toPath: root + "/taken/x.json")
        } throws: { error in
            (error as? KamiflowError)?.subject == root + "/taken"
        }
    }
}
