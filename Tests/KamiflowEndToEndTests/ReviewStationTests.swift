import Foundation
import GRDB
import KamiflowCore
import KamiflowForms
import KamiflowRuntime
import KamiflowWorkflow
import Testing

/// The review station end to end: a real rendered 児童手当 claim whose individual number was written with a wrong
/// check digit is read by `kamiflow run`, lands in review, is corrected with `kamiflow review accept` and arrives
/// once in the embedded SQLite core system; no sensitive value is printed on the way.
@Suite("kamiflow review", .serialized)
struct ReviewStationTests {
    static let seed: UInt64 = 4_711

    /// A claim with a planted wrong check digit in 請求者 個人番号, rendered clean; its ground truth.
    static func plantedClaim(in folder: String) async throws -> (path: String, truth: FormTruth) {
        let workflow = try Workflow.load(file: shippedJidouTeate)
        let layout = FormLayout(workflow: workflow)
        let today = CivilDate(year: 2026, month: 10, day: 1)
        let configuration = SampleBatchConfiguration(
            count: 60, seed: seed, profile: .clean, defectRate: 1, referenceDate: today)
        let filler = FormFiller(configuration: FillConfiguration(defectRate: 1, referenceDate: today))
        // Which sample carries that defect is fixed by the seed; only that one is rendered. It must be a claim
        // that is otherwise complete (a child, an account type), so that the number is the one thing to correct.
        let index = try #require(
            (0..<configuration.count).first { index in
                let form = filler.fill(layout, seed: seed, index: index)
                return form.defects == [PlantedDefect(field: "claimant.mynumber", kind: .invalidCheckDigit)]
                    && form.field("children[0].name")?.truth.isEmpty == false
                    && form.field("account.type")?.truth.isEmpty == false
            })
        let file = try SampleBatch(layout: layout, configuration: configuration).file(index)
        let path = folder + "/" + file.name
        try Data(file.bytes).write(to: URL(fileURLWithPath: path))
        return (path, file.truth.forms[0])
    }

    /// The number with its check digit put right (DOMAIN §4.1): what the clerk finds on the claimant's card.
    static func corrected(_ number: String) -> String {
        let digits = number.compactMap(\.wholeNumberValue)
        let weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        let remainder = zip(digits.prefix(11), weights).reduce(0) { $0 + $1.0 * $1.1 } % 11
        return String(number.prefix(11)) + String(remainder <= 1 ? 0 : 11 - remainder)
    }

    static func coreRows(_ folder: String) throws -> [Row] {
        let path = folder + "/.kamiflow/core.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            guard try db.tableExists("jidou-teate") else { return [] }
            return try Row.fetchAll(db, sql: #"SELECT * FROM "jidou-teate""#)
        }
    }

    @Test("a claim with a wrong check digit waits in review, is corrected, delivered once, and never printed in clear")
    func correctAndDeliver() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("scans"), withIntermediateDirectories: true)
        let (scan, truth) = try await Self.plantedClaim(in: folder.file("scans"))
        let written = try #require(truth.values["claimant.mynumber"])
        let right = Self.corrected(written)
        #expect(right != written)
        let secrets = [written, right, truth.values["account.number"], truth.values["spouse.mynumber"]]
            .compactMap { $0 }.filter { $0.count >= 7 }
        func expectNoSecret(_ run: KamiflowBinary.Run, _ what: String) {
            for secret in secrets {
                #expect(
                    !run.output.contains(secret) && !run.errors.contains(secret), "\(what) printed a sensitive value")
            }
        }
        let id = String(try scanID(of: scan).prefix(12))

        // 1. The night run: the claim is not delivered, it waits for a person.
        let run = try KamiflowBinary.run(["run", shippedJidouTeate, "scans"], in: folder.path)
        #expect(run.status == 1, "run: \(run.errors)")
        expectNoSecret(run, "run")
        #expect(try Self.coreRows(folder.path).isEmpty)

        // 2. The list says which scan and why, masked.
        let list = try KamiflowBinary.run(["review", "list"], in: folder.path)
        #expect(list.status == 0, "review list: \(list.errors)")
        expectNoSecret(list, "review list")
        #expect(list.output.contains(id))
        #expect(list.output.contains("claimant.mynumber  [masked]"))
        #expect(list.output.contains("checkDigit"))

        // 3. Every field shown; the individual number masked unless revealed.
        let show = try KamiflowBinary.run(["review", "show", id], in: folder.path)
        #expect(show.status == 0, "review show: \(show.errors)")
        expectNoSecret(show, "review show")
        for path in ["submitted_on", "claimant.name", "claimant.mynumber", "children[0].name", "account.holder"] {
            #expect(show.output.contains(path), "review show does not list \(path)")
        }
        let revealed = try KamiflowBinary.run(["review", "show", id, "--reveal"], in: folder.path)
        #expect(revealed.status == 0)
        #expect(revealed.output.contains(written), "--reveal does not show the number as read")

        // Crops of the flagged fields from the page: the individual number's only when revealed.
        let crops = folder.file("crops")
        let masked = try KamiflowBinary.run(["review", "show", id, "--crops", crops], in: folder.path)
        #expect(masked.status == 0, "review show --crops: \(masked.errors)")
        #expect(!FileManager.default.fileExists(atPath: crops + "/\(id)-0-claimant.mynumber.png"))
        #expect(masked.output.contains("sensitive field(s) not cut out"))
        let cut = try KamiflowBinary.run(["review", "show", id, "--crops", crops, "--reveal"], in: folder.path)
        #expect(cut.status == 0)
        let png = try Data(contentsOf: URL(fileURLWithPath: crops + "/\(id)-0-claimant.mynumber.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        // 4. Accepted as read: refused, because the check digit is still wrong; nothing delivered.
        let refused = try KamiflowBinary.run(
            ["review", "accept", id, "--workflow", shippedJidouTeate, "--reviewer", "窓口 山田"], in: folder.path)
        #expect(refused.status == 1)
        #expect(refused.output.contains("checkDigit"))
        expectNoSecret(refused, "review accept (refused)")
        #expect(try Self.coreRows(folder.path).isEmpty)

        // 5. Corrected: checked again, delivered once, journaled with who and what.
        let accepted = try KamiflowBinary.run(
            [
                "review", "accept", id, "--set", "claimant.mynumber=\(right)", "--reviewer", "窓口 山田",
                "--workflow", shippedJidouTeate,
            ],
            in: folder.path)
        #expect(accepted.status == 0, "review accept: \(accepted.output) \(accepted.errors)")
        expectNoSecret(accepted, "review accept")
        var rows = try Self.coreRows(folder.path)
        #expect(rows.count == 1)
        let hash = try scanID(of: scan)
        #expect(rows.first?["idempotency_key"] as String? == "\(hash)-jidou-teate-nintei-0")
        #expect(rows.first?["kojin_bango"] as String? == right)
        #expect(
            rows.first?["seikyusha_shimei"] as String?
                == truth.values["claimant.name"]?.replacingOccurrences(
                    of: " ", with: ""))

        // 6. Accepting again delivers nothing more.
        let again = try KamiflowBinary.run(
            ["review", "accept", id, "--set", "claimant.mynumber=\(right)", "--workflow", shippedJidouTeate],
            in: folder.path)
        #expect(again.status == 0)
        #expect(again.output.contains("already delivered"))
        rows = try Self.coreRows(folder.path)
        #expect(rows.count == 1)

        // 7. The journal: delivered, the audit trail names the reviewer and the field, masked.
        let journal = try SQLiteJournal(
            configuration: JournalConfiguration(path: folder.file(".kamiflow/journal.sqlite")))
        let entry = try #require(try await journal.entries(matching: id).first)
        #expect(entry.state == .delivered)
        let audit = try await journal.reviewAudit(of: entry.rowID)
        #expect(audit.count == 1)
        #expect(audit.first?.reviewer == "窓口 山田")
        #expect(
            audit.first?.changes == [ReviewChange(field: "claimant.mynumber", before: "[masked]", after: "[masked]")])
        #expect(try await journal.reviewRecords(of: entry.rowID).map(\.status) == [.delivered])
        #expect(
            try await journal.reviewRecords(of: entry.rowID).first?.record == nil, "clear values kept after delivery")
        let after = try KamiflowBinary.run(["review", "show", id], in: folder.path)
        #expect(after.output.contains("by 窓口 山田: accept → delivered; changed claimant.mynumber"))
        expectNoSecret(after, "review show after delivery")
        let nothing = try KamiflowBinary.run(["review", "list"], in: folder.path)
        #expect(nothing.output.contains("nothing waits for review"))
    }

    @Test("a claim the drop-folder watcher put in review/ moves to done/ once a reviewer corrects and accepts it")
    func dropFolderFollowsReview() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let inbox = folder.file("inbox")
        for path in [folder.file("staging"), inbox] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let (staged, truth) = try await Self.plantedClaim(in: folder.file("staging"))
        let name = (staged as NSString).lastPathComponent
        let id = String(try scanID(of: staged).prefix(12))

        // The counter's watcher, as staff run it, until the claim has settled in review/.
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: KamiflowBinary.path)
        watcher.arguments = ["watch", "--polling", "--poll", "0.2s", "--settle", "0.2s", "inbox=\(shippedJidouTeate)"]
        watcher.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        watcher.environment = KamiflowBinary.environment()
        watcher.standardOutput = FileHandle.nullDevice
        watcher.standardError = FileHandle.nullDevice
        try watcher.run()
        defer { if watcher.isRunning { watcher.terminate() } }
        try await Task.sleep(for: .milliseconds(500))
        try FileManager.default.moveItem(atPath: staged, toPath: inbox + "/" + name)
        let inReview = inbox + "/review/" + name
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: inReview + ".reason.json") {
            try await Task.sleep(for: .milliseconds(200))
        }
        watcher.terminate()
        watcher.waitUntilExit()
        try #require(FileManager.default.fileExists(atPath: inReview), "the watcher did not put the claim in review/")

        let written = try #require(truth.values["claimant.mynumber"])
        let accepted = try KamiflowBinary.run(
            [
                "review", "accept", id, "--set", "claimant.mynumber=\(Self.corrected(written))",
                "--reviewer", "窓口 山田", "--workflow", shippedJidouTeate,
            ],
            in: folder.path)
        #expect(accepted.status == 0, "review accept: \(accepted.output) \(accepted.errors)")
        #expect(try Self.coreRows(folder.path).count == 1)
        #expect(!FileManager.default.fileExists(atPath: inReview))
        #expect(!FileManager.default.fileExists(atPath: inReview + ".reason.json"))
        let done = inbox + "/done/" + name
        #expect(FileManager.default.fileExists(atPath: done))
        let reason = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: done + ".reason.json")))
        #expect((reason as? [String: Any])?["state"] as? String == "delivered")
        let journal = try SQLiteJournal(
            configuration: JournalConfiguration(path: folder.file(".kamiflow/journal.sqlite")))
        #expect(try await journal.entries(matching: id).first?.path == done)
    }

    @Test("a form rejected by the reviewer is not delivered and the scan ends rejected with the reason")
    func rejectByReviewer() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("scans"), withIntermediateDirectories: true)
        let (scan, _) = try await Self.plantedClaim(in: folder.file("scans"))
        let id = String(try scanID(of: scan).prefix(12))
        let run = try KamiflowBinary.run(["run", shippedJidouTeate, "scans"], in: folder.path)
        #expect(run.status == 1, "run: \(run.errors)")

        let reject = try KamiflowBinary.run(
            ["review", "reject", id, "--reason", "本人確認書類なし", "--reviewer", "窓口 佐藤"], in: folder.path)
        #expect(reject.status == 0, "review reject: \(reject.errors)")
        #expect(reject.output.contains("the scan is rejected"))
        let accept = try KamiflowBinary.run(
            ["review", "accept", id, "--workflow", shippedJidouTeate], in: folder.path)
        #expect(accept.status == 1)
        #expect(accept.output.contains("already dismissed"))
        #expect(try Self.coreRows(folder.path).isEmpty)
        let journal = try SQLiteJournal(
            configuration: JournalConfiguration(path: folder.file(".kamiflow/journal.sqlite")))
        let entry = try #require(try await journal.entries(matching: id).first)
        #expect(entry.state == .rejected)
        #expect(entry.error == "rejected by 窓口 佐藤: 本人確認書類なし")
    }
}
