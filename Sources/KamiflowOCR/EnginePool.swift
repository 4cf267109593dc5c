import Foundation
public import KamiflowCore
import Synchronization

/// A fixed set of Tesseract engines, each owned by its own thread, reading scans for concurrent callers.
///
/// Tesseract's calls block for hundreds of milliseconds and its handles must stay on one thread (DESIGN §4). So each
/// worker is a dedicated thread that makes its engine, runs jobs one after another and ends the engine when the
/// pool shuts down; Swift's cooperative threads only wait on continuations. Jobs wait in one first-in, first-out
/// queue that every worker takes from, so no caller is starved and a slow file holds up one worker only. A whole
/// file is one job: its pages are read in order on one engine, which is why results are the same as one engine
/// reading them sequentially.
public final class EnginePool: TextReader {
    public let configuration: OCRConfiguration
    /// How many engines (and threads) the pool runs.
    public let workerCount: Int
    private let queue: JobQueue

    /// Starts `workers` engines (default: one per processor core) and returns once every one has loaded its
    /// languages, so a missing traineddata fails here rather than on the first scan.
    public init(configuration: OCRConfiguration = OCRConfiguration(), workers: Int? = nil) async throws {
        let count = workers ?? ProcessInfo.processInfo.activeProcessorCount
        guard count >= 1 else {
            throw KamiflowError(.invalidArgument, "an engine pool needs at least one worker (asked for \(count))")
        }
        self.configuration = configuration
        self.workerCount = count
        let queue = JobQueue(workers: count)
        self.queue = queue
        let budget = PageMemoryBudget(capacity: configuration.pageMemoryBudget)
        let startups: [Result<Void, KamiflowError>] = await withCheckedContinuation { continuation in
            let gate = StartupGate(expected: count) { continuation.resume(returning: $0) }
            for index in 0..<count {
                let thread = Thread {
                    Self.workerMain(configuration: configuration, budget: budget, queue: queue, gate: gate)
                }
                thread.name = "kamiflow-ocr-\(index + 1)"
                // Tesseract recurses deeply on some layouts; give it more than the default 512 KiB of a Thread.
                thread.stackSize = 16 << 20
                thread.start()
            }
        }
        for case .failure(let error) in startups {
            queue.close()
            await queue.waitUntilWorkersExit()
            throw error
        }
    }

    deinit {
        // Workers finish what is queued (each job resumes its caller), end their engines and exit.
        queue.close()
    }

    private static func workerMain(
        configuration: OCRConfiguration, budget: PageMemoryBudget, queue: JobQueue, gate: StartupGate
    ) {
        defer { queue.workerExited() }
        let engine: TesseractEngine
        do {
            engine = try TesseractEngine(configuration: configuration, budget: budget)
        } catch let error as KamiflowError {
            gate.report(.failure(error))
            return
        } catch {
            gate.report(.failure(KamiflowError(.engineUnavailable, "\(error)")))
            return
        }
        gate.report(.success(()))
        while let job = queue.next() {
            job(engine)
        }
        // `engine` is released here, on the thread that made it.
    }

    public func withPages<T: Sendable>(
        of source: ScanSource,
        preparation: Preparation,
        _ body: @escaping @Sendable (any ReadablePage) throws -> T
    ) async throws -> [T] {
        let cancellation = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[T], any Error>) in
                let accepted = queue.submit { engine in
                    continuation.resume(
                        with: Result {
                            try engine.withPages(
                                of: source, preparation: preparation, isCancelled: { cancellation.isSet }, body)
                        })
                }
                if !accepted {
                    continuation.resume(
                        throwing: KamiflowError(
                            .engineUnavailable, "the engine pool has been shut down", subject: source.name))
                }
            }
        } onCancel: {
            cancellation.set()
        }
    }

    /// Lets the queued jobs finish, then ends every engine and waits for the worker threads to exit. Calls after
    /// this one fail with `engineUnavailable`.
    public func shutdown() async {
        queue.close()
        await queue.waitUntilWorkersExit()
    }
}

/// What a worker runs: a closure given the worker's own engine.
typealias EngineJob = @Sendable (TesseractEngine) -> Void

/// The pool's shared first-in, first-out queue of jobs; workers block on it while it is empty.
final class JobQueue: Sendable {
    private struct State {
        var jobs: [EngineJob] = []
        var head = 0
        var closed = false
        var running: Int
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// NSCondition guards `state`; both are only touched between `lock()` and `unlock()`.
    private let condition = NSCondition()
    private nonisolated(unsafe) var state: State

    init(workers: Int) {
        state = State(running: workers)
    }

    /// Adds a job; `false` when the queue is closed.
    func submit(_ job: @escaping EngineJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !state.closed else { return false }
        state.jobs.append(job)
        condition.signal()
        return true
    }

    /// The next job, waiting for one; `nil` once the queue is closed and drained.
    func next() -> EngineJob? {
        condition.lock()
        defer { condition.unlock() }
        while state.head == state.jobs.count && !state.closed {
            condition.wait()
        }
        guard state.head < state.jobs.count else { return nil }
        let job = state.jobs[state.head]
        state.head += 1
        if state.head > 64 && state.head * 2 > state.jobs.count {
            state.jobs.removeFirst(state.head)
            state.head = 0
        }
        return job
    }

    func close() {
        condition.lock()
        state.closed = true
        condition.broadcast()
        condition.unlock()
    }

    func workerExited() {
        condition.lock()
        state.running -= 1
        let waiters = state.running == 0 ? state.exitWaiters : []
        if state.running == 0 { state.exitWaiters = [] }
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    func waitUntilWorkersExit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if state.running == 0 {
                condition.unlock()
                continuation.resume()
            } else {
                state.exitWaiters.append(continuation)
                condition.unlock()
            }
        }
    }
}

/// Collects the start-up result of every worker and reports them all at once.
final class StartupGate: Sendable {
    private let results = Mutex<[Result<Void, KamiflowError>]>([])
    private let expected: Int
    private let completion: @Sendable ([Result<Void, KamiflowError>]) -> Void

    init(expected: Int, completion: @escaping @Sendable ([Result<Void, KamiflowError>]) -> Void) {
        self.expected = expected
        self.completion = completion
    }

    func report(_ result: Result<Void, KamiflowError>) {
        let all: [Result<Void, KamiflowError>]? = results.withLock { results in
            results.append(result)
            return results.count == expected ? results : nil
        }
        if let all { completion(all) }
    }
}

/// Set when the task waiting for a job is cancelled; the job checks it between pages.
final class CancellationFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
