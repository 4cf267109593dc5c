import Foundation
import Hummingbird
import KamiflowCore

/// The authoring view, for whoever writes workflows (the admin role): each workflow's zones drawn on its template
/// (the reference blank, or the form as Kamiflow renders it) and, for a scan chosen from the journal, that scan's
/// extraction drawn over it — what `kamiflow overlay` draws — with the line of the workflow file that declares each
/// field. Addresses carry only the workflow id and the journal's row number; sensitive values stay masked.
extension ReviewWebStation {
    func addAuthoringRoutes(to router: Router<Context>) {
        router.get("/author") { request, _ in
            try await self.withSession(request) { session, _ in
                guard session.role.mayAuthor else { return self.message(session, "forbidden", status: .forbidden) }
                var context = self.pages.base(session)
                context["workflows"] = self.backend.workflows.map {
                    ["id": $0.id, "title": $0.title, "file": $0.file, "href": "/author/\($0.id)"]
                }
                return self.html(self.pages.render("authoring", context))
            }
        }
        router.get("/author/:workflow") { request, context in
            try await self.withSession(request) { session, _ in
                guard session.role.mayAuthor else { return self.message(session, "forbidden", status: .forbidden) }
                let workflow = context.parameters.get("workflow") ?? ""
                return try await self.authoringPage(
                    session, workflow: workflow, scan: request.uri.queryParameters["scan"])
            }
        }
        router.get("/author/:workflow/image") { request, context in
            try await self.withSession(request) { session, _ in
                guard session.role.mayAuthor else { return Response(status: .forbidden) }
                let key = ImageCache.key(
                    session: session, scan: "author", index: context.parameters.get("workflow") ?? "")
                guard let png = await self.images.image(key, request.uri.queryParameters["scan"].map(String.init) ?? "")
                else { return Response(status: .notFound) }
                return Response(
                    status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
            }
        }
    }

    /// The page of one workflow: its picture, the table of its fields, and the latest scans of it to choose from.
    func authoringPage(_ session: StationSession, workflow: String, scan: Substring?) async throws -> Response {
        guard let known = backend.workflows.first(where: { $0.id == workflow }) else {
            return message(session, "notFound", status: .notFound)
        }
        var entry: ScanEntry?
        if let scan {
            guard let row = Int64(scan), let found = try await journal.entry(rowID: row), found.workflow == workflow
            else { return message(session, "notFound", status: .notFound) }
            entry = found
        }
        var context = pages.base(session)
        context["workflow"] = ["id": known.id, "title": known.title, "file": known.file]
        do {
            guard let sheet = try await backend.authoring(workflow, entry) else {
                return message(session, "notFound", status: .notFound)
            }
            let key = ImageCache.key(session: session, scan: "author", index: workflow)
            let name = entry.map { String($0.rowID) } ?? ""
            await images.store(key, [name: sheet.png])
            context["image"] = "/author/\(workflow)/image" + (entry.map { "?scan=\($0.rowID)" } ?? "")
            context["title"] = sheet.title
            context["fields"] = sheet.fields.map { field -> [String: Any] in
                var row: [String: Any] = [
                    "path": field.path, "label": field.label, "type": field.type, "kind": field.kind,
                    "place": field.place, "line": field.line > 0 ? "\(sheet.file):\(field.line)" : "—",
                ]
                if let read = field.read { row["read"] = read }
                return row
            }
            context["overScan"] = entry != nil
        } catch {
            // A scan that cannot be read as this workflow says why, in the page, instead of a picture.
            context["problem"] = "\(error)"
        }
        context["scans"] = try await journal.list(state: nil, limit: 500).filter { $0.workflow == workflow }.prefix(30)
            .map { scan -> [String: Any] in
                [
                    "href": "/author/\(workflow)?scan=\(scan.rowID)", "number": "\(scan.rowID)",
                    "state": scan.state.rawValue,
                    "when": ISO8601DateFormatter.string(
                        from: scan.createdAt, timeZone: .current,
                        formatOptions: [.withFullDate, .withTime, .withColonSeparatorInTime]),
                    "current": scan.rowID == entry?.rowID,
                ]
            }
        try store.audit(user: session.user, action: "author", scan: entry?.rowID, detail: workflow)
        return html(pages.render("authoring-sheet", context))
    }
}
