// swift-tools-version:6.2
//
// Kamiflow: paper forms to validated records, on the municipality's own machine.
// The dependency direction is deliberate (see DESIGN.md §2): executable → Runtime/Server → Workflow/Connectors/OCR →
// Core. Only KamiflowOCR imports CTesseract; only KamiflowForms imports CCairo.

import PackageDescription

let package = Package(
    name: "Kamiflow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kamiflow", targets: ["kamiflow"])
    ],
    dependencies: [
        // Each dependency is here for one reason; keep the set lean (CI builds it from scratch on 2 cores).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),  // CLI
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),  // workflow and deployment files, with marks
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),  // journal, sqlite connector, simulator
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),  // logging facade
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),  // serve/watch
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),  // core-system simulator
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),  // http connector
        // Imported directly by the http connector and the simulator (buffers, methods, status codes); named here so
        // that they are dependencies of ours, not reached through Hummingbird and AsyncHTTPClient.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Vendors' OpenAPI documents (3.0 and 3.1, JSON or YAML, $ref and allOf) for the http connector's contract.
        // Without its default ExternalLoading trait: Kamiflow reads one local document and never fetches references.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),  // review pages, escaped
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),  // bcrypt passwords
        // The shared journal of several machines (PostgresJournal); TLS to it through NIOSSL, already in the graph
        // through async-http-client.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CTesseract",
            pkgConfig: "tesseract lept",
            providers: [.apt(["libtesseract-dev", "libleptonica-dev", "libpng-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        .target(name: "KamiflowCore"),
        .target(
            name: "KamiflowOCR",
            dependencies: ["KamiflowCore", "CTesseract"]
        ),
        .target(
            name: "KamiflowWorkflow",
            dependencies: ["KamiflowCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "KamiflowConnectors",
            dependencies: [
                "KamiflowCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "OpenAPIKit30", package: "OpenAPIKit"),
                .product(name: "OpenAPIKitCompat", package: "OpenAPIKit"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KamiflowForms",
            dependencies: ["KamiflowCore", "KamiflowWorkflow", "KamiflowOCR", "CCairo"]
        ),
        .target(
            name: "KamiflowRuntime",
            dependencies: [
                "KamiflowCore",
                "KamiflowWorkflow",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "KamiflowServer",
            dependencies: [
                "KamiflowCore",
                "KamiflowConnectors",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/review")]
        ),
        .target(
            name: "KamiflowTesting",
            dependencies: ["KamiflowCore"],
            path: "Sources/KamiflowTesting"
        ),
        .executableTarget(
            name: "kamiflow",
            dependencies: [
                "KamiflowCore", "KamiflowOCR", "KamiflowWorkflow", "KamiflowConnectors", "KamiflowForms",
                "KamiflowRuntime", "KamiflowServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),  // serve/watch
                .product(name: "Yams", package: "Yams"),  // the deployment file
            ]
        ),
        .testTarget(name: "KamiflowCoreTests", dependencies: ["KamiflowCore"]),
        .testTarget(name: "KamiflowOCRTests", dependencies: ["KamiflowOCR", "KamiflowTesting", "CTesseract"]),
        .testTarget(
            name: "KamiflowWorkflowTests",
            dependencies: ["KamiflowWorkflow", "KamiflowCore", "KamiflowOCR", "KamiflowTesting"]
        ),
        .testTarget(
            name: "KamiflowConnectorsTests",
            dependencies: [
                "KamiflowConnectors", "KamiflowServer", "KamiflowTesting", "KamiflowWorkflow", "KamiflowForms",
                "KamiflowOCR",
            ]
        ),
        .testTarget(
            name: "KamiflowServerTests",
            dependencies: [
                "KamiflowServer", "KamiflowConnectors", "KamiflowTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The runtime's tests: real record files, a real JSON Lines core system, a real SQLite journal, and a drill
        // executable the crash-and-resume test kills with SIGKILL.
        .target(
            name: "KamiflowRuntimeFixtures",
            dependencies: ["KamiflowCore", "KamiflowRuntime"],
            path: "Tests/KamiflowRuntimeFixtures"
        ),
        .executableTarget(
            name: "kamiflow-runtime-drill",
            dependencies: [
                "KamiflowRuntime", "KamiflowRuntimeFixtures", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/KamiflowRuntimeDrill"
        ),
        .testTarget(
            name: "KamiflowRuntimeTests",
            dependencies: [
                "KamiflowRuntime", "KamiflowRuntimeFixtures", "KamiflowTesting", "kamiflow-runtime-drill",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // End to end through the built `kamiflow` executable: rendered scans, the real simulator over HTTP, the real
        // journal; the crash-and-resume drill against the core system and the review station.
        .testTarget(
            name: "KamiflowEndToEndTests",
            dependencies: [
                "KamiflowCore", "KamiflowWorkflow", "KamiflowForms", "KamiflowRuntime", "KamiflowServer",
                "KamiflowTesting", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "KamiflowFormsTests",
            dependencies: ["KamiflowForms", "KamiflowWorkflow", "KamiflowOCR", "KamiflowCore", "KamiflowTesting"]
        ),
    ]
)

// Every target of ours: Swift 6 mode (the tools version's default), complete concurrency checking, and the upcoming
// features swift-log and swift-nio turn on, each for a reason; warnings are errors: a warning is a bug.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    // SE-0335: an existential says `any`, so its cost is visible where it is used.
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // SE-0444: a file uses only the members of modules it imports itself, so a dependency cannot leak in unseen.
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    // SE-0409: imports are internal unless a file says `public import`, so a module's public face names exactly
    // the modules its users must see (Core's public API depends on Foundation only).
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    // Not turned on: NonisolatedNonsendingByDefault (SE-0461). It moves every nonisolated async function onto its
    // caller's actor; the engines' and the journal's async calls are written to leave the caller's executor, and
    // changing where they run is a behaviour change this setting must not make silently.
    settings.append(.treatAllWarnings(as: .error))
    target.swiftSettings = settings
}
