import Foundation
import GRDB
import KamiflowCore
import KamiflowForms
import KamiflowRuntime
import KamiflowServer
import KamiflowTesting
import Testing

/// The review station in the browser, end to end: a real rendered claim with a wrong check digit in the claimant's
/// individual number is read by `kamiflow run` and waits in review; `kamiflow review serve` serves it on an
/// ephemeral 127.0.0.1 port; Debian's headless Chromium, driven by selenium (`Tests/browser/review_station.py`),
/// logs in, opens the queue, corrects the field with the keyboard alone, accepts; the record arrives once in the
/// embedded core system. On the way: a wrong password and token-less forms are refused, a reviewer never receives
/// the masked value, a supervisor's reveal is audited, and a second browser cannot take a record another holds.
@Suite("review station in the browser", .serialized)
struct ReviewWebTests {
    static let script = PythonClient.repositoryRoot.appendingPathComponent("Tests/browser/review_station.py").path

    /// Runs `kamiflow arguments…` in `folder` with `input` on standard input (a password, never an argument).
    static func run(_ arguments: [String], in folder: String, input: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: KamiflowBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = KamiflowBinary.environment()
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Starts `kamiflow review serve --port 0` and returns it with the address it printed.
    static func serve(
        in folder: String, workflow: String = shippedJidouTeate, extra: [String] = []
    ) throws -> (process: Process, base: String) {
        try KamiflowBinary.startReviewServe(["--workflow", workflow] + extra, in: folder)
    }

    @Test("log in, correct a flagged field by keyboard, accept, delivered once; CSRF, masking, reveal and leases")
    func keyboardCorrectionInChromium() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
            "chromium-driver is not installed (make deps installs it)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("scans"), withIntermediateDirectories: true)
        let (scan, truth) = try await ReviewStationTests.plantedClaim(in: folder.file("scans"))
        let written = try #require(truth.values["claimant.mynumber"])
        let right = ReviewStationTests.corrected(written)
        // What the reviewer types: the right number in full-width digits (全角), as a Japanese IME delivers it once
        // the composition is confirmed. The station must check and deliver it as `review accept --set` would: ASCII.
        let typed = String(
            right.unicodeScalars.map { Character(Unicode.Scalar($0.value - 0x30 + 0xFF10) ?? $0) })

        let read = try KamiflowBinary.run(["run", shippedJidouTeate, "scans"], in: folder.path)
        #expect(read.status == 1, "run: \(read.errors)")
        #expect(try ReviewStationTests.coreRows(folder.path).isEmpty)
        #expect(
            try Self.run(["users", "add", "窓口山田", "--role", "reviewer"], in: folder.path, input: "yamada-pass-1\n") == 0
        )
        #expect(
            try Self.run(["users", "add", "sato", "--role", "supervisor"], in: folder.path, input: "sato-pass-22\n")
                == 0)
        let stationFile = folder.file(".kamiflow/review-station.sqlite")
        let mode = try FileManager.default.attributesOfItem(atPath: stationFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let (server, base) = try Self.serve(in: folder.path)
        defer { server.terminate() }
        let screenshots = ProcessInfo.processInfo.environment["KAMIFLOW_SCREENSHOTS"] ?? ""
        let settings: [String: Any] = [
            "base": base, "reviewer": ["窓口山田", "yamada-pass-1"], "supervisor": ["sato", "sato-pass-22"],
            "record": "/records/1/0", "sensitive_field": "claimant.mynumber", "as_read": written, "corrected": right,
            "typed": typed, "screenshots": screenshots,
        ]
        let settingsFile = folder.file("browser.json")
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: settingsFile))
        let browser = try PythonClient.run([Self.script, settingsFile])
        try #require(browser.status == 0, "the browser script failed: \(browser.errorOutput.suffix(3000))")
        let line = try #require(browser.output.split(separator: "\n").last)
        let found = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])

        // Logging in.
        #expect(found["wrong_password_refused"] as? Bool == true)
        #expect(found["login_without_token"] as? Int == 403)
        // The supervisor sees the value only after revealing it.
        #expect(found["supervisor_masked_before_reveal"] as? Bool == true)
        #expect(found["supervisor_sees_revealed"] as? Bool == true)
        // The queue and the record.
        #expect(found["queue_lists_record"] as? Bool == true)
        #expect((found["queue_reasons"] as? [String])?.first?.contains("検査用数字") == true, "\(found)")
        #expect(found["record_url"] as? String == "/records/1/0")
        #expect((found["flagged_paths"] as? [String])?.contains("claimant.mynumber") == true)
        #expect(found["focus_on_first"] as? Bool == true)
        // A reviewer never receives the masked value; URLs carry none.
        #expect(found["reviewer_html_has_value"] as? Bool == false)
        #expect(found["reviewer_html_has_corrected"] as? Bool == false)
        #expect(found["urls_without_values"] as? Bool == true)
        // Two browsers, one record.
        #expect(found["second_browser_locked"] as? Bool == true)
        // A reviewer cannot reveal, even with the session's token.
        #expect(found["reviewer_reveal"] as? Int == 403)
        // A form without the CSRF token is refused.
        #expect(found["accept_without_token"] as? Int == 403)
        // The wrong number's error shows beside the field and accept waits; the right one clears it.
        #expect((found["error_beside_field"] as? String)?.contains("検査用数字") == true, "\(found)")
        #expect(found["accept_disabled_with_error"] as? Bool == true)
        #expect(found["focus_after_last"] as? String == "accept")
        #expect((found["errors_after_correction"] as? [String]) == [])
        #expect(found["record_gone_from_queue"] as? Bool == true)
        if let seconds = found["seconds_per_flagged_field"] {
            print("review station: keyboard-only correction took \(seconds) s per flagged field in the browser")
        }

        // Delivered once, with the corrected number as typed in full-width digits, normalised to ASCII, under the
        // run's idempotency key.
        #expect(typed != right && typed.unicodeScalars.allSatisfy { (0xFF10...0xFF19).contains($0.value) })
        let rows = try ReviewStationTests.coreRows(folder.path)
        #expect(rows.count == 1)
        #expect(rows.first?["kojin_bango"] as String? == right)
        #expect(rows.first?["idempotency_key"] as String? == "\(try scanID(of: scan))-jidou-teate-nintei-0")

        // The audit trail: the journal has the decision (who, what changed, masked); the station has who saw and
        // revealed what.
        let journal = try SQLiteJournal(
            configuration: JournalConfiguration(path: folder.file(".kamiflow/journal.sqlite")))
        let decisions = try await journal.reviewAudit(of: 1)
        #expect(decisions.map(\.reviewer) == ["窓口山田"])
        #expect(decisions.first?.changes.map(\.field) == ["claimant.mynumber"])
        #expect(decisions.first?.changes.first?.after == Redactor.mask)
        let trail = try StationStore(path: stationFile).auditTrail()
        #expect(trail.contains { $0.user == "sato" && $0.action == "reveal" && $0.scan == 1 })
        #expect(trail.contains { $0.user == "窓口山田" && $0.action == "view" && $0.detail == nil })
        #expect(trail.contains { $0.user == "窓口山田" && $0.action == "accept" })
        #expect(!trail.contains { $0.user == "窓口山田" && $0.action == "reveal" })
        for line in trail { #expect(!(line.detail ?? "").contains(written) && !(line.detail ?? "").contains(right)) }
    }

    @Test("--language en: the login page, the queue with its reasons and a record page are in English")
    func englishPages() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("records"), withIntermediateDirectories: true)
        try #"""
        {"records": [{"workflow": "jidou-teate-nintei", "route": "review", "pages": [0], "fields": [
          {"path": "claimant.name", "type": "text", "value": "山田 太郎", "confidence": 41,
           "issues": [{"code": "lowConfidence", "severity": "warning", "message": "read with confidence 41",
                       "fields": ["claimant.name"]}]}]}]}
        """#.write(toFile: folder.file("records/one.json"), atomically: true, encoding: .utf8)
        let read = try KamiflowBinary.run(["run", "--record-files", shippedJidouTeate, "records"], in: folder.path)
        #expect(read.status == 1, "run: \(read.errors)")
        #expect(
            try Self.run(["users", "add", "clerk", "--role", "reviewer"], in: folder.path, input: "clerk-pass-1\n") == 0
        )
        let (server, base) = try Self.serve(in: folder.path, extra: ["--language", "en"])
        defer { server.terminate() }
        let answer = try PythonClient.run(
            script: """
                import http.cookiejar, json, re, sys, urllib.parse, urllib.request
                base = sys.argv[1]
                opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
                login = opener.open(base + "/login").read().decode()
                token = re.search(r'name="csrf" value="([0-9a-f]+)"', login).group(1)
                queue = opener.open(base + "/login", data=urllib.parse.urlencode(
                    {"csrf": token, "user": "clerk", "password": "clerk-pass-1"}).encode()).read().decode()
                record = opener.open(base + "/next")
                print(json.dumps({"login": login, "queue": queue, "record": record.read().decode(),
                                  "record_url": urllib.parse.urlparse(record.geturl()).path}, ensure_ascii=False))
                """, arguments: [base])
        #expect(answer.status == 0, "\(answer.errorOutput)")
        let pages = try #require(
            try JSONSerialization.jsonObject(with: Data(answer.output.utf8)) as? [String: String], "\(answer.output)")
        let login = pages["login"] ?? "", queue = pages["queue"] ?? "", record = pages["record"] ?? ""
        #expect(login.contains(#"<html lang="en">"#) && login.contains("Log in") && !login.contains("ログイン"))
        #expect(queue.contains("Waiting for review") && queue.contains("The reading is uncertain"), "\(queue)")
        #expect(!queue.contains("確認待ち") && !queue.contains("読み取りに自信がありません"))
        #expect(pages["record_url"] == "/records/1/0")
        #expect(record.contains("Accept (F8)") && record.contains("Reject (F9)") && !record.contains("確定"), "\(record)")
    }

    /// Runs one of the browser scripts with `settings`; what it saw.
    static func browse(_ script: String, _ settings: [String: Any], in folder: TemporaryFolder) throws -> [String: Any]
    {
        let file = folder.file("browser-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: file))
        let path = PythonClient.repositoryRoot.appendingPathComponent("Tests/browser/" + script).path
        let browser = try PythonClient.run([path, file])
        try #require(browser.status == 0, "\(script) failed: \(browser.errorOutput.suffix(3000))")
        let line = try #require(browser.output.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("double entry: two reviewers key the account number blind, differ, and the supervisor decides")
    func doubleEntryInChromium() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"), "chromium-driver missing")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The shipped 児童手当 workflow with the account number keyed twice.
        let shipped = try String(contentsOfFile: shippedJidouTeate, encoding: .utf8)
        let workflow = folder.file("jidou-teate-double.yaml")
        let doubled = shipped.replacingOccurrences(
            of: "  always: [account.number]\n", with: "  always: [account.number]\n  double_entry: [account.number]\n")
        #expect(doubled != shipped)
        try doubled.write(toFile: workflow, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder.file("scans"), withIntermediateDirectories: true)
        let (_, truth) = try await ReviewStationTests.plantedClaim(in: folder.file("scans"))
        let right = ReviewStationTests.corrected(try #require(truth.values["claimant.mynumber"]))
        let account = try #require(truth.values["account.number"])
        let wrong = String(account.dropLast()) + (account.last == "1" ? "2" : "1")

        let read = try KamiflowBinary.run(["run", workflow, "scans"], in: folder.path)
        #expect(read.status == 1, "run: \(read.errors)")
        for (name, role, password) in [
            ("窓口山田", "reviewer", "yamada-pass-1"), ("窓口鈴木", "reviewer", "suzuki-pass-1"),
            ("sato", "supervisor", "sato-pass-22"),
        ] {
            #expect(try Self.run(["users", "add", name, "--role", role], in: folder.path, input: password + "\n") == 0)
        }
        let (server, base) = try Self.serve(in: folder.path, workflow: workflow)
        defer { server.terminate() }
        let found = try Self.browse(
            "double_entry.py",
            [
                "base": base, "reviewers": [["窓口山田", "yamada-pass-1"], ["窓口鈴木", "suzuki-pass-1"]],
                "supervisor": ["sato", "sato-pass-22"], "record": "/records/1/0", "field": "account.number",
                "right": account, "wrong": wrong, "corrections": ["claimant.mynumber": right],
                "screenshots": ProcessInfo.processInfo.environment["KAMIFLOW_SCREENSHOTS"] ?? "",
            ], in: folder)

        #expect((found["first_paths"] as? [String])?.contains("account.number") == true, "\(found)")
        #expect(found["first_page_has_right"] as? Bool == false)
        #expect(found["second_page_has_right"] as? Bool == false)
        #expect((found["queue_after_first"] as? String)?.contains("1人目の入力済み") == true, "\(found)")
        #expect((found["first_again"] as? String)?.contains("2人目の入力は別の担当者") == true, "\(found)")
        #expect((found["second_again"] as? String)?.contains("監督者が確認します") == true, "\(found)")
        #expect((found["supervisor_queue"] as? String)?.contains("食い違い") == true, "\(found)")
        #expect(found["supervisor_masked"] as? Bool == true)
        #expect(found["supervisor_sees_both"] as? Bool == true)
        #expect(found["after_decision"] as? String == "/", "\(found)")

        let rows = try ReviewStationTests.coreRows(folder.path)
        #expect(rows.count == 1)
        #expect(rows.first?["koza_bango"] as String? == account)
        #expect(rows.first?["kojin_bango"] as String? == right)
        let trail = try StationStore(path: folder.file(".kamiflow/review-station.sqlite")).auditTrail()
        #expect(trail.contains { $0.user == "窓口山田" && $0.action == "first-entry" })
        #expect(trail.contains { $0.user == "窓口鈴木" && $0.action == "second-entry-differs" })
        #expect(trail.contains { $0.user == "sato" && $0.action == "supervisor-decides" })
        // The blind entries (typed values, in clear) were the journal's, and went with the decision.
        let journal = try SQLiteJournal(
            configuration: JournalConfiguration(path: folder.file(".kamiflow/journal.sqlite")))
        #expect(try await journal.doubleEntries(scan: 1, index: 0).isEmpty)
        #expect(try await journal.doubleEntryStates().isEmpty)
    }

    @Test("authoring view: a workflow's zones on its blank form with their YAML lines, and a scan's extraction over it")
    func authoringViewInChromium() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"), "chromium-driver missing")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("scans"), withIntermediateDirectories: true)
        let (_, truth) = try await ReviewStationTests.plantedClaim(in: folder.file("scans"))
        let secret = try #require(truth.values["claimant.mynumber"])
        let read = try KamiflowBinary.run(["run", shippedJidouTeate, "scans"], in: folder.path)
        #expect(read.status == 1, "run: \(read.errors)")
        #expect(
            try Self.run(["users", "add", "clerk", "--role", "reviewer"], in: folder.path, input: "clerk-pass-1\n") == 0
        )
        #expect(
            try Self.run(["users", "add", "author", "--role", "admin"], in: folder.path, input: "author-pass-1\n") == 0)
        let (server, base) = try Self.serve(in: folder.path)
        defer { server.terminate() }
        let found = try Self.browse(
            "authoring.py",
            [
                "base": base, "reviewer": ["clerk", "clerk-pass-1"], "admin": ["author", "author-pass-1"],
                "workflow": "jidou-teate-nintei", "secret": secret,
                "screenshots": ProcessInfo.processInfo.environment["KAMIFLOW_SCREENSHOTS"] ?? "",
            ], in: folder)

        #expect(found["reviewer_has_link"] as? Bool == false)
        #expect((found["reviewer_page"] as? String)?.contains("この操作はできません") == true, "\(found)")
        // The blank form as Kamiflow renders it (A4 at 150 dpi), every field with the line that declares it.
        #expect(found["template_width"] as? Int == 1240, "\(found)")
        let lines = try String(contentsOfFile: shippedJidouTeate, encoding: .utf8).components(separatedBy: "\n")
        let declared = try #require(lines.firstIndex { $0.hasPrefix("    claimant.mynumber:") }) + 1
        let templateRows = found["template_rows"] as? [String] ?? []
        #expect(templateRows.count == 31, "\(templateRows)")
        #expect(
            templateRows.contains {
                $0.hasPrefix("claimant.mynumber") && $0.contains("jidou-teate-nintei.yaml:\(declared)")
            },
            "\(templateRows)")
        #expect((found["template_url"] as? String)?.hasSuffix("/author/jidou-teate-nintei") == true)
        // The planted claim read again as the runner reads it: the page at 300 dpi, registered, values masked.
        #expect(found["scan_width"] as? Int == 2480, "\(found)")
        #expect((found["scan_url"] as? String)?.hasSuffix("/author/jidou-teate-nintei?scan=1") == true)
        #expect((found["scan_caption"] as? String)?.contains("registered by marks") == true, "\(found)")
        let scanRows = found["scan_rows"] as? [String] ?? []
        #expect(scanRows.contains { $0.hasPrefix("claimant.mynumber") && $0.contains("●●●●") }, "\(scanRows)")
        #expect(found["secret_in_page"] as? Bool == false)
        let trail = try StationStore(path: folder.file(".kamiflow/review-station.sqlite")).auditTrail()
        #expect(trail.contains { $0.user == "author" && $0.action == "author" && $0.scan == 1 })
    }

    @Test("kamiflow serve --review-port serves the station beside a drop folder: /health, /metrics, the headers")
    func inTheLongRunningProcess() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("inbox"), withIntermediateDirectories: true)
        try """
        kamiflow: 1
        connections:
          jidou-teate: {type: sqlite, path: core.sqlite, table: jidou-teate}
        watch:
          inboxes:
            - {path: inbox, workflow: \(shippedJidouTeate)}
        """.write(toFile: folder.file("kamiflow.yaml"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: KamiflowBinary.path)
        process.arguments = ["serve", "--review-port", "0"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.environment = KamiflowBinary.environment()
        let log = folder.file("serve.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { process.terminate() }
        var base: String?
        for _ in 0..<240 where base == nil && process.isRunning {
            try await Task.sleep(for: .milliseconds(500))
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            base = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(text[$0]) }
        }
        let address = try #require(
            base, "serve did not start the review station: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")"
        )
        let answer = try PythonClient.run(
            script: """
                import sys, urllib.request
                health = urllib.request.urlopen(sys.argv[1] + "/health")
                print(health.read().decode().strip())
                print(health.headers["Content-Security-Policy"])
                print(health.headers["X-Frame-Options"], health.headers["Cache-Control"])
                print(urllib.request.urlopen(sys.argv[1] + "/metrics").read().decode())
                """, arguments: [address])
        #expect(answer.status == 0, "\(answer.errorOutput)")
        let lines = answer.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "ok")
        #expect(lines.dropFirst().first?.contains("frame-ancestors 'none'") == true)
        #expect(lines.dropFirst(2).first == "DENY no-store")
        #expect(lines.contains("kamiflow_review_queue_length 0"))
        #expect(lines.contains(#"kamiflow_scans{state="in-review"} 0"#))
        // serve is a node of its journal, beating: up, holding nothing, seen within its heartbeat.
        let pid = process.processIdentifier
        #expect(
            lines.contains {
                $0.hasPrefix("kamiflow_node_up{node=\"") && $0.contains("/\(pid)/") && $0.hasSuffix("} 1")
            },
            "\(lines)")
        #expect(lines.contains { $0.hasPrefix("kamiflow_node_leases{") && $0.hasSuffix("} 0") }, "\(lines)")
        #expect(process.isRunning)
    }
}
