import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowRuntime
import KamiflowWorkflow
import Logging

/// The composition root's shared parts: one engine pool for the whole process (engines are ≈ 80 MB each and take
/// 60–100 ms to start, so every inbox, job and batch shares them), the loaded workflows, and the connections of the
/// deployment file — or, with none, the embedded default: one SQLite core-system database under `./.kamiflow/`
/// that every workflow's `deliver:` lands in, one table per resource.
actor Composition {
    struct Settings: Sendable {
        /// The deployment file; `nil` for the embedded defaults.
        var deployment: String?
        /// Engines in the pool (one per core by default).
        var workers: Int
        /// The model for reads that name none (identification, anchors). `jpn`, the model fields are read with,
        /// so each engine holds it once: with `jpn+eng` here every engine held jpn twice, about 50 MB more.
        var languages = "jpn"
        /// Deskewed before reading, as `kamiflow extract` and `eval` do: registration absorbs a small skew, but
        /// Tesseract reads a level line better than a slanted one (measured: +5 to +20 points of field accuracy on
        /// office-scanner samples).
        var preparation = Preparation(deskew: true)
        /// Bytes the pages being read may hold at once (`OCRConfiguration.pageMemoryBudget`).
        var pageMemoryBudget = OCRConfiguration.defaultPageMemoryBudget
    }

    let settings: Settings
    let environment: [String: String]
    let logger: Logger
    private var pool: EnginePool?
    private var workflows: [String: Workflow] = [:]
    private var connectorsByName: [String: any Connector]?
    private var embeddedCore: (any Connector)?
    private var routing: [String: any Connector] = [:]
    private var checkedMappings: MappingCheck?

    init(settings: Settings, environment: [String: String], logger: Logger) {
        self.settings = settings
        self.environment = environment
        self.logger = logger
    }

    /// What `kamiflow run`, an inbox or a scheduled job runs with: extraction through the shared engines, the
    /// mapping of each workflow's `deliver:` block, and the connections those blocks name.
    func wiring(workflowFiles: [String], recordFiles: Bool) async throws -> RuntimeWiring {
        if recordFiles {
            // Record files are read already. A workflow file that exists maps their records onto its `deliver:`
            // block as after a reading, so a drill delivers into the real connections (the tests' core system);
            // a name with no file behind it (a drill's placeholder) leaves the records in the journal only.
            let present = workflowFiles.filter { FileManager.default.fileExists(atPath: $0) }
            guard !present.isEmpty else {
                return RuntimeWiring(processor: RecordFileProcessor(), planner: { _ in [] }, connectors: [])
            }
            let loaded = try present.map(workflow(file:))
            for workflow in loaded { try await mappingCheck().requireValid(workflow) }
            return RuntimeWiring(
                processor: RecordFileProcessor(), planner: Self.planner(for: loaded),
                connectors: try connectors(for: loaded))
        }
        guard !workflowFiles.isEmpty else {
            throw KamiflowError(.invalidArgument, "name at least one workflow file (.yaml) before the inputs")
        }
        let loaded = try workflowFiles.map(workflow(file:))
        // Every mapping against the contract of the connection it delivers to, before any scan is touched.
        for workflow in loaded { try await mappingCheck().requireValid(workflow) }
        let connectors = try connectors(for: loaded)
        let extractor = Extractor(
            workflows: loaded, reader: try await enginePool(),
            configuration: ExtractionConfiguration(
                preparation: settings.preparation, today: .today, typefaces: try TypefaceGlyphs(for: loaded),
                masters: try MastersCommand.open(for: loaded)))
        return RuntimeWiring(
            processor: ExtractionProcessor(extractor: extractor), planner: Self.planner(for: loaded),
            connectors: connectors)
    }

    /// What the review station delivers with: the same mapping and connections as `run`, and no engines (a
    /// reviewed record is not read again).
    func reviewWiring(
        workflowFiles: [String]
    ) throws -> (
        workflows: [Workflow], planner: DeliveryPlanner,
        connectors: [any Connector]
    ) {
        let loaded = try workflowFiles.map(workflow(file:))
        return (loaded, Self.planner(for: loaded), try connectors(for: loaded))
    }

    /// Maps a record onto the deliveries its workflow's `deliver:` block asks for.
    static func planner(for workflows: [Workflow]) -> DeliveryPlanner {
        let byID = Dictionary(workflows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return { record in
            guard let workflow = byID[record.workflow] else { return [] }
            return try workflow.deliveryRequests(for: record).map {
                PlannedDelivery(connection: $0.connection, request: $0.request)
            }
        }
    }

    /// The page images as the workflows read them, for crops of fields: the scan prepared as `run` prepares it.
    func pageCrops(of path: String, regions: [(page: Int, zone: PixelRect)]) async throws -> [[UInt8]?] {
        let pool = try await enginePool()
        let pages = try await pool.withPages(of: .file(path: path), preparation: settings.preparation) { page in
            regions.map { region -> [UInt8]? in
                guard region.page == page.index else { return nil }
                return try? page.pngData(of: region.zone)
            }
        }
        return regions.indices.map { i in pages.lazy.compactMap { $0[i] }.first }
    }

    /// Parts of one page of a scan as the workflows read it (the whole page for a `nil` region), with `hidden`
    /// rectangles painted black: the review station's page image and crops, from one pass over the scan. `nil`
    /// for a region the page does not have.
    func pageImages(
        of path: String, page index: Int, regions: [PixelRect?], blackingOut hidden: [PixelRect]
    )
        async throws -> [[UInt8]?]
    {
        let pool = try await enginePool()
        let pages = try await pool.withPages(of: .file(path: path), preparation: settings.preparation) { page in
            page.index == index ? regions.map { try? page.pngData(of: $0, blackingOut: hidden) } : nil
        }
        return pages.lazy.compactMap { $0 }.first ?? regions.map { _ in nil }
    }

    /// Every connection name the wirings made so far deliver to, with its connector (aliases included): what a
    /// runner that serves several workflows routes by.
    func allConnectorsForRouting() -> [any Connector] {
        routing.keys.sorted().compactMap { routing[$0] }
    }

    /// Every connector made so far, each once: close these when the process is done.
    func allConnectors() -> [any Connector] {
        var all = Array((connectorsByName ?? [:]).values)
        if let embeddedCore { all.append(embeddedCore) }
        return all
    }

    /// Ends the engines (before exit, so Tesseract frees its caches cleanly) and closes every connection.
    func shutdown() async {
        for connector in allConnectors() {
            do {
                try await connector.close()
            } catch {
                logger.error(
                    "closing the connection failed",
                    metadata: [
                        "connection": "\(connector.name)",
                        "error": "\(error)",
                    ])
            }
        }
        await pool?.shutdown()
        pool = nil
    }

    private func workflow(file: String) throws -> Workflow {
        if let cached = workflows[file] { return cached }
        guard FileManager.default.fileExists(atPath: file) else {
            throw KamiflowError(.fileNotFound, "no such workflow file", subject: file)
        }
        let loaded = try Workflow.load(file: file)
        workflows[file] = loaded
        return loaded
    }

    /// One check for the process: the documents the deployment's APIs serve are fetched once, however many
    /// inboxes and jobs are wired.
    private func mappingCheck() async throws -> MappingCheck {
        if let checkedMappings { return checkedMappings }
        let made = await MappingCheck.prepared(
            deployment: try settings.deployment.map(DeploymentConnections.load(path:)), for: nil)
        checkedMappings = made
        return made
    }

    func enginePool() async throws -> EnginePool {
        if let pool { return pool }
        let made = try await EnginePool(
            configuration: OCRConfiguration(languages: settings.languages, pageMemoryBudget: settings.pageMemoryBudget),
            workers: settings.workers)
        pool = made
        return made
    }

    /// The connectors the workflows' `deliver:` blocks name. With a deployment file each name must be one of its
    /// connections; without one, every name is an alias of the embedded SQLite core system.
    private func connectors(for workflows: [Workflow]) throws -> [any Connector] {
        let named = try deploymentConnectors()
        var result: [any Connector] = []
        for name in Set(workflows.flatMap { $0.deliveries.map(\.connection) }).sorted() {
            if let connector = named[name] {
                result.append(connector)
            } else if settings.deployment == nil {
                result.append(AliasConnector(name: name, target: try embeddedCoreConnector()))
            } else {
                let users = workflows.filter { $0.deliveries.contains { $0.connection == name } }.map(\.id)
                throw KamiflowError(
                    .invalidDeployment,
                    "workflow \(users.joined(separator: ", ")) delivers to '\(name)', which the deployment file does "
                        + "not define under connections:",
                    subject: settings.deployment)
            }
        }
        for connector in result { routing[connector.name] = connector }
        return result
    }

    private func deploymentConnectors() throws -> [String: any Connector] {
        if let connectorsByName { return connectorsByName }
        guard let path = settings.deployment else {
            connectorsByName = [:]
            return [:]
        }
        let made = try DeploymentConnections.load(path: path).makeConnectors(environment: environment, logger: logger)
        connectorsByName = made
        return made
    }

    private func embeddedCoreConnector() throws -> any Connector {
        if let embeddedCore { return embeddedCore }
        let defaults = DeploymentConnections.embeddedDefault(in: FileManager.default.currentDirectoryPath)
        let made = try defaults.makeConnectors(environment: environment, logger: logger)
        guard let core = made.values.first else {
            throw KamiflowError(.invalidDeployment, "the embedded core-system database could not be set up")
        }
        embeddedCore = core
        return core
    }
}

/// The pieces one batch, inbox or scheduled job runs with.
struct RuntimeWiring: Sendable {
    var processor: any ScanProcessor
    var planner: DeliveryPlanner
    var connectors: [any Connector]
}

/// Reads a scan with the workflows' extraction pipeline.
struct ExtractionProcessor: ScanProcessor {
    let extractor: Extractor

    func process(_ scan: ScanSource, id: String) async throws -> [FormRecord] {
        try await extractor.extract(scan, scanID: id).records
    }
}

/// Another name for a connection: with no deployment file every workflow's `deliver: - to: NAME` goes to the
/// embedded core system. Closing an alias does nothing; the composition closes the real connection once.
struct AliasConnector: Connector {
    let name: String
    let target: any Connector

    func deliver(_ requests: [DeliveryRequest]) async -> [DeliveryOutcome] {
        await target.deliver(requests)
    }

    func close() async throws {}
}

extension CivilDate {
    /// Today's date in the machine's time zone: the date forms are checked against (not in the future, 14-day rules).
    static var today: CivilDate {
        let now = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: Date())
        return CivilDate(year: now.year ?? 1970, month: now.month ?? 1, day: now.day ?? 1)
    }
}
