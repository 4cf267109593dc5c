public import Foundation
import KamiflowCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Receives each scan's outcome as a run goes.
public protocol ProgressReporter: Sendable {
    func report(_ outcome: ScanOutcome, summary: BatchSummary)
    /// Called once at the end (a bar clears its line).
    func finish(_ summary: BatchSummary)
}

/// The progress of `kamiflow run` on standard error: a redrawn bar on a terminal (pages/s, ETA, straight-through /
/// review / failed so far), one plain line per scan otherwise (logs, CI, pipes).
public final class ConsoleProgress: ProgressReporter {
    private let expected: Int?
    private let isTerminal: Bool
    private let redactor: Redactor
    private let start = ContinuousClock.now
    private let lastDraw = Mutex<ContinuousClock.Instant?>(nil)
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - expected: how many inputs there are, when known (for the ETA).
    ///   - isTerminal: draw a bar; by default when standard error is a terminal.
    public init(
        expected: Int?, redactor: Redactor, isTerminal: Bool = isatty(STDERR_FILENO) == 1,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.expected = expected
        self.isTerminal = isTerminal
        self.redactor = redactor
        self.write = write
    }

    public func report(_ outcome: ScanOutcome, summary: BatchSummary) {
        if isTerminal {
            let now = ContinuousClock.now
            let draw = lastDraw.withLock { last -> Bool in
                if let last, now - last < .milliseconds(100), summary.scans != expected { return false }
                last = now
                return true
            }
            if draw { write("\r\u{1B}[2K" + bar(summary)) }
        } else {
            let total = expected.map { "/\($0)" } ?? ""
            var line = "[\(summary.scans)\(total)] \(outcome.id.prefix(12)) \(label(outcome)) \(outcome.path)"
            if let error = outcome.error { line += " — \(redactor.redact(error))" }
            write(line + "\n")
        }
    }

    public func finish(_ summary: BatchSummary) {
        if isTerminal { write("\r\u{1B}[2K" + bar(summary) + "\n") }
    }

    private func label(_ outcome: ScanOutcome) -> String {
        if outcome.busy { return "busy" }
        if outcome.handedBack { return "handed-back" }
        if outcome.skipped { return "already-\(outcome.state)" }
        return outcome.state.rawValue
    }

    func bar(_ s: BatchSummary) -> String {
        let elapsed = max(0.001, (ContinuousClock.now - start).secondsValue)
        let rate = Double(s.pages) / elapsed
        var text = ""
        if let expected, expected > 0 {
            let width = 24
            let filled = min(width, s.scans * width / expected)
            text += "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
            text += "\(s.scans)/\(expected)"
            let worked = s.scans - s.skipped
            if worked > 0, s.scans < expected {
                let eta = Int(elapsed / Double(worked) * Double(expected - s.scans))
                text += String(format: "  ETA %d:%02d", eta / 60, eta % 60)
            }
        } else {
            text += "\(s.scans) scans"
        }
        text += String(format: "  %.1f pages/s", rate)
        text += "  straight-through \(s.delivered)  review \(s.inReview + s.rejected + s.unclassified)"
        text += "  failed \(s.failed)"
        if s.duplicates > 0 { text += "  duplicates \(s.duplicates)" }
        if s.skipped > 0 { text += "  already done \(s.skipped)" }
        return text
    }
}

extension BatchSummary {
    /// The summary table printed at the end of `kamiflow run`.
    public var table: String {
        let rows: [(String, String, Int)] = [
            ("delivered (straight through)", "配信済（自動）", delivered),
            ("waiting for review", "確認待ち", inReview),
            ("rejected by the core system", "基幹系で却下", rejected),
            ("form not recognised", "帳票不明", unclassified),
            ("failed", "失敗", failed),
            ("duplicates (not delivered again)", "重複（再配信なし）", duplicates),
            ("already done in an earlier run", "前回までに処理済", skipped),
            ("handed back (run again)", "中断（再実行で再開）", handedBack),
            ("held by another process", "他プロセスが処理中", busy),
            ("not scan files, left alone", "対象外のファイル", notTaken),
        ]
        var lines = ["scans                                  \(String(format: "%6d", scans))"]
        func line(_ english: String, _ count: Int, _ japanese: String) -> String {
            "  \(english.padding(toLength: 34, withPad: " ", startingAt: 0))   \(String(format: "%6d", count))  \(japanese)"
        }
        for (english, japanese, count) in rows where count > 0 || ["failed", "waiting for review"].contains(english) {
            lines.append(line(english, count, japanese))
            // An operator who sees forms wait should know which were flagged and which wait only because the
            // workflow sends a field to a person every time (口座番号 in review.always): that is policy, not doubt.
            if english == "waiting for review", inReviewByPolicy > 0 {
                lines.append(line("  only for review.always fields", inReviewByPolicy, "うち常時確認の項目のみ"))
            }
        }
        if notTaken > 0 {
            lines.append("  (every file is in the journal: kamiflow journal list --inputs --state refused)")
        }
        let rate = seconds > 0 ? Double(pages) / seconds * 60 : 0
        lines.append(String(format: "pages %d in %.1f s (%.0f pages/min)", pages, seconds, rate))
        return lines.joined(separator: "\n")
    }
}
