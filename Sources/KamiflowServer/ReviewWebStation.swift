public import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import KamiflowCore
public import Logging
import Mustache
import NIOCore
import NIOSSL
public import ServiceLifecycle

/// The review station in the browser (`kamiflow review serve`): counter staff log in, see what waits per workflow,
/// and check, correct, accept or reject flagged records with the keyboard. Every page comes from a Mustache
/// template (escaped by the engine), every form carries the session's CSRF token, and a sensitive value reaches
/// only a user whose role may reveal it, after an audited request to see it.
public final class ReviewWebStation: Sendable {
    public struct Configuration: Sendable {
        /// 127.0.0.1 unless other machines must reach the station.
        public var host: String
        /// 0 picks a free port (reported once listening).
        public var port: Int
        public var language: StationLanguage
        /// Cookies marked `Secure`: set when the station is reached over TLS (a TLS-terminating proxy in front);
        /// always with `tls`.
        public var secureCookies: Bool
        /// Serve HTTPS with this certificate (chain) and private key, PEM files; plain HTTP when `nil`.
        public var tls: TLSFiles?
        /// How long a reviewer keeps a record without touching it.
        public var leaseDuration: TimeInterval
        /// This station among the stations sharing the journal, as its record leases name it (host and process).
        public var node: String
        public var logger: Logger

        public init(
            host: String = "127.0.0.1", port: Int = 0, language: StationLanguage = .ja, secureCookies: Bool = false,
            leaseDuration: TimeInterval = 10 * 60, logger: Logger = Logger(label: "kamiflow.review-web"),
            tls: TLSFiles? = nil,
            node: String = ProcessInfo.processInfo.hostName + "/" + String(ProcessInfo.processInfo.processIdentifier)
        ) {
            self.node = node
            self.tls = tls
            self.host = host
            self.port = port
            self.language = language
            self.secureCookies = secureCookies
            self.leaseDuration = leaseDuration
            self.logger = logger
        }
    }

    /// The certificate and key files of a station that speaks HTTPS itself.
    public struct TLSFiles: Sendable, Hashable {
        public var certificate: String
        public var key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }

        /// The server side of TLS from the two files; a file that is missing or not PEM is named in the error.
        func serverConfiguration() throws(KamiflowError) -> TLSConfiguration {
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificate)
            } catch {
                throw KamiflowError(
                    .invalidArgument, "cannot read the TLS certificate (a PEM file): \(error)", subject: certificate)
            }
            guard !chain.isEmpty else {
                throw KamiflowError(
                    .invalidArgument, "the TLS certificate file holds no certificate", subject: certificate)
            }
            let privateKey: NIOSSLPrivateKey
            do {
                privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw KamiflowError(
                    .invalidArgument, "cannot read the TLS private key (a PEM file, unencrypted): \(error)",
                    subject: key)
            }
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        }
    }

    let configuration: Configuration
    /// The server side of TLS, read from the configured files at start (`nil`: plain HTTP).
    let tlsConfiguration: TLSConfiguration?
    let journal: any Journal
    let store: StationStore
    let backend: ReviewBackend
    let pages: StationPages
    let images = ImageCache()

    public init(
        configuration: Configuration, journal: any Journal, store: StationStore, backend: ReviewBackend
    )
        async throws
    {
        self.configuration = configuration
        self.tlsConfiguration = try configuration.tls?.serverConfiguration()
        self.journal = journal
        self.store = store
        self.backend = backend
        self.pages = try await StationPages(language: configuration.language)
    }

    /// Serves until SIGINT/SIGTERM; `onListening` gets the port.
    public func runUntilSignalled(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onListening: onListening).runService()
    }

    /// The station as a service, for a service group that also runs other parts (`kamiflow serve`).
    public func service(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> any Service {
        try makeApplication(onListening: onListening)
    }

    /// `https` when the station serves TLS itself, else `http`: for the address it prints.
    public var scheme: String { tlsConfiguration == nil ? "http" : "https" }

    // MARK: Routes

    typealias Context = BasicRequestContext

    func makeApplication(
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> some ApplicationProtocol & Service {
        let router = Router(context: Context.self)
        router.add(middleware: SecurityHeaders())
        router.get("/health") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/metrics") { _, _ in try await self.metrics() }
        router.get("/static/:file") { _, context in
            guard let name = context.parameters.get("file"), let asset = self.pages.assets[name] else {
                return Response(status: .notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: asset.type, .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: asset.text)))
        }
        router.get("/login") { request, _ in self.loginPage(request, message: nil) }
        router.post("/login") { request, _ in try await self.login(request) }
        router.post("/logout") { request, _ in
            try await self.withSession(request, form: true) { session, _ in
                try self.store.endSession(token: session.token)
                try await self.journal.releaseReviewRecords(of: session.user)
                var response = Self.redirect("/login")
                response.headers.append(HTTPField(name: .setCookie, value: self.cookie("kf_session", "", maxAge: 0)))
                return response
            }
        }
        router.get("/") { request, _ in
            try await self.withSession(request) { session, _ in try await self.queuePage(session) }
        }
        router.get("/next") { request, _ in
            try await self.withSession(request) { session, _ in try await self.next(session) }
        }
        router.get("/records/:scan/:index") { request, context in
            try await self.withRecord(request, context) { session, target, _ in
                try await self.recordPage(session, target, revealed: false)
            }
        }
        router.post("/records/:scan/:index/reveal") { request, context in
            try await self.withRecord(request, context, form: true) { session, target, _ in
                guard session.role.mayReveal else { return self.message(session, "forbidden", status: .forbidden) }
                try self.store.audit(
                    user: session.user, action: "reveal", scan: target.entry.rowID, index: target.index)
                return try await self.recordPage(session, target, revealed: true)
            }
        }
        router.post("/records/:scan/:index/check") { request, context in
            try await self.withRecord(request, context, form: true) { session, target, form in
                try await self.check(session, target, form)
            }
        }
        router.post("/records/:scan/:index/accept") { request, context in
            try await self.withRecord(request, context, form: true) { session, target, form in
                try await self.accept(session, target, form)
            }
        }
        router.post("/records/:scan/:index/reject") { request, context in
            try await self.withRecord(request, context, form: true) { session, target, form in
                try await self.reject(session, target, form)
            }
        }
        router.get("/records/:scan/:index/image/:name") { request, context in
            try await self.withSession(request) { session, _ in
                let key = ImageCache.key(
                    session: session, scan: context.parameters.get("scan") ?? "",
                    index: context.parameters.get("index") ?? "")
                guard let name = context.parameters.get("name"), let png = await self.images.image(key, name) else {
                    return Response(status: .notFound)
                }
                return Response(
                    status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
            }
        }
        addAuthoringRoutes(to: router)
        let logger = configuration.logger
        let server: HTTPServerBuilder
        do {
            server = try tlsConfiguration.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        } catch {
            throw KamiflowError(.invalidArgument, "cannot set up TLS with the certificate and key given: \(error)")
        }
        return Application(
            router: router, server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "kamiflow-review"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("review station listening", metadata: ["port": .stringConvertible(port)])
                await onListening(port)
            },
            logger: logger)
    }

    // MARK: Sessions and forms

    /// The logged-in user, or a redirect to the login page; for a POST, the form, refused (403) unless it carries
    /// the session's CSRF token.
    func withSession(
        _ request: Request, form: Bool = false,
        _ body: (StationSession, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let token = request.cookies["kf_session"]?.value, !token.isEmpty,
            let session = try store.session(token: token)
        else {
            return request.method == .get ? Self.redirect("/login") : Response(status: .unauthorized)
        }
        var fields: [String: String] = [:]
        if form {
            fields = try await Self.formFields(request)
            let given = fields["csrf"] ?? request.headers[HTTPField.Name("X-CSRF-Token")!] ?? ""
            guard Self.sameSecret(given, session.csrf) else {
                configuration.logger.warning(
                    "form without a valid CSRF token refused", metadata: ["user": "\(session.user)"])
                return message(session, "badRequest", status: .forbidden)
            }
        }
        return try await body(session, fields)
    }

    /// A record a user works on: the scan's journal entry and the record's index.
    struct Target {
        var entry: ScanEntry
        var index: Int
        var item: ReviewRecordEntry
        /// The blind entries made so far when the record has double-entry fields.
        var entries: [ReviewDoubleEntry]
    }

    /// The record's double-entry fields: the workflow's `review.double_entry`, filled in (a `doubleEntry` issue).
    static func blindFields(_ record: FormRecord) -> [Int] {
        record.fields.indices.filter { record.fields[$0].issues.contains { $0.code == "doubleEntry" } }
    }

    /// Resolves `/records/:scan/:index` (journal row and record index: no personal data in the address), and takes
    /// the record's lease for the user; another user's live lease answers 409 with who holds it.
    func withRecord(
        _ request: Request, _ context: Context, form: Bool = false,
        _ body: @escaping (StationSession, Target, [String: String]) async throws -> Response
    ) async throws -> Response {
        try await withSession(request, form: form) { session, fields in
            guard let row = context.parameters.get("scan").flatMap(Int64.init),
                let index = context.parameters.get("index").flatMap(Int.init),
                let entry = try await journal.entry(rowID: row),
                let item = try await journal.reviewRecords(of: row).first(where: { $0.index == index })
            else { return message(session, "notFound", status: .notFound) }
            guard item.status.isOpen, item.record != nil else { return message(session, "settled", status: .gone) }
            // Double entry: the second entry is someone else's; differing entries are a supervisor's.
            // Leases and blind entries are the journal's: every station node sharing it sees the same.
            let entries = try await journal.doubleEntries(scan: row, index: index)
            if entries.count == 1, entries[0].user == session.user {
                return message(session, "secondByOther", status: .forbidden)
            }
            if entries.count > 1, !session.role.mayReveal {
                return message(session, "supervisorNeeded", status: .forbidden)
            }
            if let holder = try await journal.claimReviewRecord(
                scan: row, index: index, user: session.user, node: configuration.node,
                for: configuration.leaseDuration)
            {
                return message(session, "lockedBy", detail: holder, status: .conflict)
            }
            return try await body(session, Target(entry: entry, index: index, item: item, entries: entries), fields)
        }
    }

    static func formFields(_ request: Request) async throws -> [String: String] {
        let bytes = try await request.body.collect(upTo: 256 * 1024)
        let text = String(decoding: bytes.readableBytesView, as: UTF8.self)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
        }
        return fields
    }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        var text = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if configuration.secureCookies || tlsConfiguration != nil { text += "; Secure" }
        return text
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// Compared without an early exit (the simulator's comparison); an empty expected secret matches nothing.
    static func sameSecret(_ given: String, _ expected: String) -> Bool {
        !expected.isEmpty && CoreSimulator.sameSecret(given, expected)
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func message(
        _ session: StationSession?, _ key: String, detail: String? = nil, status: HTTPResponse.Status
    )
        -> Response
    {
        var context = pages.base(session)
        context["message"] = pages.words[key] ?? key
        if let detail { context["detail"] = detail }  // an empty string would still open the section
        return html(pages.render("message", context), status: status)
    }

    // MARK: Login

    func loginPage(_ request: Request, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        // Login CSRF: the form's token must equal a cookie only this site can set.
        let token = StationStore.randomToken()
        var context = pages.base(nil)
        context["csrf"] = token
        if let message { context["error"] = message }
        var response = html(pages.render("login", context), status: status)
        response.headers.append(HTTPField(name: .setCookie, value: cookie("kf_login", token, maxAge: 3600)))
        return response
    }

    func login(_ request: Request) async throws -> Response {
        let fields = try await Self.formFields(request)
        guard let expected = request.cookies["kf_login"]?.value, Self.sameSecret(fields["csrf"] ?? "", expected) else {
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: (pages.words["badRequest"] ?? "") + "\n")))
        }
        switch try store.login(fields["user"] ?? "", password: fields["password"] ?? "") {
        case .success(let session):
            var response = Self.redirect("/")
            response.headers.append(HTTPField(name: .setCookie, value: cookie("kf_session", session.token)))
            response.headers.append(HTTPField(name: .setCookie, value: cookie("kf_login", "", maxAge: 0)))
            return response
        case .refused:
            return loginPage(request, message: pages.words["loginRefused"], status: .unauthorized)
        case .locked:
            return loginPage(request, message: pages.words["loginLocked"], status: .tooManyRequests)
        }
    }

    // MARK: The queue

    func reasons(of record: FormRecord) -> [String] {
        var seen: Set<String> = []
        return (record.fields.flatMap(\.issues) + record.issues).map { pages.language.reason($0.code) }
            .filter { seen.insert($0).inserted }
    }

    /// The queue per workflow, longest-waiting first: how many records wait and the oldest of them (read a page at
    /// a time from the journal, as `review list` would find them: scans in review, and accepted records that
    /// failed or were refused by a core system and may be accepted again).
    func queuePage(_ session: StationSession) async throws -> Response {
        let now = Date()
        let holders = try await journal.reviewLeaseHolders(), states = try await journal.doubleEntryStates()
        var groups: [[String: Any]] = []
        for queue in try await journal.reviewQueues() {
            let name =
                backend.title(queue.workflow).map {
                    pages.language == .ja ? "\($0)（\(queue.workflow)）" : "\($0) (\(queue.workflow))"
                } ?? queue.workflow
            var rows: [[String: Any]] = []
            // The oldest ones are listed; the count says how many wait in all.
            for item in try await journal.openReviewRecords(workflow: queue.workflow, offset: 0, limit: Self.queueRows)
            {
                guard let record = item.record.record else { continue }
                let key = ReviewRecordKey(scan: item.scan.rowID, index: item.record.index)
                var row: [String: Any] = [
                    "href": "/records/\(key)",
                    "number": "\(item.scan.rowID)-\(item.record.index)",
                    "age": pages.language.age(now.timeIntervalSince(item.since)),
                    "reasons": reasons(of: record).joined(separator: pages.language == .ja ? "、" : "; "),
                    "flagged": record.fields.filter { !$0.issues.isEmpty }.count,
                ]
                if let holder = holders[key], holder != session.user { row["heldBy"] = holder }
                if let state = states[key] {
                    row["state"] = pages.words[state.count == 1 ? "firstDone" : "conflict"] ?? ""
                }
                rows.append(row)
            }
            groups.append(["workflow": name, "count": queue.count, "records": rows])
        }
        var context = pages.base(session)
        context["groups"] = groups
        context["hasRecords"] = !groups.isEmpty
        try store.audit(user: session.user, action: "queue")
        return html(pages.render("queue", context))
    }

    /// The oldest open record nobody else holds, else the queue: the next record opens without the mouse. The
    /// journal is read a page at a time, oldest first, until one is found.
    func next(_ session: StationSession) async throws -> Response {
        let holders = try await journal.reviewLeaseHolders(), states = try await journal.doubleEntryStates()
        var offset = 0
        while true {
            let page = try await journal.openReviewRecords(workflow: nil, offset: offset, limit: Self.nextPage)
            for item in page {
                let key = ReviewRecordKey(scan: item.scan.rowID, index: item.record.index)
                if let holder = holders[key], holder != session.user { continue }
                if let state = states[key] {
                    if state.count == 1 && state.first == session.user { continue }  // the second entry is another's
                    if state.count > 1 && !session.role.mayReveal { continue }  // differing entries: a supervisor's
                }
                // Taken here, so that reviewers asking at the same moment get different records.
                guard
                    try await journal.claimReviewRecord(
                        scan: item.scan.rowID, index: item.record.index, user: session.user, node: configuration.node,
                        for: configuration.leaseDuration) == nil
                else { continue }
                return Self.redirect("/records/\(key)")
            }
            guard page.count == Self.nextPage else { return Self.redirect("/") }
            offset += page.count
        }
    }

    /// How many open records "next record" reads at a time.
    static let nextPage = 50

    /// At most this many records are listed per workflow (the oldest); the count says how many wait.
    static let queueRows = 200

    // MARK: The record

    /// The value as a user of this role sees it: a sensitive value only when revealed.
    func shown(_ field: FieldResult, revealed: Bool) -> (text: String, masked: Bool) {
        let text = field.value.isEmpty ? (field.raw ?? "") : field.value.textValue
        if field.sensitive && !revealed && !text.isEmpty { return (pages.words["masked"] ?? "", true) }
        return (text, false)
    }

    func recordPage(
        _ session: StationSession, _ target: Target, revealed: Bool, entered: [Int: String] = [:],
        errors: [Int: [String]] = [:], recordErrors: [String] = [], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let record = target.item.record else { return message(session, "settled", status: .gone) }
        let reveal = revealed && session.role.mayReveal
        let page = record.pages.first ?? 0
        let flagged = record.fields.indices.filter { !record.fields[$0].issues.isEmpty }
        let blind = Set(Self.blindFields(record))
        let hidden = reveal ? [] : record.fields.filter(\.sensitive).compactMap { $0.source?.zone }
        // The page with the sensitive fields painted black (unless revealed), and a crop of each flagged field
        // that may be seen, in one pass over the scan.
        let cropped = flagged.filter {
            record.fields[$0].source?.page == page && (reveal || !record.fields[$0].sensitive)
        }
        var pictures: [[UInt8]?] = []
        do {
            pictures = try await backend.images(
                target.entry.path, page, [nil] + cropped.map { record.fields[$0].source?.zone }, hidden)
        } catch {
            configuration.logger.warning("page image not available", metadata: ["scan": "\(target.entry.rowID)"])
        }
        let key = ImageCache.key(session: session, scan: "\(target.entry.rowID)", index: "\(target.index)")
        var named: [String: [UInt8]] = [:]
        if let png = pictures.first ?? nil { named["page.png"] = png }
        for (n, png) in zip(cropped, pictures.dropFirst()) { if let png { named["crop-\(n).png"] = png } }
        await images.store(key, named)
        let size = named["page.png"].flatMap(Self.pngSize)

        var context = pages.base(session)
        context["title"] = backend.title(record.workflow) ?? record.workflow
        context["number"] = "\(target.entry.rowID)-\(target.index)"
        context["action"] = "/records/\(target.entry.rowID)/\(target.index)"
        context["revealed"] = reveal
        context["canReveal"] = session.role.mayReveal && !reveal && record.fields.contains { $0.sensitive }
        context["age"] = pages.language.age(Date().timeIntervalSince(target.entry.stateSince))
        context["hasPage"] = named["page.png"] != nil
        context["pageURL"] = "\(context["action"]!)/image/page.png"
        var outlines: [[String: Any]] = []
        if let size, size.width > 0, size.height > 0 {
            for (order, n) in flagged.enumerated() {
                guard let source = record.fields[n].source, source.page == page else { continue }
                func percent(_ value: Int, _ whole: Int) -> String {
                    String(format: "%.3f%%", Double(value) * 100 / Double(whole))
                }
                // Placed by the script (the Content-Security-Policy allows no inline style).
                let zone = source.zone
                outlines.append([
                    "n": n, "order": order + 1,
                    "box": [
                        percent(zone.x, size.width), percent(zone.y, size.height), percent(zone.width, size.width),
                        percent(zone.height, size.height),
                    ].joined(separator: " "),
                ])
            }
        }
        context["outlines"] = outlines
        context["flagged"] = flagged.enumerated().map { order, n -> [String: Any] in
            let field = record.fields[n]
            let (text, masked) = shown(field, revealed: reveal)
            // A supervisor deciding differing entries starts from the first entry's corrections of other fields.
            let earlier =
                target.entries.count > 1 && !blind.contains(n) && !masked
                ? target.entries[0].corrections[field.path] : nil
            let input = entered[n] ?? earlier ?? (masked || blind.contains(n) ? "" : text)
            var item: [String: Any] = [
                "n": n, "order": order + 1, "path": field.path,
                "label": backend.label(record.workflow, field.path) ?? field.path,
                "masked": masked, "input": input,
                "reasons": Array(Set(field.issues.map { pages.language.reason($0.code) })).sorted(),
                "errors": errors[n] ?? [], "hasErrors": !(errors[n] ?? []).isEmpty,
                "first": order == 0,
            ]
            if !text.isEmpty && !blind.contains(n) { item["read"] = text }  // a section opens on any string, even ""
            if blind.contains(n) {
                item["blind"] = true
                if target.entries.count > 1 {  // only a supervisor gets here: both entries, sensitive ones if revealed
                    item["entries"] = target.entries.map { entry -> [String: String] in
                        let value = entry.keyed[field.path] ?? ""
                        return [
                            "user": entry.user,
                            "value": field.sensitive && !reveal ? (pages.words["masked"] ?? "") : value,
                        ]
                    }
                }
            }
            if named["crop-\(n).png"] != nil { item["crop"] = "\(context["action"]!)/image/crop-\(n).png" }
            return item
        }
        context["others"] = record.fields.indices.filter { record.fields[$0].issues.isEmpty }.map {
            n -> [String: Any] in
            let field = record.fields[n]
            return [
                "path": field.path, "label": backend.label(record.workflow, field.path) ?? field.path,
                "value": shown(field, revealed: reveal).text,
            ]
        }
        if !target.entries.isEmpty {
            context["state"] = pages.words[target.entries.count == 1 ? "firstDone" : "conflict"] ?? ""
        }
        context["recordErrors"] = recordErrors
        context["hasRecordErrors"] = !recordErrors.isEmpty
        context["refused"] = !errors.isEmpty || !recordErrors.isEmpty
        try store.audit(
            user: session.user, action: "view", scan: target.entry.rowID, index: target.index,
            detail: reveal ? "revealed" : nil)
        return html(pages.render("record", context), status: status)
    }

    /// The corrections a form carries: field index → text, for the flagged fields whose input differs from what
    /// the user was shown (a masked field's empty input is no correction).
    func corrections(_ record: FormRecord, _ form: [String: String], revealed: Bool) -> [Int: String] {
        var result: [Int: String] = [:]
        let blind = Set(Self.blindFields(record))
        for n in record.fields.indices where !record.fields[n].issues.isEmpty {
            guard let given = form["f\(n)"] else { continue }
            let (text, masked) = shown(record.fields[n], revealed: revealed)
            if masked || blind.contains(n) ? !given.isEmpty : given != text { result[n] = given }
        }
        return result
    }

    /// Errors per field index and for the whole record, in the station's language where the code is known.
    func errors(in record: FormRecord) -> (fields: [Int: [String]], record: [String]) {
        var fields: [Int: [String]] = [:]
        for (n, field) in record.fields.enumerated() {
            let messages = field.issues.filter { $0.severity == .error }.map { pages.language.reason($0.code) }
            if !messages.isEmpty { fields[n] = Array(Set(messages)).sorted() }
        }
        let whole = record.issues.filter { $0.severity == .error }.map { pages.language.reason($0.code) }
        return (fields, Array(Set(whole)).sorted())
    }

    /// The record checked with the corrections typed so far, as `review accept --set` checks it; answered as
    /// JSON for the page's script (errors beside each field before accept is possible).
    func check(_ session: StationSession, _ target: Target, _ form: [String: String]) async throws -> Response {
        guard let record = target.item.record else { return Response(status: .gone) }
        let revealed = form["revealed"] == "1" && session.role.mayReveal
        let changes = corrections(record, form, revealed: revealed)
        var paths: [String: String] = [:]
        for (n, text) in changes { paths[record.fields[n].path] = text }
        if target.entries.count > 1 { paths = target.entries[0].corrections.merging(paths) { _, decided in decided } }
        var answer: [String: Any] = [:]
        do {
            let checked = try backend.check(record, paths)
            let (fields, whole) = errors(in: checked)
            answer = [
                "fields": Dictionary(uniqueKeysWithValues: fields.map { ("\($0.key)", $0.value) }), "record": whole,
            ]
        } catch {
            answer = ["fields": [String: [String]](), "record": [pages.words["badRequest"] ?? ""]]
        }
        let data = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func accept(_ session: StationSession, _ target: Target, _ form: [String: String]) async throws -> Response {
        guard let record = target.item.record else { return message(session, "settled", status: .gone) }
        let revealed = form["revealed"] == "1" && session.role.mayReveal
        let changes = corrections(record, form, revealed: revealed)
        var paths: [String: String] = [:]
        for (n, text) in changes { paths[record.fields[n].path] = text }
        let changed = changes.keys.sorted().map { record.fields[$0].path }.joined(separator: ",")
        var reviewer = session.user
        let blind = Self.blindFields(record)
        if !blind.isEmpty {
            // What the user typed is kept, except into a masked field (never sent back to whom may not see it).
            let kept = changes.filter { !record.fields[$0.key].sensitive || revealed }
            let missing = blind.filter { (changes[$0] ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
            if !missing.isEmpty {
                return try await recordPage(
                    session, target, revealed: revealed, entered: kept,
                    errors: Dictionary(uniqueKeysWithValues: missing.map { ($0, [pages.words["keyRequired"] ?? ""]) }),
                    status: .unprocessableContent)
            }
            let keyed = Dictionary(uniqueKeysWithValues: blind.map { (record.fields[$0].path, changes[$0] ?? "") })
            let rowID = target.entry.rowID
            switch target.entries.count {
            case 0:
                // The first entry: checked like any correction and kept; nothing is delivered yet.
                let (fieldErrors, whole) = errors(in: try backend.check(record, paths))
                if !fieldErrors.isEmpty || !whole.isEmpty {
                    return try await recordPage(
                        session, target, revealed: revealed, entered: kept, errors: fieldErrors, recordErrors: whole,
                        status: .unprocessableContent)
                }
                try await journal.addDoubleEntry(
                    .init(round: 1, user: session.user, keyed: keyed, corrections: paths), scan: rowID,
                    index: target.index)
                try store.audit(
                    user: session.user, action: "first-entry", scan: rowID, index: target.index, detail: changed)
                return try await leave(session, target)
            case 1:
                let first = target.entries[0]
                guard sameValues(record, first.keyed, keyed) else {
                    // Different: a supervisor sees both and decides.
                    try await journal.addDoubleEntry(
                        .init(round: 2, user: session.user, keyed: keyed, corrections: paths), scan: rowID,
                        index: target.index)
                    try store.audit(
                        user: session.user, action: "second-entry-differs", scan: rowID, index: target.index,
                        detail: changed)
                    return try await leave(session, target)
                }
                paths = first.corrections.merging(paths) { _, second in second }
                reviewer = "\(first.user), \(session.user)"
                try store.audit(user: session.user, action: "second-entry-agrees", scan: rowID, index: target.index)
            default:
                // The supervisor's values win; corrections of other fields come from the first entry.
                paths = target.entries[0].corrections.merging(paths) { _, decided in decided }
                try store.audit(user: session.user, action: "supervisor-decides", scan: rowID, index: target.index)
            }
        }
        let decision = try await backend.accept(target.entry, target.index, paths, reviewer)
        switch decision {
        case .refused(let issues):
            try store.audit(
                user: session.user, action: "refused", scan: target.entry.rowID, index: target.index, detail: changed)
            var byField: [Int: [String]] = [:]
            var whole: [String] = []
            for issue in issues {
                let indices = issue.fields.compactMap { path in record.fields.firstIndex { $0.path == path } }
                if indices.isEmpty { whole.append(pages.language.reason(issue.code)) }
                for n in indices { byField[n, default: []].append(pages.language.reason(issue.code)) }
            }
            // What the user typed is kept, except into a masked field (never sent back to whom may not see it).
            let kept = changes.filter { !record.fields[$0.key].sensitive || revealed }
            return try await recordPage(
                session, target, revealed: revealed, entered: kept,
                errors: byField.mapValues { Array(Set($0)).sorted() },
                recordErrors: Array(Set(whole)).sorted(), status: .unprocessableContent)
        case .settled(let status, _), .alreadySettled(let status):
            try store.audit(
                user: session.user, action: "accept", scan: target.entry.rowID, index: target.index,
                detail: "\(status); changed: \(changed)")
            try await journal.clearDoubleEntries(scan: target.entry.rowID, index: target.index)
            return try await leave(session, target)
        }
    }

    /// Gives the record back and opens the next one.
    func leave(_ session: StationSession, _ target: Target) async throws -> Response {
        try await journal.releaseReviewRecord(scan: target.entry.rowID, index: target.index, user: session.user)
        await images.forget(ImageCache.key(session: session, scan: "\(target.entry.rowID)", index: "\(target.index)"))
        return Self.redirect("/next")
    }

    /// Whether two blind entries say the same: equal once interpreted as the workflow interprets them (全角/半角,
    /// spaces, date styles), else equal as typed.
    func sameValues(_ record: FormRecord, _ first: [String: String], _ second: [String: String]) -> Bool {
        guard Set(first.keys) == Set(second.keys) else { return false }
        if let a = try? backend.check(record, first), let b = try? backend.check(record, second) {
            return first.keys.allSatisfy { a[$0]?.value == b[$0]?.value }
        }
        return first.keys.allSatisfy {
            first[$0]?.trimmingCharacters(in: .whitespaces) == second[$0]?.trimmingCharacters(in: .whitespaces)
        }
    }

    func reject(_ session: StationSession, _ target: Target, _ form: [String: String]) async throws -> Response {
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            return try await recordPage(
                session, target, revealed: false, recordErrors: [pages.words["rejectReason"] ?? ""],
                status: .unprocessableContent)
        }
        _ = try await backend.reject(target.entry, target.index, reason, session.user)
        try store.audit(user: session.user, action: "reject", scan: target.entry.rowID, index: target.index)
        try await journal.clearDoubleEntries(scan: target.entry.rowID, index: target.index)
        return try await leave(session, target)
    }

    // MARK: Metrics

    func metrics() async throws -> Response {
        let counts = try await journal.counts()
        let queues = try await journal.reviewQueues()
        let waiting = queues.map(\.count).reduce(0, +)
        let oldest = queues.map(\.oldest).min().map { Date().timeIntervalSince($0) } ?? 0
        var lines = ["# HELP kamiflow_scans Scans in the journal by state.", "# TYPE kamiflow_scans gauge"]
        for state in ScanState.allCases {
            lines.append("kamiflow_scans{state=\"\(state.rawValue)\"} \(counts[state] ?? 0)")
        }
        lines += [
            "# HELP kamiflow_review_queue_length Records waiting for a person.",
            "# TYPE kamiflow_review_queue_length gauge", "kamiflow_review_queue_length \(waiting)",
            "# HELP kamiflow_review_oldest_age_seconds How long the oldest waiting record has waited.",
            "# TYPE kamiflow_review_oldest_age_seconds gauge",
            "kamiflow_review_oldest_age_seconds \(Int(oldest))",
            "# HELP kamiflow_delivery_failures Scans whose delivery failed (retry or accept again).",
            "# TYPE kamiflow_delivery_failures gauge", "kamiflow_delivery_failures \(counts[.failed] ?? 0)",
        ]
        lines += Self.nodeMetrics(try await journal.nodes(now: Date()), now: Date())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
    }

    /// Every node sharing the journal (running or not, as the journal last saw it): whether it runs, the leases it
    /// holds, the scans it settled and how fast, and how long ago it was last seen.
    static func nodeMetrics(_ nodes: [NodeEntry], now: Date) -> [String] {
        func label(_ node: NodeEntry) -> String {
            let escaped = node.id.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            let host = node.host.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            return "{node=\"\(escaped)\",host=\"\(host)\"}"
        }
        var lines: [String] = []
        let families: [(String, String, String, (NodeEntry) -> String)] = [
            (
                "kamiflow_node_up", "gauge", "1 while the node runs and beats, else 0.",
                { $0.isAlive(at: now) ? "1" : "0" }
            ),
            ("kamiflow_node_leases", "gauge", "Scans the node holds a lease on.", { "\($0.leases)" }),
            (
                "kamiflow_node_review_leases", "gauge",
                "Review records the node's review station holds for a reviewer.",
                { "\($0.reviewLeases)" }
            ),
            (
                "kamiflow_node_scans_done_total", "counter", "Scans the node settled since it started.",
                { "\($0.scansDone)" }
            ),
            (
                "kamiflow_node_scans_per_minute", "gauge", "Scans the node settled per minute since it started.",
                { String(format: "%.2f", $0.scansPerMinute) }
            ),
            (
                "kamiflow_node_last_seen_age_seconds", "gauge", "Seconds since the node's last heartbeat.",
                { "\(Int(now.timeIntervalSince($0.lastSeen)))" }
            ),
        ]
        for (name, type, help, value) in families {
            lines += ["# HELP \(name) \(help)", "# TYPE \(name) \(type)"]
            lines += nodes.map { "\(name)\(label($0)) \(value($0))" }
        }
        return lines
    }

    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ png: [UInt8]) -> (width: Int, height: Int)? {
        guard png.count > 24 else { return nil }
        func number(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }
}

/// The headers every answer carries: no script, style or image from elsewhere, no framing, no sniffing, no
/// referrer, and nothing kept in caches (pages show personal data).
struct SecurityHeaders: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// The images of the record pages a session has open, so that an image is served only to the session whose page
/// was rendered with that user's rights (a reveal included). Bounded: old entries are dropped.
actor ImageCache {
    private var entries: [String: [String: [UInt8]]] = [:]
    private var order: [String] = []

    static func key(session: StationSession, scan: String, index: String) -> String {
        StationStore.digest(session.token) + "/" + scan + "/" + index
    }

    func store(_ key: String, _ images: [String: [UInt8]]) {
        entries[key] = images
        order.removeAll { $0 == key }
        order.append(key)
        while order.count > 64 { entries[order.removeFirst()] = nil }
    }

    func image(_ key: String, _ name: String) -> [UInt8]? { entries[key]?[name] }

    func forget(_ key: String) {
        entries[key] = nil
        order.removeAll { $0 == key }
    }
}

/// The templates and static files of the station, from the target's resources, and the words of its language.
struct StationPages: Sendable {
    let library: MustacheLibrary
    let language: StationLanguage
    let words: [String: String]
    let assets: [String: (type: String, text: String)]

    init(language: StationLanguage) async throws {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("review") else {
            throw KamiflowError(.fileNotFound, "the review station's templates are missing from the installation")
        }
        library = try await MustacheLibrary(directory: folder.path)
        self.language = language
        self.words = language.words
        var assets: [String: (type: String, text: String)] = [:]
        for (name, type) in [
            ("station.css", "text/css; charset=utf-8"), ("station.js", "text/javascript; charset=utf-8"),
        ] {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            assets[name] = (type, text)
        }
        self.assets = assets
    }

    func base(_ session: StationSession?) -> [String: Any] {
        var context: [String: Any] = ["t": words, "lang": language.rawValue]
        if let session {
            context["session"] = [
                "user": session.user, "role": session.role.rawValue, "mayAuthor": session.role.mayAuthor,
            ]
            context["csrf"] = session.csrf
        }
        return context
    }

    func render(_ template: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? "template \(template) missing"
    }
}
