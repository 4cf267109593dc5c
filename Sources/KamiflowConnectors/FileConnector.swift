package import Foundation
package import KamiflowCore
package import Logging

/// How one kind of file (CSV, fixed-width, 全銀, JSON Lines) lays records out.
package protocol RecordFileFormat: Sendable {
    /// One record's bytes, or why it cannot be written (it is then rejected and the rest go on).
    func encode(_ request: DeliveryRequest) throws(RecordProblem) -> Data
    /// The whole batch file from the records' bytes: header, records, trailer.
    func file(records: [(request: DeliveryRequest, bytes: Data)]) throws(RecordProblem) -> Data
    /// Where the batch goes; `stamp` is unique per batch in its folder (UTC time and a sequence number).
    func placement(stamp: String) -> BatchFileStore.Placement
}

/// Delivers each batch (`deliver` call) as one file in a folder, atomically and exactly once (``BatchFileStore``).
///
/// Records that cannot be written (a character CP932 lacks, a value too long for its column) are rejected with the
/// field named; the others of the batch are written. A key delivered before is `delivered` again without being
/// written twice, unless its content changed, which is `rejected` (as an HTTP core system answers 409). An I/O
/// error fails the whole batch; nothing of it is visible then, and the same batch can be delivered again.
package final class FileConnector: Connector {
    package let name: String
    private let format: any RecordFileFormat
    private let store: BatchFileStore
    private let gate = DeliveryGate()
    private let logger: Logger

    package init(name: String, folder: String, format: any RecordFileFormat, logger: Logger) throws {
        self.name = name
        self.format = format
        self.logger = logger
        do {
            self.store = try BatchFileStore(folder: URL(fileURLWithPath: folder, isDirectory: true))
        } catch {
            var error = error
            error.message = "connection '\(name)': " + error.message
            throw error
        }
    }

    package func deliver(_ requests: [DeliveryRequest]) async -> [DeliveryOutcome] {
        await gate.exclusively { closed in
            if closed { return requests.map { _ in .failed(reason: "connection '\(name)' is closed", attempts: 0) } }
            return write(requests)
        }
    }

    package func close() async throws {
        try await gate.close {}
    }

    private func write(_ requests: [DeliveryRequest]) -> [DeliveryOutcome] {
        var outcomes = [DeliveryOutcome?](repeating: nil, count: requests.count)
        var accepted: [(index: Int, request: DeliveryRequest, bytes: Data)] = []
        var keys: [String: String] = [:]
        for (index, request) in requests.enumerated() {
            let digest = KamiflowCore.SHA256.hex(Data(DeliveryRequestBody.json(for: request.payload).utf8))
            if let previous = store.previousDelivery(of: request.idempotencyKey)
                ?? keys[request.idempotencyKey].map({ ($0, "") })
            {
                outcomes[index] =
                    previous.digest == digest
                    ? .delivered(receipt: previous.batch.isEmpty ? nil : previous.batch)
                    : .rejected([
                        Rejection(
                            field: nil,
                            message: "this record was delivered before with different content (same idempotency key)")
                    ])
                continue
            }
            do throws(RecordProblem) {
                accepted.append((index, request, try format.encode(request)))
                keys[request.idempotencyKey] = digest
            } catch {
                outcomes[index] = .rejected([error.rejection])
            }
        }
        if !accepted.isEmpty {
            do {
                let content = try format.file(records: accepted.map { ($0.request, $0.bytes) })
                let stamp = Self.stamp(sequence: store.committedBatches + 1)
                let placement = format.placement(stamp: stamp)
                try store.commit(content, keys: keys, placement: placement)
                let receipt: String =
                    switch placement {
                    case .newFile(let file), .append(let file): file
                    }
                for item in accepted { outcomes[item.index] = .delivered(receipt: receipt) }
                logger.info(
                    "batch file written",
                    metadata: [
                        "connection": .string(name), "file": .string(receipt),
                        "records": .stringConvertible(accepted.count),
                    ])
            } catch let problem as RecordProblem {
                for item in accepted { outcomes[item.index] = .rejected([problem.rejection]) }
            } catch {
                let reason = "\(error)"
                logger.warning("batch failed", metadata: ["connection": .string(name), "reason": .string(reason)])
                for item in accepted { outcomes[item.index] = .failed(reason: reason, attempts: 1) }
            }
        }
        // Duplicates of a key inside this batch were answered from `keys` with an empty receipt; give them the file.
        return outcomes.enumerated().map { index, outcome in
            if case .delivered(nil) = outcome,
                let original = accepted.first(where: {
                    $0.request.idempotencyKey == requests[index].idempotencyKey
                }), case .delivered(let receipt) = outcomes[original.index]
            {
                return .delivered(receipt: receipt)
            }
            return outcome ?? .failed(reason: "internal error: no outcome", attempts: 0)
        }
    }

    /// `20250401-093000-000042`: UTC time and the batch's sequence number in this folder, so that names sort in
    /// the order the batches were written (importers process them in that order) and never collide.
    static func stamp(sequence: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let digits = String(sequence)
        return formatter.string(from: Date()) + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
