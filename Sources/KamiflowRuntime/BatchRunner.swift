public import Foundation
public import KamiflowCore
public import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Settings of a batch run (`kamiflow run`).
public struct BatchConfiguration: Sendable, Hashable {
    /// At most this many scans are in flight at once (hashed, read, delivered); the next input is only looked at
    /// when one finishes, so memory stays flat whatever the number of inputs. The default, twice the cores, keeps
    /// every engine busy while other scans are hashed, journaled or delivered; the engine pool bounds how many are
    /// actually being read (a scan waiting for an engine holds only its path).
    public var maxConcurrentScans: Int
    /// Keep every scan's outcome in the summary (for `--json`). Off, the summary holds only the totals and the
    /// outcomes that need attention (not delivered), so a run of any size keeps a flat memory profile.
    public var keepAllOutcomes: Bool

    public init(
        maxConcurrentScans: Int = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount), keepAllOutcomes: Bool = true
    ) {
        self.maxConcurrentScans = max(1, maxConcurrentScans)
        self.keepAllOutcomes = keepAllOutcomes
    }
}

/// Totals of a run, for the summary table, `--json` and the exit status.
public struct BatchSummary: Sendable, Codable, Hashable {
    public var scans = 0
    public var pages = 0
    /// Scans whose every record went straight through and was delivered.
    public var delivered = 0
    public var inReview = 0
    /// Of `inReview`, scans that wait only because the workflow's review policy names a field a person checks every
    /// time (`review.always`, `double_entry`): nothing on them was flagged.
    public var inReviewByPolicy = 0
    public var rejected = 0
    public var failed = 0
    public var duplicates = 0
    public var unclassified = 0
    /// Already settled by an earlier run; nothing done.
    public var skipped = 0
    /// Interrupted by a shutdown request, left to be resumed.
    public var handedBack = 0
    /// Held by another process.
    public var busy = 0
    /// Files a folder walk met that are not scan files by their extension: journaled as refused, not read, not
    /// counted in `scans`.
    public var notTaken = 0
    public var seconds = 0.0
    public var outcomes: [ScanOutcome] = []

    public init() {}

    mutating func add(_ outcome: ScanOutcome, keep: Bool = true) {
        if outcome.notTaken {
            notTaken += 1
            if keep { outcomes.append(outcome) }
            return
        }
        scans += 1
        if keep || (outcome.state != .delivered && outcome.state != .duplicate) { outcomes.append(outcome) }
        if outcome.busy {
            busy += 1
            return
        }
        if outcome.handedBack {
            handedBack += 1
            return
        }
        if outcome.skipped {
            skipped += 1
            return
        }
        pages += outcome.pages
        switch outcome.state {
        case .delivered: delivered += 1
        case .inReview:
            inReview += 1
            if outcome.waitsOnlyByPolicy { inReviewByPolicy += 1 }
        case .rejected: rejected += 1
        case .duplicate: duplicates += 1
        case .unclassified: unclassified += 1
        case .failed, .claimed, .reading, .read, .delivering: failed += 1
        }
    }

    /// The documented exit status of `kamiflow run` (docs/operations.md): 0 everything went straight through (or
    /// was already done, or was a duplicate), 1 some scans wait for a person (review, rejected, unclassified),
    /// 2 some scans failed, 75 interrupted with scans handed back (run again to finish).
    public var exitStatus: Int32 {
        if failed > 0 { return 2 }
        if handedBack > 0 || busy > 0 { return 75 }
        if inReview > 0 || rejected > 0 || unclassified > 0 { return 1 }
        return 0
    }
}

/// One file an input expanded to: a scan to read, or a file a folder walk does not take (and why).
public struct InputFile: Sendable, Hashable {
    public var path: String
    /// Why it is not taken as a scan (an extension that is not a scan's, a folder that cannot be listed, a pattern
    /// that matches nothing); nil for a file to read.
    public var notTaken: String?
    /// The reason is a failure of the run, not a choice (a folder that cannot be listed: the scans in it are not
    /// read): counted as failed, so the exit status says so.
    public var isFailure: Bool

    public init(path: String, notTaken: String? = nil, isFailure: Bool = false) {
        self.path = path
        self.notTaken = notTaken
        self.isFailure = isFailure
    }
}

/// Expands the inputs of `kamiflow run` (files, folders, glob patterns) into scan files, lazily: a folder is
/// listed one directory at a time, in name order, so a run over a million files starts at once and holds only
/// the current directory's names.
///
/// As a `Sequence` it yields the scan files only; `Iterator.nextInput()` yields the files not taken too, so that
/// the runner journals every path it met.
public struct InputFiles: Sequence, Sendable {
    public let inputs: [String]
    /// What a folder walk takes (lower-case extensions); files named directly are always taken.
    public let extensions: Set<String>

    public init(_ inputs: [String], extensions: Set<String> = InputFiles.scanExtensions) {
        self.inputs = inputs
        self.extensions = extensions
    }

    /// Names the runtime never treats as scans: temporary, partial and system files.
    public static func isIgnored(_ name: String) -> Bool {
        let lower = name.lowercased()
        return name.hasPrefix(".") || name.hasPrefix("~$") || lower.hasSuffix(".part") || lower.hasSuffix(".tmp")
            || lower.hasSuffix(".crdownload") || lower == "thumbs.db" || lower == "desktop.ini"
            || lower.hasSuffix(".reason.json")
    }

    /// Extensions of the files a folder walk takes as scans. Anything else in a folder (ground-truth JSON beside
    /// sample scans, a scanner's index file) is left alone; a file named on the command line is always tried, so a
    /// wrong one gets a clear error instead of silence.
    public static let scanExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "pdf"]

    public struct Iterator: IteratorProtocol {
        var pending: [String]
        let extensions: Set<String>
        /// Files of the directory being walked, and directories still to walk, both in order.
        var files: [InputFile] = []
        var directories: [String] = []

        /// The next scan file.
        public mutating func next() -> String? {
            while let input = nextInput() {
                if input.notTaken == nil { return input.path }
            }
            return nil
        }

        /// The next file met, taken or not.
        public mutating func nextInput() -> InputFile? {
            while true {
                if !files.isEmpty { return files.removeFirst() }
                if !directories.isEmpty {
                    list(directories.removeFirst())
                    continue
                }
                guard !pending.isEmpty else { return nil }
                let input = pending.removeFirst()
                if input.contains(where: { "*?[".contains($0) }) {
                    let matches = Self.glob(input)
                    if matches.isEmpty {
                        files.append(InputFile(path: input, notTaken: "no file matches this pattern"))
                    }
                    for match in matches { classify(match) }
                } else {
                    classify(input)
                }
            }
        }

        mutating func classify(_ path: String) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                directories.append(path)
            } else {
                files.append(InputFile(path: path))  // a missing file fails as a scan with a clear error
            }
        }

        mutating func list(_ directory: String) {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                let cause = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription
                files.append(
                    InputFile(
                        path: directory, notTaken: "cannot list the folder" + (cause.map { ": \($0)" } ?? ""),
                        isFailure: true))
                return
            }
            var subdirectories: [String] = []
            for name in names.sorted() where !InputFiles.isIgnored(name) {
                let path = (directory as NSString).appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    // Drop-folder outcome folders hold settled scans; a run over an inbox must not take them again.
                    if !["processing", "done", "review", "failed"].contains(name) { subdirectories.append(path) }
                } else {
                    let ext = (name as NSString).pathExtension.lowercased()
                    if extensions.contains(ext) {
                        files.append(InputFile(path: path))
                    } else {
                        let taken = extensions.sorted().map { "." + $0 }.joined(separator: ", ")
                        files.append(
                            InputFile(
                                path: path,
                                notTaken: (ext.isEmpty ? "no file extension" : "the extension .\(ext) is not a scan's")
                                    + "; a folder walk takes \(taken)"
                                    + " (name the file itself to have it read by its content)"))
                    }
                }
            }
            directories.insert(contentsOf: subdirectories, at: 0)
        }

        static func glob(_ pattern: String) -> [String] {
            var result = glob_t()
            defer { globfree(&result) }
            guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
            return (0..<Int(result.gl_pathc)).compactMap { i in
                result.gl_pathv[i].map { String(cString: $0) }
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(pending: inputs, extensions: extensions) }
}

/// `kamiflow run`: every input scan through the pipeline, at most N at a time, each failure isolated.
///
/// A re-run of the same command after a crash (even SIGKILL) finishes the rest: scans the journal has settled are
/// skipped, scans found mid-way are resumed, and deliveries already confirmed are not sent again.
public struct BatchRunner: Sendable {
    let handler: ScanHandler
    let configuration: BatchConfiguration

    public init(
        journal: any Journal, processor: any ScanProcessor, planner: @escaping DeliveryPlanner,
        connectors: [any Connector], configuration: BatchConfiguration, redactor: Redactor, logger: Logger,
        node: LocalNode = .process
    ) {
        var byName: [String: any Connector] = [:]
        for connector in connectors { byName[connector.name] = connector }
        handler = ScanHandler(
            journal: journal, processor: processor, planner: planner, connectors: byName, redactor: redactor,
            logger: logger, node: node)
        self.configuration = configuration
    }

    /// Runs every file of `inputs`, reporting each outcome to `progress` as it comes.
    ///
    /// Under a `ServiceGroup` (a scheduled job in `kamiflow serve`), a graceful shutdown stops taking new inputs and
    /// lets the scans in flight finish. Cancelling the task stops taking new inputs too, and hands the scans in
    /// flight back (left to be resumed); they are counted as such. The rest are simply not started: a re-run takes
    /// them.
    public func run(_ inputs: InputFiles, progress: (any ProgressReporter)? = nil) async -> BatchSummary {
        let start = ContinuousClock.now
        var summary = BatchSummary()
        var iterator = inputs.makeIterator()
        await withTaskGroup(of: ScanOutcome.self) { group in
            var inFlight = 0
            func startNext() async -> Bool {
                while !Task.isCancelled, !Task.isShuttingDownGracefully, let input = iterator.nextInput() {
                    let absolute = URL(fileURLWithPath: input.path).standardizedFileURL.path
                    if let reason = input.notTaken {
                        // Journaled so that its path can be found. A file left alone is counted apart, without a
                        // progress line (a folder of scans with their ground-truth files beside them would print one
                        // for every scan); a folder that cannot be listed is a failure, reported as one.
                        let outcome = await handler.refuse(path: absolute, reason: reason, failed: input.isFailure)
                        summary.add(outcome, keep: configuration.keepAllOutcomes)
                        if input.isFailure { progress?.report(outcome, summary: summary) }
                        continue
                    }
                    group.addTask { await handler.handle(path: absolute, originalPath: absolute, rerunResumes: true) }
                    inFlight += 1
                    return true
                }
                return false
            }
            while inFlight < configuration.maxConcurrentScans, await startNext() {}
            while let outcome = await group.next() {
                inFlight -= 1
                summary.add(outcome, keep: configuration.keepAllOutcomes)
                progress?.report(outcome, summary: summary)
                _ = await startNext()
            }
        }
        summary.seconds = (ContinuousClock.now - start).secondsValue
        return summary
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
