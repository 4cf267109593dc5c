import AsyncHTTPClient
public import Foundation
public import KamiflowCore
public import Logging
import NIOCore
import NIOHTTP1

/// How to reach a core system's HTTP API (the `type: http` entry of a deployment file's `connections:`).
///
/// Times are in seconds so that a deployment file reads `request_timeout: 10`. The token itself is never in this
/// struct's file form: `token_env` names the environment variable that holds it.
public struct HTTPConnectionConfiguration: Hashable, Sendable, Codable {
    /// The base URL the resource is appended to, e.g. `http://127.0.0.1:8088/v1`.
    public var url: String
    /// The resource every record goes to; when `nil`, each request's own `resource`.
    public var resource: String?
    /// Name of the environment variable holding the bearer token; no token is sent when `nil`.
    public var tokenEnv: String?
    /// Seconds to establish a connection.
    public var connectTimeout: Double
    /// Time for one whole attempt (request, response head and body).
    public var requestTimeout: Double
    /// Attempts per record, the first one included.
    public var maxAttempts: Int
    /// First backoff ceiling; it doubles per attempt up to `maxBackoff` and the actual wait is uniform in
    /// `0...ceiling` ("full jitter"), so that many clients retrying after one outage do not arrive together.
    public var initialBackoff: Double
    /// Upper bound of the backoff ceiling, in seconds.
    public var maxBackoff: Double
    /// A `Retry-After` longer than this ends the delivery as failed instead of blocking the batch.
    public var maxRetryAfter: Double

    /// Settings with the defaults a deployment file gets when it leaves them out.
    public init(
        url: String,
        resource: String? = nil,
        tokenEnv: String? = nil,
        connectTimeout: Double = 2,
        requestTimeout: Double = 10,
        maxAttempts: Int = 5,
        initialBackoff: Double = 0.25,
        maxBackoff: Double = 8,
        maxRetryAfter: Double = 60
    ) {
        self.url = url
        self.resource = resource
        self.tokenEnv = tokenEnv
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, resource
        case tokenEnv = "token_env"
        case connectTimeout = "connect_timeout"
        case requestTimeout = "request_timeout"
        case maxAttempts = "max_attempts"
        case initialBackoff = "initial_backoff"
        case maxBackoff = "max_backoff"
        case maxRetryAfter = "max_retry_after"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = HTTPConnectionConfiguration(url: "")
        self.init(
            url: try c.decode(String.self, forKey: .url),
            resource: try c.decodeIfPresent(String.self, forKey: .resource),
            tokenEnv: try c.decodeIfPresent(String.self, forKey: .tokenEnv),
            connectTimeout: try c.decodeIfPresent(Double.self, forKey: .connectTimeout) ?? defaults.connectTimeout,
            requestTimeout: try c.decodeIfPresent(Double.self, forKey: .requestTimeout) ?? defaults.requestTimeout,
            maxAttempts: try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts,
            initialBackoff: try c.decodeIfPresent(Double.self, forKey: .initialBackoff) ?? defaults.initialBackoff,
            maxBackoff: try c.decodeIfPresent(Double.self, forKey: .maxBackoff) ?? defaults.maxBackoff,
            maxRetryAfter: try c.decodeIfPresent(Double.self, forKey: .maxRetryAfter) ?? defaults.maxRetryAfter
        )
    }

    public func validate(connection: String) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme),
            parsed.host != nil
        else {
            throw KamiflowError(.invalidDeployment, "url '\(url)' is not an http(s) URL", subject: connection)
        }
        guard maxAttempts >= 1, connectTimeout > 0, requestTimeout > 0, initialBackoff >= 0, maxBackoff >= 0,
            maxRetryAfter >= 0
        else {
            throw KamiflowError(
                .invalidDeployment, "max_attempts must be at least 1 and times must be positive", subject: connection)
        }
    }
}

/// Delivers records as JSON to a core system's HTTP API, one POST per record, in order.
///
/// When a record ends `failed`, the rest of the batch is not attempted (they end `failed` too, with no attempts):
/// the target is likely down, and a later record must not overtake an earlier one. A `rejected` record does not
/// stop the batch.
///
/// Every request carries the record's idempotency key in `Idempotency-Key`, so a retry after a lost response (or
/// a redelivery after a crash) is recognised by the server instead of registering the record twice. Outcomes:
/// 2xx → delivered; 422 and other 4xx → rejected with the server's field errors (a person must look; retrying
/// cannot help); 408, 429, 5xx, timeouts and connection errors → retried with exponential backoff and full jitter,
/// honouring `Retry-After`, then failed. 401/403 end as failed without retries: the deployment's token is wrong,
/// not the record, so the record must stay deliverable once the token is fixed.
public final class HTTPConnector: Connector {
    /// The connection's name in the deployment file.
    public let name: String
    private let configuration: HTTPConnectionConfiguration
    private let token: String?
    private let client: HTTPClient
    private let gate = DeliveryGate()
    private let logger: Logger

    /// - Parameter token: the bearer token, already read from where the deployment file said.
    public init(name: String, configuration: HTTPConnectionConfiguration, token: String?, logger: Logger) throws {
        try configuration.validate(connection: name)
        self.name = name
        self.configuration = configuration
        self.token = token
        self.logger = logger
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout = .init(
            connect: .milliseconds(Int64(configuration.connectTimeout * 1000)),
            read: .milliseconds(Int64(configuration.requestTimeout * 1000))
        )
        clientConfiguration.redirectConfiguration = .disallow
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
    }

    /// POSTs each record in order (see the type's documentation for how answers become outcomes).
    public func deliver(_ requests: [DeliveryRequest]) async -> [DeliveryOutcome] {
        await gate.exclusively { closed in
            var outcomes: [DeliveryOutcome] = []
            var stop: String? = closed ? "connection '\(name)' is closed" : nil
            for request in requests {
                if Task.isCancelled, stop == nil { stop = "cancelled" }
                if let stop {
                    outcomes.append(.failed(reason: stop, attempts: 0))
                    continue
                }
                let outcome = await deliverOne(request)
                outcomes.append(outcome)
                if case .failed(let reason, _) = outcome {
                    // Keep the core system's order: a later record must not overtake one that is still to come.
                    stop = "not attempted: an earlier record of the batch failed (\(reason))"
                }
            }
            return outcomes
        }
    }

    /// Waits for the batch in progress, then shuts the HTTP client down; later deliveries end `failed`.
    public func close() async throws {
        try await gate.close { try await self.client.shutdown() }
    }

    deinit {
        // A connector dropped without close() must not leak its client (or trip its debug check); after close()
        // this second shutdown only reports "already shut down" to a callback that ignores it.
        client.shutdown { _ in }
    }

    // MARK: One record

    private enum Verdict {
        case done(DeliveryOutcome)
        case retry(reason: String, retryAfter: Double?)
        case failNow(reason: String)
    }

    private func deliverOne(_ request: DeliveryRequest) async -> DeliveryOutcome {
        guard let resource = configuration.resource ?? request.resource, !resource.isEmpty else {
            return .rejected([
                Rejection(field: nil, message: "no resource: neither the connection nor the mapping names one")
            ])
        }
        let base = configuration.url.hasSuffix("/") ? String(configuration.url.dropLast()) : configuration.url
        // Percent-encode the resource as a path (a `/` inside stays a separator): names come from workflow files.
        let url = base + "/" + (resource.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? resource)
        let body = DeliveryRequestBody.json(for: request.payload)
        var metadata: Logger.Metadata = [
            "connection": .string(name), "resource": .string(resource),
            "idempotency_key": .string(request.idempotencyKey),
        ]
        var lastReason = "no attempt made"
        var attempt = 0
        while attempt < configuration.maxAttempts {
            attempt += 1
            if Task.isCancelled { return .failed(reason: "cancelled: \(lastReason)", attempts: attempt - 1) }
            let verdict = await attemptOnce(url: url, body: body, key: request.idempotencyKey)
            metadata["attempt"] = .stringConvertible(attempt)
            switch verdict {
            case .done(let outcome):
                logger.debug("delivery ended", metadata: metadata.merging(["outcome": .string(outcome.kind)]) { $1 })
                return outcome
            case .failNow(let reason):
                logger.warning("delivery failed", metadata: metadata.merging(["reason": .string(reason)]) { $1 })
                return .failed(reason: reason, attempts: attempt)
            case .retry(let reason, let retryAfter):
                lastReason = reason
                logger.info(
                    "attempt failed, will retry", metadata: metadata.merging(["reason": .string(reason)]) { $1 })
                guard attempt < configuration.maxAttempts else { break }
                if let retryAfter, retryAfter > configuration.maxRetryAfter {
                    return .failed(
                        reason: "\(reason); the server asked to wait \(Int(retryAfter)) s, more than max_retry_after",
                        attempts: attempt)
                }
                let ceiling = min(configuration.maxBackoff, configuration.initialBackoff * pow(2, Double(attempt - 1)))
                let wait = max(Double.random(in: 0...max(ceiling, 0)), retryAfter ?? 0)
                do {
                    try await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                } catch {
                    return .failed(reason: "cancelled while waiting to retry: \(reason)", attempts: attempt)
                }
            }
        }
        return .failed(reason: lastReason, attempts: attempt)
    }

    private func attemptOnce(url: String, body: String, key: String) async -> Verdict {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: key)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: body))
        let status: Int
        let data: Data
        let headers: HTTPHeaders
        do {
            let response = try await client.execute(
                request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
            status = Int(response.status.code)
            headers = response.headers
            let buffer = try await response.body.collect(upTo: 4 << 20)
            data = Data(buffer.readableBytesView)
        } catch {
            return .retry(reason: Self.describe(error), retryAfter: nil)
        }
        let json = JSONValue.parse(data)
        switch status {
        case 200..<300:
            return .done(.delivered(receipt: json?["id"]?.stringValue ?? key))
        case 408, 429, 500...599:
            let retryAfter = headers.first(name: "Retry-After").flatMap(Self.parseRetryAfter)
            return .retry(reason: "HTTP \(status)\(Self.problemSuffix(json))", retryAfter: retryAfter)
        case 401, 403:
            return .failNow(reason: "HTTP \(status): the core system refused the credentials of this connection")
        case 422:
            return .done(.rejected(Self.fieldErrors(in: json, status: status)))
        default:
            return .done(.rejected([Rejection(field: nil, message: "HTTP \(status)\(Self.problemSuffix(json))")]))
        }
    }

    // MARK: Reading answers

    static func fieldErrors(in json: JSONValue?, status: Int) -> [Rejection] {
        let errors = (json?["errors"]?.arrayValue ?? []).map { item in
            let code = item["code"]?.stringValue
            let message = item["message"]?.stringValue ?? "invalid"
            return Rejection(
                field: item["field"]?.stringValue, message: code.map { "\($0): \(message)" } ?? message)
        }
        return errors.isEmpty ? [Rejection(field: nil, message: "HTTP \(status)\(problemSuffix(json))")] : errors
    }

    private static func problemSuffix(_ json: JSONValue?) -> String {
        guard let json else { return "" }
        let parts = [json["error"]?.stringValue, json["message"]?.stringValue].compactMap { $0 }
        guard !parts.isEmpty else { return "" }
        return ": " + String(parts.joined(separator: " – ").prefix(200))
    }

    /// Seconds from `Retry-After`: either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
    package static func parseRetryAfter(_ value: String) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "HTTP client error: \(error)"
            }
        }
        return "connection error: \(error)"
    }
}

extension DeliveryOutcome {
    /// `delivered`, `rejected` or `failed`, for logs and journals.
    package var kind: String {
        switch self {
        case .delivered: "delivered"
        case .rejected: "rejected"
        case .failed: "failed"
        }
    }
}

/// The JSON body a record is sent as: its payload fields in mapping order, `null` for an empty value.
package enum DeliveryRequestBody {
    package static func json(for payload: [PayloadField]) -> String {
        JSONValue.orderedObject(payload.map { ($0.name, $0.value) })
    }
}

extension HTTPConnectionConfiguration {
    /// Where an API describes itself: `/openapi.json` at the origin of `url` (`http://127.0.0.1:8088/v1` →
    /// `http://127.0.0.1:8088/openapi.json`), as the simulated core systems serve it.
    public var openAPIURL: String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return nil }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")/openapi.json"
    }

    /// The OpenAPI document the API serves, or `nil` when it serves none (no answer within `timeout` seconds, not
    /// 200, not a JSON object with `paths`). Used to check workflow mappings against the live contract; never
    /// sends the token (the document is public where it exists).
    public func fetchOpenAPIDocument(timeout: Double = 2) async -> Data? {
        guard let address = openAPIURL else { return nil }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(
            connect: .milliseconds(Int64(min(timeout, connectTimeout) * 1000)),
            read: .milliseconds(Int64(timeout * 1000)))
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var data: Data?
        do {
            var request = HTTPClientRequest(url: address)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let buffer = try await response.body.collect(upTo: 8 << 20)
            if response.status.code == 200 {
                let body = Data(buffer.readableBytesView)
                if JSONValue.parse(body)?["paths"]?.objectValue != nil { data = body }
            }
        } catch {
            data = nil
        }
        try? await client.shutdown()
        return data
    }
}

extension HTTPConnectionConfiguration: ConnectionSettings {
    public static let typeName = "http"
    public static var settingNames: [String] { CodingKeys.allCases.map(\.stringValue) }

    public func makeConnector(
        named name: String, environment: [String: String], logger: Logger
    ) throws
        -> any Connector
    {
        var token: String?
        if let variable = tokenEnv {
            guard let value = environment[variable], !value.isEmpty else {
                throw KamiflowError(
                    .invalidDeployment, "token_env names \(variable), but that environment variable is not set",
                    subject: name)
            }
            token = value
        }
        return try HTTPConnector(name: name, configuration: self, token: token, logger: logger)
    }

    public func contract(for resource: String?, openAPIDocument: Data?) throws -> MappingContract {
        guard let openAPIDocument else {
            return MappingContract(requiredFields: [], knownFields: nil, source: "an API without a known schema")
        }
        guard let resource = self.resource ?? resource else {
            throw KamiflowError(.invalidWorkflow, "no resource: neither the connection nor the mapping names one")
        }
        return try ConnectionConfiguration.contract(openAPI: openAPIDocument, resource: resource)
    }

    public var destination: String { url + (resource.map { "/" + $0 } ?? "/<resource>") }
}
