import Foundation
import KamiflowCore
import KamiflowTesting

/// The `kamiflow` executable SwiftPM built beside this test bundle (`swift build --build-tests` builds it).
enum KamiflowBinary {
    static var path: String {
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let name = "kamiflow"
        for _ in 0..<4 where !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent(name).path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("kamiflow").path
    }

    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// The environment a child runs with: libgomp reads OMP_THREAD_LIMIT when libtesseract loads (DESIGN §4).
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_THREAD_LIMIT"] = "1"
        // The shipped workflows' witnesses need the masters; `make test` imports them into the repository's
        // .kamiflow/ (and says where with KAMIFLOW_MASTERS), and a child runs in a folder of its own.
        if environment["KAMIFLOW_MASTERS"] == nil {
            environment["KAMIFLOW_MASTERS"] =
                PythonClient.repositoryRoot.appendingPathComponent(".kamiflow/masters.sqlite").path
        }
        return environment.merging(extra) { $1 }
    }

    /// Starts `kamiflow review serve --port 0 arguments…` in `folder` and returns it with the address it printed on
    /// its first line (http or https).
    static func startReviewServe(
        _ arguments: [String], in folder: String, environment extra: [String: String] = [:]
    ) throws -> (process: Process, base: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["review", "serve", "--port", "0"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = environment(extra)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: #"https?://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
            process.terminate()
            throw KamiflowError(.io, "review serve did not say where it listens: \(text)")
        }
        return (process, String(text[range]))
    }

    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `kamiflow arguments…` in `folder` to the end. Standard error goes through a file, so that a chatty
    /// child never blocks on a full pipe while we read the other one.
    static func run(_ arguments: [String], in folder: String, environment extra: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = environment(extra)
        let errorFile = NSTemporaryDirectory() + "kamiflow-e2e-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errorFile)
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? Data(contentsOf: URL(fileURLWithPath: errorFile))) ?? Data()
        return Run(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self))
    }
}

/// A fresh folder under the system's temporary folder.
struct TemporaryFolder {
    let path: String

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }.prefix(40)
        path = NSTemporaryDirectory() + "kamiflow-e2e-\(safe)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The shipped 児童手当 workflow file.
let shippedJidouTeate = PythonClient.repositoryRoot.appendingPathComponent("Workflows/jidou-teate-nintei.yaml").path

/// SHA-256 of a file's bytes, hex: the scan id the journal gives it.
func scanID(of path: String) throws -> String {
    KamiflowCore.SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: path)))
}
