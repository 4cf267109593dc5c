import Foundation
import KamiflowTesting
import Testing

/// The deployment file through the built `kamiflow`: one loader for the whole file, every key checked.
@Suite("Deployment file", .enabled(if: executableBuilt))
struct DeploymentFileTests {
    static func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("kamiflow-deploy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("a node name that could not name leases, and a heartbeat too short, are located errors")
    func nodeSettings() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        kamiflow: 1
        node: "scanner #1"
        heartbeat: 10ms
        """.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try kamiflow(["validate", "--deployment", "bad.yaml"], in: folder)
        #expect(bad.status != 0)
        #expect(
            bad.output.split(separator: "\n").map(String.init).prefix(2) == [
                "bad.yaml:2:7: error: 'node' is 1 to 63 letters, digits, '.', '_' or '-', not 'scanner #1'",
                "bad.yaml:3:12: error: 'heartbeat' must be at least 100ms, not 10ms",
            ], "\(bad.output)")
        try """
        kamiflow: 1
        node: scanner-1.city_hall
        heartbeat: 2s
        """.write(to: folder.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        let good = try kamiflow(["validate", "--deployment", "good.yaml"], in: folder)
        #expect(good.status == 0, "\(good.output)\(good.errors)")
    }

    @Test("a misspelt key in every section is a located error with a suggestion, all reported at once")
    func misspeltKeys() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        kamiflow: 1
        journl: j.sqlite
        workers: many
        connections:
          core:
            type: sqlite
            pth: x.sqlite
          kokuho-file:
            type: fixed-width
            folder: out
            layout:
              - {field: a, byte: 2, type: C}
        watch:
          setle: 3s
          inboxes:
            - {path: in, workflw: w.yaml}
        schedules:
          - name: nightly
            cron: "0 2 * * *"
            skip_holiday: true
            run: {workflow: w.yaml, input: [a]}
          - name: zone
            cron: "0 2 * * *"
            time_zone: Mars/Olympus
            run: {workflow: w.yaml, inputs: []}
        missed_run_grce: 1h
        wokers: 2
        """.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let run = try kamiflow(["validate", "--deployment", "bad.yaml"], in: folder)
        #expect(run.status != 0)
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "bad.yaml:2:1: error: unknown key 'journl' in the deployment file (did you mean 'journal'?)",
                "bad.yaml:3:10: error: 'workers' must be a whole number, found 'many'",
                "bad.yaml:7:5: error: connection 'core': unknown setting 'pth' (did you mean 'path'?)",
                "bad.yaml:12:20: error: unknown key 'byte' in connection 'kokuho-file': layout item 1 "
                    + "(did you mean 'bytes'?)",
                "bad.yaml:14:3: error: unknown key 'setle' in 'watch' (did you mean 'settle'?)",
                "bad.yaml:16:18: error: unknown key 'workflw' in inbox 1 of 'watch' (did you mean 'workflow'?)",
                "bad.yaml:20:5: error: unknown key 'skip_holiday' in schedule 'nightly' (did you mean 'skip_holidays'?)",
                "bad.yaml:21:29: error: unknown key 'input' in 'run' of schedule 'nightly' (did you mean 'inputs'?)",
                "bad.yaml:24:16: error: schedule 'zone': unknown time zone 'Mars/Olympus'",
                "bad.yaml:26:1: error: unknown key 'missed_run_grce' in the deployment file "
                    + "(did you mean 'missed_run_grace'?)",
                "bad.yaml:27:1: error: unknown key 'wokers' in the deployment file (did you mean 'workers'?)",
                "1 file checked: 11 error(s), 0 warning(s)",
            ])
        // Every command that reads the file refuses it the same way, before anything starts.
        let serve = try kamiflow(["serve", "--deployment", "bad.yaml"], in: folder)
        #expect(serve.status == 78)
        #expect(serve.errors.contains("bad.yaml:20:5: error: unknown key 'skip_holiday'"), "\(serve.errors)")
    }

    @Test("a value of the wrong shape is located at the value")
    func wrongValues() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        watch:
          settle: soon
          inboxes:
            - {path: in, workflow: w.yaml}
        schedules:
          - name: nightly
            cron: "0 2 * * *"
            skip_holidays: often
            run: {workflow: w.yaml, inputs: [a]}
          - name: hourly
            cron: "0 25 * * *"
            run: {workflow: w.yaml, inputs: [a]}
        missed_run_grace: later
        """.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let run = try kamiflow(["validate", "--deployment", "bad.yaml"], in: folder)
        #expect(run.status != 0)
        let lines = run.output.split(separator: "\n").map(String.init)
        try #require(lines.count == 5, "\(run.output)")
        #expect(lines[0].hasPrefix("bad.yaml:2:11: error: 'watch': 'soon' is not a duration"), "\(lines[0])")
        #expect(lines[1] == "bad.yaml:8:20: error: schedule 'nightly': 'skip_holidays' must be true or false")
        let cron = "bad.yaml:11:11: error: schedule 'hourly': "
        #expect(lines[2].hasPrefix(cron) && lines[2].dropFirst(cron.count).contains("hour"), "\(lines[2])")
        #expect(
            lines[3].hasPrefix("bad.yaml:13:19: error: 'missed_run_grace': 'later' is not a duration"), "\(lines[3])")
        #expect(lines[4] == "1 file checked: 4 error(s), 0 warning(s)")
    }

    @Test("the example deployment file in docs loads cleanly, every section of it")
    func example() throws {
        let root = PythonClient.repositoryRoot
        let run = try kamiflow(["validate", "--deployment", "docs/kamiflow.example.yaml"], in: root)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output == "1 file checked: 0 error(s), 0 warning(s)\n")
        let text = try String(contentsOf: root.appendingPathComponent("docs/kamiflow.example.yaml"), encoding: .utf8)
        let sections = [
            "kamiflow:", "connections:", "journal:", "workers:", "watch:", "schedules:", "missed_run_grace:",
        ]
        for section in sections {
            #expect(text.contains("\n" + section), "the example has no \(section) section")
        }
    }

    @Test("the deployment file's JSON Schema accepts the example and refuses a misspelt key (Python jsonschema)")
    func schema() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let printed = try kamiflow(["schema", "--deployment"], in: folder)
        #expect(printed.status == 0)
        let schema = folder.appendingPathComponent("deployment.schema.json")
        try printed.output.write(to: schema, atomically: true, encoding: .utf8)
        let example = PythonClient.repositoryRoot.appendingPathComponent("docs/kamiflow.example.yaml")
        let good = try PythonClient.validate(document: example.path, schema: schema.path)
        #expect(good.status == 0, "\(good.output)")
        let bad = folder.appendingPathComponent("bad.yaml")
        try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "skip_holidays:", with: "skip_holiday:")
            .replacingOccurrences(of: "requester_code:", with: "requester_cod:")
            .write(to: bad, atomically: true, encoding: .utf8)
        let refused = try PythonClient.validate(document: bad.path, schema: schema.path)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("schedules/0"), "\(refused.output)")
        #expect(refused.output.contains("connections/furikomi"), "\(refused.output)")
    }
}
