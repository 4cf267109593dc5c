import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowRuntime
import KamiflowServer
import KamiflowTesting
import KamiflowWorkflow
import Logging
import Testing

/// Issue 16: the review station on two machines sharing one PostgreSQL journal. Two real `kamiflow review serve`
/// processes, each in a folder of its own (its own accounts and sessions), listen on two ports of 127.0.0.1 and
/// deliver to the simulated 児童手当 system over HTTP. Two real claims, read by `kamiflow run` into the shared
/// journal, wait in review with their account number keyed twice, blind. A reviewer on node A holds one; a second
/// reviewer on node B is told it is taken and gets the other; the first entry typed on A is finished on B by the
/// second reviewer, and the record arrives once in the simulator.
@Suite("review station on two nodes sharing a PostgreSQL journal", .serialized)
struct ReviewStationNodesTests {
    /// One HTTP step of a browser-less client with a cookie jar in a file, without following redirects: `login`
    /// (name, password), `get` (path), or `accept` (the record's page is read for its CSRF token and the inputs of
    /// the flagged fields, then the values, by field path, are posted). Prints what the station answered as JSON.
    static let client = #"""
        import html, http.cookiejar, json, re, sys, urllib.error, urllib.parse, urllib.request
        jar_file, base, action, args = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
        jar = http.cookiejar.MozillaCookieJar(jar_file)
        try:
            jar.load(ignore_discard=True, ignore_expires=True)
        except FileNotFoundError:
            pass
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *arguments, **keywords):
                return None
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        def call(path, form=None):
            data = urllib.parse.urlencode(form).encode() if form is not None else None
            try:
                answer = opener.open(base + path, data=data, timeout=120)
            except urllib.error.HTTPError as error:
                answer = error
            return {"status": answer.status if hasattr(answer, "status") else answer.code,
                    "location": answer.headers.get("Location", ""), "body": answer.read().decode()}
        def csrf(page):
            return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        if action == "login":
            page = call("/login")["body"]
            found = call("/login", {"csrf": csrf(page), "user": args["user"], "password": args["password"]})
        elif action == "get":
            found = call(args["path"])
        else:
            page = call(args["path"])
            found = {"page": page["status"]}
            if page["status"] == 200:
                inputs = {html.unescape(path): n for n, path in re.findall(
                    r'class="field[^"]*" data-n="(\d+)">\s*<div class="head">.*?<code>([^<]*)</code>', page["body"], re.S)}
                form = {"csrf": csrf(page["body"]), "revealed": "0"}
                for path, value in args["values"].items():
                    form["f" + inputs[path]] = value
                found = dict(call(args["path"] + "/accept", form), page=200, inputs=sorted(inputs))
        jar.save(ignore_discard=True, ignore_expires=True)
        print(json.dumps(found, ensure_ascii=False))
        """#

    /// A reviewer's browser on one node: its cookies in a file of its own.
    struct Browser {
        let base: String
        let jar: String

        func step(_ action: String, _ arguments: [String: Any]) throws -> (status: Int, location: String, body: String)
        {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
            let run = try PythonClient.run(
                script: ReviewStationNodesTests.client, arguments: [jar, base, action, json])
            guard run.status == 0, let line = run.output.split(separator: "\n").last,
                let found = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            else { throw KamiflowError(.io, "the HTTP client failed: \(run.errorOutput.suffix(2000))") }
            return (
                found["status"] as? Int ?? found["page"] as? Int ?? 0, found["location"] as? String ?? "",
                found["body"] as? String ?? ""
            )
        }

        func logIn(_ user: String, _ password: String) throws -> Int {
            try step("login", ["user": user, "password": password]).status
        }
        func get(_ path: String) throws -> (status: Int, location: String, body: String) {
            try step("get", ["path": path])
        }
        func accept(_ path: String, _ values: [String: String]) throws -> (status: Int, location: String, body: String)
        {
            try step("accept", ["path": path, "values": values])
        }
    }

    /// Two claims rendered clean into `folder`, with their ground truths: the first with a wrong check digit planted
    /// in 請求者 個人番号 and otherwise complete (the claim of `ReviewStationTests.plantedClaim`), the second any
    /// claim with an account number.
    static func plantedClaims(in folder: String, workflow: Workflow) async throws -> [(path: String, truth: FormTruth)]
    {
        let layout = FormLayout(workflow: workflow)
        let today = CivilDate(year: 2026, month: 10, day: 1)
        let seed = ReviewStationTests.seed
        let configuration = SampleBatchConfiguration(
            count: 60, seed: seed, profile: .clean, defectRate: 1, referenceDate: today)
        let filler = FormFiller(configuration: FillConfiguration(defectRate: 1, referenceDate: today))
        let forms = (0..<configuration.count).map { filler.fill(layout, seed: seed, index: $0) }
        let planted = try #require(
            forms.indices.first { index in
                forms[index].defects == [PlantedDefect(field: "claimant.mynumber", kind: .invalidCheckDigit)]
                    && forms[index].field("children[0].name")?.truth.isEmpty == false
                    && forms[index].field("account.type")?.truth.isEmpty == false
            })
        // The other claim only has to wait in review: any with an account number does (it is always checked).
        let other = try #require(
            forms.indices.first { index in
                index != planted && forms[index].field("account.number")?.truth.isEmpty == false
            })
        let indices = [planted, other]
        let batch = SampleBatch(layout: layout, configuration: configuration)
        return try indices.map { index in
            let file = try batch.file(index)
            let path = folder + "/" + file.name
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
            return (path, file.truth.forms[0])
        }
    }

    /// Starts `kamiflow review serve --port 0` in `folder` with `arguments`; the process and the address it printed.
    static func serve(
        in folder: String, _ arguments: [String], environment: [String: String]
    ) throws -> (
        process: Process, base: String
    ) {
        try KamiflowBinary.startReviewServe(arguments, in: folder, environment: environment)
    }

    @Test(
        "a record held on node A is taken for node B, whose reviewer gets another; a blind entry begun on A is finished on B and delivered once"
    )
    func twoNodesOneJournal() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        try #require(PostgresServer.binaries() != nil, "PostgreSQL is not installed (make deps installs it)")
        let server = try PostgresServer.start()
        defer { server.remove() }
        let database = try server.createDatabase()
        let url = server.urlWithoutPassword(database: database)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (nodeA, nodeB) = (folder.file("node-a"), folder.file("node-b"))
        for path in [folder.file("scans"), nodeA, nodeB] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        // The shipped 児童手当 workflow with the account number keyed twice.
        let shipped = try String(contentsOfFile: shippedJidouTeate, encoding: .utf8)
        let workflowFile = folder.file("jidou-teate-double.yaml")
        let doubled = shipped.replacingOccurrences(
            of: "  always: [account.number]\n", with: "  always: [account.number]\n  double_entry: [account.number]\n")
        try #require(doubled != shipped, "the shipped review policy changed; adapt this test")
        try doubled.write(toFile: workflowFile, atomically: true, encoding: .utf8)
        let claims = try await Self.plantedClaims(
            in: folder.file("scans"), workflow: try Workflow.load(file: workflowFile))
        let (held, other) = (claims[0], claims[1])
        let right = ReviewStationTests.corrected(try #require(held.truth.values["claimant.mynumber"]))
        let account = try #require(held.truth.values["account.number"])

        var quiet = Logger(label: "core-sim")
        quiet.logLevel = .critical
        let simulator = CoreSimulator.Configuration(
            databasePath: folder.file("core-sim.sqlite"), token: "two-nodes-token", logger: quiet)
        try await CoreSimulator.withRunning(simulator) { simulator, port in
            let deployment = folder.file("kamiflow.yaml")
            try """
            kamiflow: 1
            connections:
              jidou-teate:
                type: http
                url: http://127.0.0.1:\(port)/v1
                resource: jidou-teate
                token_env: KF_CORE_TOKEN
                request_timeout: 30
                max_attempts: 3
            """.write(toFile: deployment, atomically: true, encoding: .utf8)
            let environment = ["PGPASSWORD": server.password, "KF_CORE_TOKEN": "two-nodes-token"]

            // Both claims read into the shared journal; both wait in review (the account number is keyed twice).
            let read = try KamiflowBinary.run(
                ["run", "--deployment", deployment, "--journal", url, workflowFile, "scans"], in: folder.path,
                environment: environment)
            let journal = try await PostgresJournal.open(
                PostgresJournalConfiguration(url: server.url(database: database)))
            let inReview = try await journal.list(state: .inReview)
            try #require(inReview.count == 2, "run: \(read.errors.suffix(2000))")
            let x = try #require(inReview.first { $0.hash == (try? scanID(of: held.path)) }).rowID
            let y = try #require(inReview.first { $0.hash == (try? scanID(of: other.path)) }).rowID
            #expect(try simulator.records(in: "jidou-teate").isEmpty)

            // Two station nodes, each with its own accounts (the same people on both) and sessions.
            let accounts = [("窓口山田", "yamada-pass-1"), ("窓口鈴木", "suzuki-pass-1")]
            for node in [nodeA, nodeB] {
                for (name, password) in accounts {
                    #expect(
                        try ReviewWebTests.run(
                            ["users", "add", name, "--role", "reviewer", "--journal", url], in: node,
                            input: password + "\n") == 0)
                }
                #expect(FileManager.default.fileExists(atPath: node + "/.kamiflow/review-station.sqlite"))
            }
            let arguments = ["--workflow", workflowFile, "--deployment", deployment, "--journal", url]
            let (processA, baseA) = try Self.serve(in: nodeA, arguments, environment: environment)
            defer { processA.terminate() }
            let (processB, baseB) = try Self.serve(in: nodeB, arguments, environment: environment)
            defer { processB.terminate() }
            #expect(baseA != baseB)

            let yamadaOnA = Browser(base: baseA, jar: folder.file("yamada-a.cookies"))
            let suzukiOnB = Browser(base: baseB, jar: folder.file("suzuki-b.cookies"))
            let yamadaOnB = Browser(base: baseB, jar: folder.file("yamada-b.cookies"))
            #expect(try yamadaOnA.logIn("窓口山田", "yamada-pass-1") == 303)
            #expect(try suzukiOnB.logIn("窓口鈴木", "suzuki-pass-1") == 303)
            #expect(try yamadaOnB.logIn("窓口山田", "yamada-pass-1") == 303)

            // 山田 holds the claim on node A; on node B it is taken, by whom, and "next" gives 鈴木 the other one.
            let record = "/records/\(x)/0"
            #expect(try yamadaOnA.get(record).status == 200)
            let taken = try suzukiOnB.get(record)
            #expect(taken.status == 409 && taken.body.contains("窓口山田"), "\(taken.status)")
            let next = try suzukiOnB.get("/next")
            #expect(next.status == 303 && next.location == "/records/\(y)/0", "\(next)")
            let queue = try suzukiOnB.get("/")
            #expect(queue.status == 200 && queue.body.contains("窓口山田"), "node B's queue does not show the holder")
            let leases = try await journal.reviewLeaseHolders()
            #expect(
                leases[ReviewRecordKey(scan: x, index: 0)] == "窓口山田"
                    && leases[ReviewRecordKey(scan: y, index: 0)] == "窓口鈴木", "\(leases)")
            // Each station is a node of the journal holding one record: so say the nodes and A's /metrics.
            let nodes = try await journal.nodes()
            let (nodeOfA, nodeOfB) = (
                nodes.first { $0.pid == processA.processIdentifier && $0.stopped == nil },
                nodes.first { $0.pid == processB.processIdentifier && $0.stopped == nil }
            )
            #expect(nodeOfA?.reviewLeases == 1 && nodeOfB?.reviewLeases == 1, "\(nodes)")
            let metrics = try yamadaOnA.get("/metrics")
            #expect(
                metrics.body.split(separator: "\n").contains {
                    $0.hasPrefix("kamiflow_node_review_leases{node=\"\(nodeOfA?.id ?? "?")\"") && $0.hasSuffix(" 1")
                }, "\(metrics.body.suffix(1500))")

            // 山田's blind entry on node A: kept in the shared journal, nothing delivered yet.
            let values = ["claimant.mynumber": right, "account.number": account]
            let first = try yamadaOnA.accept(record, values)
            #expect(first.status == 303 && first.location == "/next", "\(first.status) \(first.body.suffix(500))")
            let entries = try await journal.doubleEntries(scan: x, index: 0)
            #expect(entries.map(\.user) == ["窓口山田"] && entries.first?.keyed["account.number"] == account)
            #expect(try simulator.records(in: "jidou-teate").isEmpty)
            // Node B knows the first entry is 山田's: the second is someone else's.
            #expect(try yamadaOnB.get(record).status == 403)

            // 鈴木 makes the second entry on node B; it agrees, and the claim is delivered.
            let second = try suzukiOnB.accept(record, values)
            #expect(second.status == 303 && second.location == "/next", "\(second.status) \(second.body.suffix(500))")
            let stored = try simulator.records(in: "jidou-teate")
            #expect(stored.count == 1, "\(stored.map(\.idempotencyKey))")
            #expect(stored.first?.idempotencyKey == "\(try scanID(of: held.path))-jidou-teate-nintei-0")
            #expect(stored.first?.fields["koza_bango"] == account)
            #expect(stored.first?.fields["kojin_bango"] == right)
            #expect(try await journal.reviewAudit(of: x).map(\.reviewer) == ["窓口山田, 窓口鈴木"])
            // Settled: the blind entries (typed values, in clear) are gone from the shared journal, and the record
            // is closed on both nodes.
            #expect(try await journal.doubleEntries(scan: x, index: 0).isEmpty)
            #expect(try await journal.doubleEntryStates().isEmpty)
            #expect(try yamadaOnA.get(record).status == 410)
            #expect(try suzukiOnB.get(record).status == 410)
            #expect(try simulator.records(in: "jidou-teate").count == 1)
            await journal.close()
        }
    }
}
