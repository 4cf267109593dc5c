public import Foundation

/// One record of a scan, as the review station names it: the journal's row and the record's index.
public struct ReviewRecordKey: Sendable, Hashable, CustomStringConvertible {
    public var scan: Int64
    public var index: Int

    public init(scan: Int64, index: Int) {
        self.scan = scan
        self.index = index
    }

    /// `scan/index`, as in the station's addresses.
    public var description: String { "\(scan)/\(index)" }
}

/// One reviewer's blind entry of a record's double-entry fields (path → text as typed), with every correction that
/// reviewer made. The journal keeps it, in clear, only until the record is settled: the journal already holds the
/// record itself in clear while it waits, under the same protection.
public struct ReviewDoubleEntry: Sendable, Hashable {
    /// 1 for the first entry, 2 for a second one that differed from it.
    public var round: Int
    public var user: String
    public var keyed: [String: String]
    public var corrections: [String: String]

    public init(round: Int, user: String, keyed: [String: String], corrections: [String: String]) {
        self.round = round
        self.user = user
        self.keyed = keyed
        self.corrections = corrections
    }

    /// A value map as the journals store it: JSON with sorted keys.
    public static func text(_ values: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(values)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// A value map from what `text(_:)` stored.
    public static func values(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}

/// Where a record's double entry stands, as the queue shows it: how many entries, and who made the first.
public struct ReviewDoubleEntryState: Sendable, Hashable {
    public var count: Int
    public var first: String

    public init(count: Int, first: String) {
        self.count = count
        self.first = first
    }
}

extension Journal {
    public func claimReviewRecord(
        scan: Int64, index: Int, user: String, node: String, for duration: TimeInterval
    ) async throws(KamiflowError) -> String? {
        try await claimReviewRecord(scan: scan, index: index, user: user, node: node, for: duration, now: Date())
    }

    public func reviewLeaseHolders() async throws(KamiflowError) -> [ReviewRecordKey: String] {
        try await reviewLeaseHolders(now: Date())
    }

    public func addDoubleEntry(_ entry: ReviewDoubleEntry, scan: Int64, index: Int) async throws(KamiflowError) {
        try await addDoubleEntry(entry, scan: scan, index: index, now: Date())
    }
}
