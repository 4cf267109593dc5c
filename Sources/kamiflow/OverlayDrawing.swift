import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowServer
import KamiflowWorkflow

/// What `kamiflow overlay` draws, as functions: shared by the command and the review station's authoring view, so
/// that both show the same extraction the runner does.
enum OverlayDrawing {
    /// One page (0-based) of a scan read by the real extraction, with every zone and what was read drawn over it;
    /// sensitive values masked unless `reveal`.
    static func scan(
        _ source: ScanSource, hash: String, page index: Int, workflow: Workflow, reveal: Bool,
        preparation: Preparation, masters: (any MasterData)?, pool: EnginePool
    ) async throws -> (png: [UInt8], plan: OverlayPlan) {
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(
                preparation: preparation, today: .today, typefaces: try TypefaceGlyphs(for: [workflow]),
                masters: masters))
        let result = try await extractor.extract(source, scanID: hash)
        guard let outcome = result.pages.first(where: { $0.page == index }) else {
            throw KamiflowError(
                .invalidArgument, "the scan has \(result.pages.count) page(s); there is no page \(index + 1)",
                subject: source.name)
        }
        guard outcome.workflow != nil, let record = result.records.first(where: { $0.pages.contains(index) }) else {
            throw KamiflowError(
                .recognitionFailed,
                "page \(index + 1) was not read as \(workflow.id): \(outcome.problem ?? "unclassified")",
                subject: source.name)
        }
        // Masked means masked in the picture too: the handwriting of a sensitive field is painted over.
        let hidden =
            reveal
            ? [] : record.fields.filter(\.sensitive).compactMap(\.source).filter { $0.page == index }.map(\.zone)
        // The same preparation again gives the same pixels the zones were mapped onto.
        let image = try await pool.withPages(of: source, preparation: preparation) { page in
            page.index == index ? try page.pngData(of: nil, blackingOut: hidden) : nil
        }.compactMap { $0 }.first
        guard let image else {
            throw KamiflowError(.corruptImage, "page \(index + 1) could not be decoded again", subject: source.name)
        }
        let plan = OverlayPlan(workflow: workflow, record: record, outcome: outcome, reveal: reveal)
        return (try OverlayRenderer().png(plan, on: image, name: source.name), plan)
    }

    /// The workflow's zones on its own template, before any scan: the reference blank of a form Kamiflow did not
    /// print (its first page, as `ocr` reads it), or the form as Kamiflow renders it.
    static func template(of workflow: Workflow, pool: EnginePool) async throws -> (png: [UInt8], plan: OverlayPlan) {
        let name = workflow.form.reference ?? "\(workflow.id) (rendered blank)"
        let image: [UInt8]
        if let reference = workflow.form.reference {
            let first = try await pool.withPages(of: .file(path: reference), preparation: Preparation(deskew: false)) {
                page in page.index == 0 ? try page.pngData(of: nil) : nil
            }.compactMap { $0 }.first
            guard let first else {
                throw KamiflowError(.corruptImage, "the reference image holds no page", subject: reference)
            }
            image = first
        } else {
            image = try FormRenderer().png(FormLayout(workflow: workflow), dpi: 150)
        }
        guard let page = try ImageCodec.decode(image, name: name).first, workflow.form.page.width > 0 else {
            throw KamiflowError(.corruptImage, "the template image holds no page", subject: name)
        }
        let plan = OverlayPlan(
            template: workflow, pixelsPerMillimetre: Double(page.width) / workflow.form.page.width)
        return (try OverlayRenderer().png(plan, on: image, name: name), plan)
    }

    /// The authoring view's sheet: the picture, and for every field where the workflow file declares it, what
    /// kind of area it is read from, its place in millimetres, and (over a scan) what was read, masked.
    static func sheet(
        _ drawn: (png: [UInt8], plan: OverlayPlan), workflow: Workflow, file: String, scanRead: Bool
    ) -> AuthoringSheet {
        let notes = Dictionary(drawn.plan.notes.map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
        let fields = workflow.form.placedFields.map { placed -> AuthoringSheet.Field in
            let spec = placed.spec
            let kind =
                spec.marks != nil
                ? "options"
                : spec.box != nil ? "box" : spec.parts != nil ? "date parts" : spec.cells != nil ? "cells" : "zone"
            let frame = TemplateRect.bounding(spec.readAreas) ?? spec.frame
            let place = String(
                format: "x %.1f y %.1f w %.1f h %.1f mm", frame.x, frame.y, frame.width, frame.height)
            return AuthoringSheet.Field(
                path: placed.path, label: spec.label ?? "", type: spec.type.rawValue, kind: kind, place: place,
                line: spec.location.line, read: scanRead ? notes[placed.path] : nil)
        }
        return AuthoringSheet(png: drawn.png, title: drawn.plan.title, file: file, fields: fields)
    }
}

extension Composition {
    /// The authoring view's picture with this process's engines: the workflow's zones on its template, or a scan
    /// from the journal read as the runner reads it (its first page), sensitive values masked.
    func overlay(of workflow: Workflow, scan: ScanEntry?) async throws -> (png: [UInt8], plan: OverlayPlan) {
        let pool = try await enginePool()
        guard let scan else { return try await OverlayDrawing.template(of: workflow, pool: pool) }
        return try await OverlayDrawing.scan(
            .file(path: scan.path), hash: scan.hash, page: 0, workflow: workflow, reveal: false,
            preparation: settings.preparation, masters: try MastersCommand.open(for: [workflow]), pool: pool)
    }
}
