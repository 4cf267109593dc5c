import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowRuntimeFixtures
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Crash and resume")
struct CrashResumeTests {
    /// The drill executable SwiftPM built beside this test bundle.
    static var drill: String {
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent(name).path
    }
    static let name = "kamiflow-runtime-drill"

    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.drill)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("SIGKILL at random moments, then a re-run: every scan delivered exactly once, none lost, the duplicate never")
    func killAndRerun() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.drill), "drill not built at \(Self.drill)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let inbox = folder.file("in")
        let scans = try ScanFiles.batch(in: inbox, count: 40)
        try FileManager.default.copyItem(atPath: scans[7], toPath: inbox + "/scan-007-again.json")
        let journalPath = folder.file("journal.sqlite")
        let core = folder.file("core.jsonl")
        let arguments = [journalPath, core, "15", "3", inbox]

        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<8 {
            let child = try start(arguments)
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...250, using: &generator)))
            if child.isRunning {
                kill(child.processIdentifier, SIGKILL)
                kills += 1
            }
            child.waitUntilExit()
        }
        // The last run is left alone to finish; bounded, in case it hangs.
        let last = try start(arguments)
        let deadline = Date(timeIntervalSinceNow: 120)
        while last.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if last.isRunning { kill(last.processIdentifier, SIGKILL) }
        last.waitUntilExit()
        #expect(last.terminationReason == .exit && last.terminationStatus == 0)
        #expect(kills > 0)

        let lines = JSONLinesCoreSystem.lines(at: core)
        var perKey: [String: Int] = [:]
        for line in lines { perKey[line["key"] as! String, default: 0] += 1 }
        #expect(perKey.count == 40)
        #expect(perKey.values.allSatisfy { $0 == 1 })
        let serials = Set(lines.compactMap { ($0["fields"] as? [String: String])?["serial"] })
        #expect(serials == Set((0..<40).map { "scan-\($0)" }))

        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: journalPath))
        #expect(try await journal.counts() == [.delivered: 40, .duplicate: 1])
    }
}
