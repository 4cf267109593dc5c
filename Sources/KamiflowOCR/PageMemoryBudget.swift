import Foundation
import KamiflowCore

/// The memory that decoded pages may hold at once, shared by every engine of a process.
///
/// Page limits bound one page; they do not bound what several engines decode side by side, and a small file can
/// declare a large page (a 252 KB PNG of 8900 × 8900 pixels is 317 MB once decoded in colour). So before a page is
/// decoded, its engine reserves the page's estimated cost (`ScanDecoder.memoryCost`) and waits while the pages
/// being read by other engines leave no room; it gives the reservation back once the page is read. A page that
/// could never fit, even alone, is refused with the figures, so the caller can raise the budget. Engines block
/// here on their own threads (never on Swift's cooperative pool), and each holds at most one reservation, so a
/// waiting engine never holds what another is waiting for.
final class PageMemoryBudget: Sendable {
    /// Bytes that reserved pages may hold together.
    let capacity: Int
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private nonisolated(unsafe) var reserved = 0
    /// Guarded by `condition`: the most reserved at once, for tests and reports.
    private nonisolated(unsafe) var highWater = 0
    /// Guarded by `condition`: engines waiting for room now.
    private nonisolated(unsafe) var waiting = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Reserves `bytes`, waiting until they fit; returns what to give back. Throws `imageTooLarge` when the page can
    /// never fit, and `cancelled` when `isCancelled` turns true while waiting.
    func reserve(_ bytes: Int, page: Int, subject: String, isCancelled: () -> Bool) throws -> Int {
        guard bytes <= capacity else {
            throw KamiflowError(
                .imageTooLarge,
                "page \(page) needs about \(Self.mebibytes(bytes)) MiB to be read, more than the memory budget of "
                    + "\(Self.mebibytes(capacity)) MiB for pages; refused before decoding (raise the budget with "
                    + "--memory-budget or memory_budget in the deployment file)",
                subject: subject)
        }
        condition.lock()
        defer { condition.unlock() }
        waiting += 1
        defer { waiting -= 1 }
        while reserved + bytes > capacity {
            if isCancelled() { throw KamiflowError(.cancelled, "reading was cancelled", subject: subject) }
            // Wakes on every release; the timeout only lets a cancelled wait notice.
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.2))
        }
        reserved += bytes
        highWater = max(highWater, reserved)
        return bytes
    }

    func release(_ bytes: Int) {
        condition.lock()
        reserved -= bytes
        condition.broadcast()
        condition.unlock()
    }

    /// How many engines wait for room now.
    var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting
    }

    /// The most bytes reserved at once so far.
    var peakReserved: Int {
        condition.lock()
        defer { condition.unlock() }
        return highWater
    }

    static func mebibytes(_ bytes: Int) -> Int { (bytes + (1 << 20) - 1) >> 20 }
}
