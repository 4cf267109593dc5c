// A crash drill for the runtime's tests: a batch run of record files into a JSON Lines core system, which the
// crash-and-resume test starts as a child process and kills with SIGKILL at random moments.
//
//   kamiflow-runtime-drill JOURNAL CORE.jsonl DELAY_MS CONCURRENCY INPUT...
//
// Prints the run's summary as JSON on standard output and exits with the batch's exit status.
import Foundation
import KamiflowRuntime
import KamiflowRuntimeFixtures
import Logging

let arguments = CommandLine.arguments
guard arguments.count >= 6, let delay = Int(arguments[3]), let concurrency = Int(arguments[4]) else {
    let usage = "usage: kamiflow-runtime-drill JOURNAL CORE DELAY_MS CONCURRENCY INPUT...\n"
    FileHandle.standardError.write(Data(usage.utf8))
    exit(64)
}
let redactor = Redactor()
var logger = Logger(label: "drill") { label in
    KamiflowLogHandler(label: label, format: .text, redactor: redactor, level: .warning)
}
do {
    let journal = try SQLiteJournal(configuration: JournalConfiguration(path: arguments[1]))
    let runner = BatchRunner(
        journal: journal, processor: PacedProcessor(delay: .milliseconds(delay)),
        planner: fieldByFieldPlanner(), connectors: [JSONLinesCoreSystem(path: arguments[2])],
        configuration: BatchConfiguration(maxConcurrentScans: concurrency), redactor: redactor, logger: logger)
    let summary = await runner.run(InputFiles(Array(arguments[5...]), extensions: ["json"]))
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    FileHandle.standardOutput.write(try encoder.encode(summary))
    exit(summary.exitStatus)
} catch {
    FileHandle.standardError.write(Data("drill: \(error)\n".utf8))
    exit(70)
}
