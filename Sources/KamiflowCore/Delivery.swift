/// One named value of a payload sent to a core system, in the order the workflow's mapping lists them.
public struct PayloadField: Hashable, Sendable, Codable {
    public var name: String
    /// `nil` sends an explicit null / empty cell.
    public var value: String?
    /// Came from a `sensitive` field: never logged in clear.
    public var sensitive: Bool

    public init(name: String, value: String?, sensitive: Bool = false) {
        self.name = name
        self.value = value
        self.sensitive = sensitive
    }
}

/// A record, mapped for one connector, on its way to a core system.
public struct DeliveryRequest: Hashable, Sendable, Codable {
    /// Same scan + workflow + record index → same key, so a redelivery after a crash is recognised.
    public var idempotencyKey: String
    public var workflow: String
    /// What the record is, in the core system's terms (an HTTP resource, a table); the connection may fix it.
    public var resource: String?
    public var payload: [PayloadField]

    public init(idempotencyKey: String, workflow: String, resource: String? = nil, payload: [PayloadField]) {
        self.idempotencyKey = idempotencyKey
        self.workflow = workflow
        self.resource = resource
        self.payload = payload
    }
}

/// A reason a core system gave for refusing a record (HTTP 422 field errors, a constraint, a bad code).
public struct Rejection: Hashable, Sendable, Codable {
    public var field: String?
    public var message: String
    public init(field: String?, message: String) {
        self.field = field
        self.message = message
    }
}

/// How one delivery ended. Every delivery ends in exactly one of these, so the runtime can journal it.
public enum DeliveryOutcome: Hashable, Sendable, Codable {
    /// The core system has the record (now, or already from an earlier attempt with the same key).
    case delivered(receipt: String?)
    /// The core system refused the record for good; retrying will not help. A person must look.
    case rejected([Rejection])
    /// Could not be delivered after the retries the connection allows; safe to try again later.
    case failed(reason: String, attempts: Int)
}

/// A way into a core system. Concrete connectors live in KamiflowConnectors; the runtime only sees this protocol.
public protocol Connector: Sendable {
    /// The connection's name in the deployment file.
    var name: String { get }
    /// Delivers `requests` in order and returns one outcome per request, in the same order.
    func deliver(_ requests: [DeliveryRequest]) async -> [DeliveryOutcome]
    /// Waits for a batch in progress, makes everything delivered so far durable and releases resources. Nothing
    /// reported `delivered` may be lost after this returns. (Kamiflow's file connectors already make each batch
    /// durable before `deliver` returns and write one file per `deliver` call: hand them a whole run at once.)
    func close() async throws
}
