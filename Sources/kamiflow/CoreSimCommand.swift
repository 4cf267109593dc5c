import ArgumentParser
import Foundation
import KamiflowServer
import Logging

/// `kamiflow core-sim`: the simulated core systems (基幹系), for demos, vendors and tests without the real ones.
struct CoreSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core-sim",
        abstract: "Simulated core systems (住民記録, 児童手当, 国保, 給付金, 証明書交付, 市税口座振替) over HTTP.",
        subcommands: [Serve.self]
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the simulator until interrupted (SIGINT/SIGTERM shut it down gracefully).",
            discussion: """
                The API is described at /openapi.json; what arrived is listed at /. A bearer token comes from \
                --token or the environment variable KAMIFLOW_CORE_SIM_TOKEN; without one, no authentication.
                """
        )

        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on (0 picks a free one).") var port = 8088
        @Option(help: "SQLite file holding what arrived.") var db = ".kamiflow/core-sim.sqlite"
        @Option(help: "Bearer token clients must send (else KAMIFLOW_CORE_SIM_TOKEN).") var token: String?
        @Option(help: "Share of POSTs answered 500/503/429, split evenly (0–1).") var failRate = 0.0
        @Option(help: "Share of POSTs whose connection is dropped after the record is stored (0–1).")
        var dropRate = 0.0
        @Option(help: "Share of POSTs whose answer stalls after the record is stored (0–1).") var stallRate = 0.0
        @Option(help: "Seconds a stalled answer waits.") var stallSeconds = 30.0
        @Option(help: "Latency added to every POST, in milliseconds.") var latency = 0.0
        @Option(help: "Retry-After seconds sent with 503 and 429.") var retryAfter = 1

        func validate() throws {
            for (name, rate) in [("--fail-rate", failRate), ("--drop-rate", dropRate), ("--stall-rate", stallRate)]
            where !(0...1).contains(rate) {
                throw ValidationError("\(name) must be between 0 and 1")
            }
            guard failRate + dropRate + stallRate <= 1 else {
                throw ValidationError("--fail-rate, --drop-rate and --stall-rate add up to more than 1")
            }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
            guard latency >= 0, stallSeconds >= 0, retryAfter >= 0 else {
                throw ValidationError("--latency, --stall-seconds and --retry-after cannot be negative")
            }
        }

        func run() async throws {
            var faults = FaultProfile.failing(failRate, latency: latency / 1000, retryAfter: retryAfter)
            faults.dropRate = dropRate
            faults.stallRate = stallRate
            faults.stallSeconds = stallSeconds
            let environmentToken = ProcessInfo.processInfo.environment["KAMIFLOW_CORE_SIM_TOKEN"]
            let configuration = CoreSimulator.Configuration(
                host: host, port: port, databasePath: db, token: token ?? environmentToken, faults: faults,
                logger: Logger(label: "kamiflow.core-sim"))
            let simulator = try CoreSimulator(configuration: configuration)
            let host = self.host
            try await simulator.runUntilSignalled { port in
                // Unbuffered, so that a script (or a test) reading the pipe learns the port at once.
                let line = "core-sim: http://\(host):\(port)/ (API: /v1/<resource>, document: /openapi.json)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        }
    }
}
