/// Lets one batch at a time through a connector, and keeps `close()` from tearing a batch in half.
///
/// Connectors are called from many tasks. A batch file, a database transaction or an ordered sequence of HTTP
/// requests must not interleave with another batch, and `close()` must wait for the batch in progress so that
/// nothing reported `delivered` is lost. FIFO, so batches go out in the order they arrived.
package actor DeliveryGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var isClosed = false

    package init() {}

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    private func markClosed() -> Bool {
        defer { isClosed = true }
        return isClosed
    }

    /// Runs `body` alone; `body` learns whether the connector was already closed.
    package nonisolated func exclusively<T: Sendable>(
        _ body: @Sendable (_ closed: Bool) async throws -> T
    ) async rethrows -> T {
        await acquire()
        do {
            let result = try await body(await isClosed)
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    /// Waits for the batch in progress, marks the gate closed and runs `body` once (on the first close only).
    package nonisolated func close(_ body: @Sendable () async throws -> Void) async throws {
        try await exclusively { _ in
            if await self.markClosed() { return }
            try await body()
        }
    }
}
