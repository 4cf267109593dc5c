import AsyncHTTPClient
import Foundation
import KamiflowServer
import KamiflowTesting
import NIOCore
import NIOHTTP1
import Testing

/// The built `kamiflow` executable, beside the test runner in the build folder (`swift build --build-tests` and
/// `make test` build it); the tests that need it are skipped when it is not there.
let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("kamiflow")
let executableBuilt = FileManager.default.isExecutableFile(atPath: executable.path)

struct Run {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs `kamiflow arguments…` in `folder` to the end; through `launcher` when given (e.g. `ip netns exec NS`).
func kamiflow(
    _ arguments: [String], in folder: URL, environment: [String: String] = [:], through launcher: [String] = []
) throws -> Run {
    let process = Process()
    process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? executable
    process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [executable.path] + arguments
    process.currentDirectoryURL = folder
    var inherited = ProcessInfo.processInfo.environment
    // The shipped workflows' witnesses need the masters `make test` imports into the repository's .kamiflow/.
    if inherited["KAMIFLOW_MASTERS"] == nil {
        inherited["KAMIFLOW_MASTERS"] =
            PythonClient.repositoryRoot.appendingPathComponent(".kamiflow/masters.sqlite").path
    }
    process.environment = inherited.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
        errors: String(decoding: errors, as: UTF8.self))
}

@Suite("kamiflow command line", .enabled(if: executableBuilt))
struct CommandLineTests {
    @Test("kamiflow connections reports every mistake of a deployment file with its position")
    func deploymentDiagnostics() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        connections:
          core:
            type: sqlite
            pth: x.sqlite
          web:
            type: http
            url: http://127.0.0.1:8088/v1
            max_attempts: many
          nope:
            type: ftp
          rpa:
            type: csv
            folder: out
            encoding: sjis
        """.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let run = try kamiflow(["connections", "--deployment", "bad.yaml"], in: folder)
        #expect(run.status != 0)
        let lines = run.errors.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "bad.yaml:4:5: error: connection 'core': unknown setting 'pth' (did you mean 'path'?)",
                "bad.yaml:8:19: error: connection 'web': 'max_attempts' must be a whole number",
                "bad.yaml:10:11: error: connection 'nope': unknown type 'ftp' "
                    + "(one of: http, sqlite, csv, fixed-width, zengin, jsonl)",
                "bad.yaml:14:15: error: connection 'rpa': 'sjis' is not one of: utf-8, cp932 at 'encoding'",
            ])
    }

    @Test("kamiflow connections resolves paths against the file and checks that token variables are set")
    func deploymentListing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        connections:
          jidou:
            type: http
            url: http://127.0.0.1:8088/v1
            resource: jidou-teate
            token_env: KAMIFLOW_TEST_JIDOU_TOKEN
          core:
            type: sqlite
            path: .kamiflow/core.sqlite
        """.write(to: folder.appendingPathComponent("kamiflow.yaml"), atomically: true, encoding: .utf8)
        let missing = try kamiflow(["connections"], in: folder)
        #expect(missing.status != 0)
        #expect(missing.output.contains("error: token_env KAMIFLOW_TEST_JIDOU_TOKEN is not set"))
        let set = try kamiflow(["connections"], in: folder, environment: ["KAMIFLOW_TEST_JIDOU_TOKEN": "x"])
        #expect(set.status == 0, "\(set.errors)")
        #expect(set.output.contains("jidou: http → http://127.0.0.1:8088/v1/jidou-teate"))
        #expect(
            set.output.contains("core: sqlite → \(folder.resolvingSymlinksInPath().path)/.kamiflow/core.sqlite")
                || set.output.contains("core: sqlite → \(folder.path)/.kamiflow/core.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".kamiflow").path))
    }

    @Test("the example deployment file in docs parses, binding every connection the shipped workflows name")
    func exampleDeployment() throws {
        let example = PythonClient.repositoryRoot.appendingPathComponent("docs/kamiflow.example.yaml")
        let run = try kamiflow(
            ["connections", "--deployment", example.path], in: FileManager.default.temporaryDirectory,
            environment: ["KAMIFLOW_CORE_TOKEN": "x"])
        #expect(run.status == 0, "\(run.errors)")
        let workflows = try FileManager.default.contentsOfDirectory(
            at: PythonClient.repositoryRoot.appendingPathComponent("Workflows"), includingPropertiesForKeys: nil)
        var named: Set<String> = []
        for file in workflows where file.pathExtension == "yaml" {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            where line.trimmingCharacters(in: .whitespaces).hasPrefix("- to:") {
                named.insert(String(line.split(separator: ":").last!).trimmingCharacters(in: .whitespaces))
            }
        }
        #expect(!named.isEmpty)
        for connection in named {
            #expect(run.output.contains("  \(connection): "), "no connection '\(connection)' in the example")
        }
    }

    @Test("validate and connections check: the shipped workflows fit the simulator and the example deployment")
    func shippedMappingsFit() throws {
        let root = PythonClient.repositoryRoot
        let workflows = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("Workflows").path
        )
        .filter { $0.hasSuffix(".yaml") }.sorted().map { "Workflows/" + $0 }
        let validate = try kamiflow(["validate"] + workflows, in: root)
        #expect(validate.status == 0, "\(validate.output)")
        #expect(validate.output.contains("\(workflows.count) files checked: 0 error(s), 0 warning(s)"))
        #expect(workflows.count == 7)
        let check = try kamiflow(
            ["connections", "check", "--deployment", "docs/kamiflow.example.yaml"] + workflows, in: root,
            environment: ["KAMIFLOW_CORE_TOKEN": "x"])
        #expect(check.status == 0, "\(check.output)\(check.errors)")
        for file in workflows { #expect(check.output.contains("\(file): every mapping fits its connection")) }
    }

    @Test("validate --deployment checks a mapping against the OpenAPI document a running core system serves")
    func validateAgainstServedContract() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workflow = try String(
            contentsOf: PythonClient.repositoryRoot.appendingPathComponent("Workflows/kyufukin-shinsei.yaml"),
            encoding: .utf8
        ).replacingOccurrences(of: "denwa_bango: head.phone", with: "denwa: head.phone")
        try workflow.write(to: folder.appendingPathComponent("k.yaml"), atomically: true, encoding: .utf8)
        let configuration = CoreSimulator.Configuration(databasePath: folder.appendingPathComponent("sim.sqlite").path)
        try await CoreSimulator.withRunning(configuration) { _, port in
            let deployment = """
                connections:
                  kyufukin: {type: http, url: "http://127.0.0.1:\(port)/v1", resource: kyufukin}
                  furikomi: {type: jsonl, folder: out}
                """
            try deployment.write(to: folder.appendingPathComponent("kamiflow.yaml"), atomically: true, encoding: .utf8)
            let run = try kamiflow(["validate", "k.yaml"], in: folder)
            #expect(run.status != 0)
            let line =
                try #require(workflow.components(separatedBy: "\n").firstIndex { $0.contains("denwa: head.phone") }) + 1
            #expect(
                run.output.contains(
                    "k.yaml:\(line):7: error: the schema KyufukinShinsei (POST /v1/kyufukin) has no field 'denwa' "
                        + "(did you mean 'denwa_bango'?)"), "\(run.output)")
            #expect(run.output.contains("1 file checked: 1 error(s)"))
            // run refuses to start on it, before any scan is read or any journal is made.
            let start = try kamiflow(["run", "k.yaml", "."], in: folder)
            #expect(start.status == 64)
            #expect(start.errors.contains("has no field 'denwa' (did you mean 'denwa_bango'?)"), "\(start.errors)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".kamiflow").path))
        }
    }

    @Test("kamiflow core-sim serve listens on the port it reports and stops gracefully on SIGTERM")
    func coreSimServe() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["core-sim", "serve", "--port", "0", "--token", "cli-token"]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Log lines may come first; the announcement is "core-sim: http://127.0.0.1:<port>/ …".
        var seen = ""
        let marker = "core-sim: http://127.0.0.1:"
        while !(seen.range(of: marker).map { seen[$0.upperBound...].contains("/") } ?? false) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        let announced = seen.range(of: marker).map { seen[$0.upperBound...].prefix { $0.isNumber } }
        let port = try #require(announced.flatMap { Int($0) }, "no port announced in: \(seen)")
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/shomeisho")
        request.headers.add(name: "Authorization", value: "Bearer cli-token")
        let response = try await client.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        try await client.shutdown()
        #expect(response.status.code == 200)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".kamiflow/core-sim.sqlite").path))
    }
}
