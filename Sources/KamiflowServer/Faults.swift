import Foundation
import Synchronization

/// Something going wrong on purpose, so that runners, connectors and demos can be tested against a core system
/// that misbehaves the way real ones do.
public enum Fault: Hashable, Sendable {
    /// Answer with this status (500, 503, 429 …) before touching the record; `Retry-After` when given.
    case status(Int, retryAfter: Int?)
    /// Register the record, then close the connection without an answer: the client cannot know it arrived.
    case drop
    /// Register the record, then wait this long before answering: the client times out first.
    case stall(seconds: Double)

    /// Parses the `X-Kamiflow-Fault` request header: `503`, `429;retry-after=2`, `drop`, `stall` or `stall=3`.
    public init?(header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let head = parts.first else { return nil }
        if head == "drop" {
            self = .drop
        } else if head == "stall" || head.hasPrefix("stall=") {
            self = .stall(seconds: head.hasPrefix("stall=") ? Double(head.dropFirst(6)) ?? 30 : 30)
        } else if let status = Int(head), (400...599).contains(status) {
            let retryAfter = parts.dropFirst().first { $0.hasPrefix("retry-after=") }
                .flatMap { Int($0.dropFirst("retry-after=".count)) }
            self = .status(status, retryAfter: retryAfter)
        } else {
            return nil
        }
    }
}

/// How often each fault happens at random, for a whole run (`core-sim serve --fail-rate …`).
public struct FaultProfile: Hashable, Sendable {
    /// Added to every POST before anything else, in seconds.
    public var latency: Double
    public var status500Rate: Double
    public var status503Rate: Double
    public var status429Rate: Double
    public var dropRate: Double
    public var stallRate: Double
    /// The `Retry-After` seconds sent with random 503 and 429 answers.
    public var retryAfter: Int
    public var stallSeconds: Double

    /// Rates are shares of POSTs (0–1); their sum must not exceed 1.
    public init(
        latency: Double = 0, status500Rate: Double = 0, status503Rate: Double = 0, status429Rate: Double = 0,
        dropRate: Double = 0, stallRate: Double = 0, retryAfter: Int = 1, stallSeconds: Double = 30
    ) {
        self.latency = latency
        self.status500Rate = status500Rate
        self.status503Rate = status503Rate
        self.status429Rate = status429Rate
        self.dropRate = dropRate
        self.stallRate = stallRate
        self.retryAfter = retryAfter
        self.stallSeconds = stallSeconds
    }

    /// No faults at all.
    public static let none = FaultProfile()

    /// `failRate` split evenly between 500, 503 and 429.
    public static func failing(_ failRate: Double, latency: Double = 0, retryAfter: Int = 1) -> FaultProfile {
        FaultProfile(
            latency: latency, status500Rate: failRate / 3, status503Rate: failRate / 3, status429Rate: failRate / 3,
            retryAfter: retryAfter)
    }

    func draw<G: RandomNumberGenerator>(using generator: inout G) -> Fault? {
        var roll = Double.random(in: 0..<1, using: &generator)
        let table: [(Double, Fault)] = [
            (status500Rate, .status(500, retryAfter: nil)),
            (status503Rate, .status(503, retryAfter: retryAfter)),
            (status429Rate, .status(429, retryAfter: retryAfter)),
            (dropRate, .drop),
            (stallRate, .stall(seconds: stallSeconds)),
        ]
        for (rate, fault) in table {
            if roll < rate { return fault }
            roll -= rate
        }
        return nil
    }
}

/// The faults in force: a profile drawn from at random, and a queue of faults for the next requests (tests).
final class FaultPlan: Sendable {
    private struct State {
        var profile: FaultProfile
        var queued: [Fault] = []
        var posts = 0
    }
    private let state: Mutex<State>

    init(profile: FaultProfile) { state = Mutex(State(profile: profile)) }

    var profile: FaultProfile {
        get { state.withLock { $0.profile } }
        set { state.withLock { $0.profile = newValue } }
    }

    /// POSTs that reached fault planning (authenticated, known resource, with a key).
    var posts: Int { state.withLock { $0.posts } }

    func enqueue(_ faults: [Fault]) { state.withLock { $0.queued += faults } }

    /// The fault for the next POST: a queued one first, then a random draw.
    func next() -> (fault: Fault?, latency: Double) {
        state.withLock { state in
            state.posts += 1
            var generator = SystemRandomNumberGenerator()
            if !state.queued.isEmpty { return (state.queued.removeFirst(), state.profile.latency) }
            return (state.profile.draw(using: &generator), state.profile.latency)
        }
    }
}
