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
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),  // review pages, escaped
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),  // bcrypt passwords
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
            ]
        ),
        .target(
            name: "KamiflowServer",
            dependencies: [
                "KamiflowCore",
                "KamiflowConnectors",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
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
            name: "KamiflowWorkflowTests", dependencies: ["KamiflowWorkflow", "KamiflowCore", "KamiflowOCR", "KamiflowTesting"]
        ),
        .testTarget(
            name: "KamiflowConnectorsTests",
            dependencies: ["KamiflowConnectors", "KamiflowServer", "KamiflowTesting", "KamiflowWorkflow", "KamiflowForms", "KamiflowOCR"]
        ),
        .testTarget(
            name: "KamiflowServerTests",
            dependencies: [
                "KamiflowServer", "KamiflowConnectors", "KamiflowTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
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

// Every target of ours: Swift 6 mode (the tools version's default), complete concurrency checking, `any` spelled
// out, and warnings are errors: a warning is a bug.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.treatAllWarnings(as: .error))
    target.swiftSettings = settings
}
