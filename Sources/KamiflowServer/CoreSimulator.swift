public import Foundation
import HTTPTypes
import Hummingbird
import KamiflowConnectors
import KamiflowCore
public import Logging
import NIOCore
import ServiceLifecycle

/// The simulated core systems (基幹系): five business resources over HTTP, stored in SQLite, described by the
/// committed OpenAPI document, with faults on demand.
///
/// It exists so that a municipality, a vendor or a test can run the whole flow without the real systems, and so
/// that connectors are tested against a server that validates, authenticates, deduplicates and misbehaves the way
/// real ones do. In a test, ``withRunning(_:_:)`` starts it on an ephemeral 127.0.0.1 port.
public final class CoreSimulator: Sendable {
    /// Where the simulator listens, where it stores, who may call it and how it misbehaves.
    public struct Configuration: Sendable {
        /// The address to listen on; 127.0.0.1 unless other machines must reach it.
        public var host: String
        /// 0 picks a free port; the port in use is reported once the server listens.
        public var port: Int
        /// The SQLite file the simulator keeps its records in (created when missing).
        public var databasePath: String
        /// The bearer token POST and GET under `/v1` need; no authentication when `nil`.
        public var token: String?
        /// Random faults for the whole run (per-request faults come from the header or ``enqueueFaults(_:)``).
        public var faults: FaultProfile
        /// Receives request summaries (resource, status); never record values.
        public var logger: Logger

        public init(
            host: String = "127.0.0.1", port: Int = 0, databasePath: String, token: String? = nil,
            faults: FaultProfile = .none, logger: Logger = Logger(label: "kamiflow.core-sim")
        ) {
            self.host = host
            self.port = port
            self.databasePath = databasePath
            self.token = token
            self.faults = faults
            self.logger = logger
        }
    }

    /// The configuration the simulator was made with.
    public let configuration: Configuration
    let store: SimulatorStore
    let plan: FaultPlan
    let document: SimulatorDocument

    /// Opens (or creates) the database; throws `io` naming the file when it cannot. Does not listen yet.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        self.store = try SimulatorStore(path: configuration.databasePath)
        self.plan = FaultPlan(profile: configuration.faults)
        self.document = .bundled
    }

    /// The OpenAPI 3.1 document the simulator serves at `/openapi.json` and validates requests with.
    public static var openAPIDocument: Data { SimulatorDocument.bundled.data }

    /// The business resources, e.g. `jidou-teate`, as the path `/v1/<name>` and a connection's `resource:` name them.
    public static var resourceNames: [String] { SimulatorDocument.bundled.resourceNames }

    /// Faults for the next POSTs, in order, before any random ones.
    public func enqueueFaults(_ faults: [Fault]) { plan.enqueue(faults) }

    /// Replaces the random fault profile for the rest of the run.
    public func setFaultProfile(_ profile: FaultProfile) { plan.profile = profile }

    /// How many POSTs with a key reached the simulator (authenticated, known resource), answered or not; tests use
    /// it to prove that a connector did or did not retry.
    public var postCount: Int { plan.posts }

    /// What arrived for `resource`, oldest first.
    public func records(in resource: String) throws -> [StoredRecord] { try store.records(resource: resource) }

    /// Serves until the task is cancelled or a graceful shutdown reaches it; `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onListening: onListening).run()
    }

    /// Serves until SIGINT or SIGTERM, shutting down gracefully (the CLI's `core-sim serve`).
    public func runUntilSignalled(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onListening: onListening).runService()
    }

    /// Starts a simulator, runs `body` with it and its port, then shuts it down gracefully.
    public static func withRunning<T: Sendable>(
        _ configuration: Configuration, _ body: (CoreSimulator, Int) async throws -> T
    ) async throws -> T {
        let simulator = try CoreSimulator(configuration: configuration)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = simulator.makeApplication { port in continuation.yield(port) }
        let services = ServiceGroup(
            configuration: .init(services: [application], logger: configuration.logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await services.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.next()
                throw KamiflowError(.io, "the simulator stopped before it listened", subject: configuration.host)
            }
            let result: Result<T, any Error>
            do { result = .success(try await body(simulator, port)) } catch { result = .failure(error) }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            try simulator.store.close()
            return try result.get()
        }
    }

    // MARK: The HTTP side

    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel
        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    private func makeApplication(
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router(context: Context.self)
        router.get("/") { request, _ in
            // The page shows what arrived (names, addresses): it needs the token like the API does. A browser gives
            // it as the password of HTTP Basic authentication (any user name), which it asks for on a 401.
            if let refusal = self.authenticate(request, browser: true) { return refusal }
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: try StatusPage.render(self))))
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.document.data)))
        }
        router.get("/v1/:resource") { request, context in
            try await self.list(request, context: context)
        }
        router.post("/v1/:resource") { request, context in
            try await self.create(request, context: context)
        }
        // A method a path does not serve is answered 405 with the methods it does (RFC 9110 §15.5.6), not 404 as if
        // the path did not exist; OPTIONS says the same with 204.
        for (path, allowed) in [("/", "GET"), ("/openapi.json", "GET"), ("/v1/:resource", "GET, POST")] {
            let methods: [HTTPRequest.Method] = [.post, .put, .delete, .patch, .trace, .options]
            for method in methods where !allowed.contains(method.rawValue) {
                router.on(RouterPath(path), method: method) { _, _ in
                    Response(status: method == .options ? .noContent : .methodNotAllowed, headers: [.allow: allowed])
                }
            }
        }
        let logger = configuration.logger
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "kamiflow-core-sim"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("core-sim listening", metadata: ["port": .stringConvertible(port)])
                await onListening(port)
            },
            logger: logger
        )
    }

    private func list(_ request: Request, context: Context) async throws -> Response {
        if let refusal = authenticate(request) { return refusal }
        let resource = context.parameters.get("resource") ?? ""
        guard document.resources[resource] != nil else {
            return Self.json(404, SimulatorStore.problem("not_found", "no resource '\(resource)'"))
        }
        let items: [JSONValue] = try store.records(resource: resource).map { record in
            .object([
                "id": .string(record.id), "idempotency_key": .string(record.idempotencyKey),
                "received_at": .string(record.receivedAt),
                "record": .object(record.fields.mapValues { .string($0) }),
            ])
        }
        return Self.json(200, JSONValue.object(["items": .array(items)]).canonicalText)
    }

    private func create(_ request: Request, context: Context) async throws -> Response {
        if let refusal = authenticate(request) { return refusal }
        let resource = context.parameters.get("resource") ?? ""
        guard let schema = document.resources[resource] else {
            return Self.json(404, SimulatorStore.problem("not_found", "no resource '\(resource)'"))
        }
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty, key.count <= 200 else {
            return Self.json(400, SimulatorStore.problem("bad_request", "the Idempotency-Key header is required"))
        }
        let (planned, latency) = plan.next()
        var fault = planned
        if let header = request.headers[HTTPField.Name("X-Kamiflow-Fault")!] { fault = Fault(header: header) ?? fault }
        if latency > 0 { try await Task.sleep(for: .milliseconds(Int64(latency * 1000))) }
        if case .status(let status, let retryAfter) = fault {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter { headers[HTTPField.Name("Retry-After")!] = String(retryAfter) }
            let code = status == 429 ? "too_many_requests" : status == 503 ? "unavailable" : "internal_error"
            return Response(
                status: .init(code: status), headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: SimulatorStore.problem(code, "simulated fault"))))
        }
        let bytes = try await request.body.collect(upTo: 1 << 20)
        guard let body = JSONValue.parse(Data(bytes.readableBytesView))?.objectValue else {
            return Self.json(400, SimulatorStore.problem("bad_request", "the body must be a JSON object"))
        }
        let answer = try await store.register(resource: resource, key: key, body: body) { schema.validate($0) }
        configuration.logger.info(
            "POST answered",
            metadata: [
                "resource": .string(resource), "status": .stringConvertible(answer.status),
                "replayed": .stringConvertible(answer.replayed),
                // Who sent which key (keys are scan hashes, no personal data): with several workers, a log says
                // which of them delivered a record, or sent it again.
                "key": .string(key), "client": .string(context.channel.remoteAddress?.ipAddress ?? "?"),
            ])
        switch fault {
        case .drop:
            try await context.channel.close()
            throw CancellationError()
        case .stall(let seconds):
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        default: break
        }
        var response = Self.json(answer.status, answer.body)
        if answer.replayed { response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return response
    }

    /// `nil` when the request carries the token (as a bearer token, or for `browser` pages also as the password of
    /// HTTP Basic authentication), else the 401 answer.
    private func authenticate(_ request: Request, browser: Bool = false) -> Response? {
        guard let token = configuration.token else { return nil }
        let given = request.headers[.authorization] ?? ""
        if Self.sameSecret(given, "Bearer " + token) { return nil }
        if browser, given.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(given.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":"),
            Self.sameSecret(String(decoded[decoded.index(after: colon)...]), token)
        {
            return nil
        }
        if browser {
            return Response(
                status: .unauthorized,
                headers: [
                    .wwwAuthenticate: #"Basic realm="kamiflow core-sim", charset="UTF-8""#,
                    .contentType: "text/plain; charset=utf-8",
                ],
                body: .init(byteBuffer: ByteBuffer(string: "the token is required (as the password)\n")))
        }
        var response = Self.json(401, SimulatorStore.problem("unauthorized", "a valid bearer token is required"))
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    /// Compares without an early exit, so the time taken does not tell how much of the secret was right.
    static func sameSecret(_ given: String, _ expected: String) -> Bool {
        var difference = given.utf8.count ^ expected.utf8.count
        for (a, b) in zip(given.utf8, expected.utf8) { difference |= Int(a ^ b) }
        return difference == 0
    }

    static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
