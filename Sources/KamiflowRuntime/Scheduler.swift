public import Foundation
public import KamiflowCore
public import Logging
public import ServiceLifecycle

/// A cron expression: `minute hour day-of-month month day-of-week`, with `*`, ranges `1-5`, lists `1,15`, steps
/// `*/10` and `8-18/2`, month names `jan`…`dec`, weekday names `sun`…`sat` (0 and 7 are Sunday), and the shorthands
/// `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`. As in classic cron, when both day fields are restricted
/// a day matching either is taken.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let dayOfMonthRestricted: Bool
    let weekdayRestricted: Bool

    public init(_ text: String) throws(KamiflowError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let shorthands = [
            "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
            "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
        ]
        let expanded = shorthands[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw KamiflowError(
                .invalidDeployment,
                "a schedule needs 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)",
                subject: text)
        }
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        description = text
        minutes = try Self.parse(fields[0], 0...59, names: [:], field: "minute", in: text)
        hours = try Self.parse(fields[1], 0...23, names: [:], field: "hour", in: text)
        daysOfMonth = try Self.parse(fields[2], 1...31, names: [:], field: "day of month", in: text)
        months = try Self.parse(
            fields[3], 1...12, names: Dictionary(uniqueKeysWithValues: monthNames.enumerated().map { ($1, $0 + 1) }),
            field: "month", in: text)
        let days = try Self.parse(
            fields[4], 0...7, names: Dictionary(uniqueKeysWithValues: dayNames.enumerated().map { ($1, $0) }),
            field: "day of week", in: text)
        weekdays = Set(days.map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*" && fields[2] != "?"
        weekdayRestricted = fields[4] != "*" && fields[4] != "?"
    }

    private static func parse(
        _ field: String, _ range: ClosedRange<Int>, names: [String: Int], field name: String, in text: String
    ) throws(KamiflowError) -> Set<Int> {
        func fail(_ why: String) -> KamiflowError {
            KamiflowError(.invalidDeployment, "bad \(name) field '\(field)': \(why)", subject: text)
        }
        func value(_ token: String) throws(KamiflowError) -> Int {
            if let n = Int(token) {
                guard range.contains(n) else { throw fail("\(n) is outside \(range.lowerBound)-\(range.upperBound)") }
                return n
            }
            if let n = names[token.lowercased()] { return n }
            throw fail("'\(token)' is not a number\(names.isEmpty ? "" : " or a name")")
        }
        var result: Set<Int> = []
        for part in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !part.isEmpty else { throw fail("empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw fail("more than one step") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw fail("the step must be a positive number") }
                step = s
            }
            let base = pieces[0]
            let lower: Int
            let upper: Int
            if base == "*" || base == "?" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                lower = try value(String(base[..<dash]))
                upper = try value(String(base[base.index(after: dash)...]))
                guard lower <= upper else { throw fail("the range runs backwards") }
            } else {
                lower = try value(base)
                upper = pieces.count == 2 ? range.upperBound : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    func matches(day date: CivilDate) -> Bool {
        guard months.contains(date.month) else { return false }
        let dom = daysOfMonth.contains(date.day)
        let dow = weekdays.contains(date.weekday)
        switch (dayOfMonthRestricted, weekdayRestricted) {
        case (true, true): return dom || dow
        case (true, false): return dom
        case (false, true): return dow
        case (false, false): return true
        }
    }
}

/// When a scheduled job runs: a cron expression read in a time zone, optionally not on weekends or Japanese public
/// holidays.
public struct Schedule: Sendable, Hashable {
    public var cron: CronExpression
    /// Asia/Tokyo unless the deployment says otherwise.
    public var timeZone: TimeZone
    public var skipWeekends: Bool
    public var skipHolidays: Bool

    public init(
        cron: CronExpression, timeZone: TimeZone = TimeZone(identifier: "Asia/Tokyo")!, skipWeekends: Bool = false,
        skipHolidays: Bool = false
    ) {
        self.cron = cron
        self.timeZone = timeZone
        self.skipWeekends = skipWeekends
        self.skipHolidays = skipHolidays
    }

    /// The first time strictly after `date` when the job is due, or `nil` if none within ten years (e.g. `0 0 30 2 *`).
    ///
    /// Minutes are walked on the wall clock of `timeZone`; a wall time that does not exist (a DST gap) is skipped,
    /// and one that exists twice (DST fall-back) is taken once, at its first occurrence.
    public func nextRun(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = date.addingTimeInterval(60 - date.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: start)
        var day = CivilDate(year: parts.year!, month: parts.month!, day: parts.day!)
        var first = true
        for _ in 0..<(366 * 10) {
            defer {
                day = day.adding(days: 1)
                first = false
            }
            guard cron.matches(day: day), !(skipWeekends && (day.weekday == 0 || day.weekday == 6)),
                !(skipHolidays && JapaneseHolidays.isHoliday(day))
            else { continue }
            for hour in cron.hours.sorted() where !first || hour >= parts.hour! {
                for minute in cron.minutes.sorted() where !first || hour > parts.hour! || minute >= parts.minute! {
                    let components = DateComponents(
                        timeZone: timeZone, year: day.year, month: day.month, day: day.day, hour: hour, minute: minute)
                    guard let candidate = calendar.date(from: components) else { continue }
                    let back = calendar.dateComponents([.hour, .minute, .day], from: candidate)
                    guard back.hour == hour, back.minute == minute, back.day == day.day else { continue }  // DST gap
                    if candidate > date { return candidate }
                }
            }
        }
        return nil
    }
}

/// A job `kamiflow serve` runs on a schedule (typically a batch run over a folder the night shift fills).
public struct ScheduledJob: Sendable {
    public var name: String
    public var schedule: Schedule
    public var action: @Sendable () async throws -> Void

    public init(name: String, schedule: Schedule, action: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.schedule = schedule
        self.action = action
    }
}

/// Settings of the scheduler.
public struct SchedulerConfiguration: Sendable {
    /// The missed-run policy: at start-up, a run that was due within this window before now but never started
    /// (the machine was off, the service restarting) is run once, at once. Older misses are not caught up, and
    /// several misses never cause several runs.
    public var missedRunGrace: Duration

    public init(missedRunGrace: Duration = .seconds(3600)) {
        self.missedRunGrace = missedRunGrace
    }
}

/// Runs scheduled jobs until graceful shutdown. Each job has its own loop and never overlaps itself: an occurrence
/// that falls while the previous run is still going is skipped (logged), not queued. Runs are journaled (the
/// missed-run policy reads them back at start-up).
public struct Scheduler: Service {
    let jobs: [ScheduledJob]
    let journal: any Journal
    let configuration: SchedulerConfiguration
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    /// The node this scheduler runs on: of the nodes sharing the journal, the one that claims a tick runs it.
    let node: String

    /// - Parameters:
    ///   - now, sleep: the clock; tests pass their own.
    ///   - node: the node id the journal records for each tick this scheduler runs.
    public init(
        jobs: [ScheduledJob], journal: any Journal, configuration: SchedulerConfiguration = .init(), logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        node: String = LocalNode.process.identity.id
    ) {
        self.node = node
        self.jobs = jobs
        self.journal = journal
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    /// The due time of the run to make once at start-up by the missed-run policy, if any: the latest occurrence
    /// within `grace` before `now` that came after the job's last start.
    public static func missedRun(
        of schedule: Schedule, lastStart: Date?, now: Date, grace: Duration
    ) -> Date? {
        // A job that has never run has missed nothing (a new deployment does not fire every job at once).
        guard let lastStart else { return nil }
        let windowStart = now.addingTimeInterval(-grace.secondsValue)
        let from = max(windowStart, lastStart).addingTimeInterval(-0.001)
        var latest: Date?
        var cursor = from
        while let due = schedule.nextRun(after: cursor), due <= now {
            latest = due
            cursor = due
        }
        guard let latest, latest > lastStart else { return nil }
        return latest
    }

    public func run() async throws {
        guard !jobs.isEmpty else {
            try? await gracefulShutdown()  // nothing to schedule: stay up with the other services until shutdown
            return
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for job in jobs {
                    group.addTask { await loop(job) }
                }
            }
        } onGracefulShutdown: {
        }
    }

    private func loop(_ job: ScheduledJob) async {
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(job.name)"
        let lastStart = try? await journal.lastJobStart(job.name)
        if let missed = Self.missedRun(
            of: job.schedule, lastStart: lastStart ?? nil, now: now(), grace: configuration.missedRunGrace)
        {
            if await claim(job, tick: missed, logger: jobLogger) {
                jobLogger.notice("running a missed run once", metadata: ["due": "\(missed)"])
                await runOnce(job, tick: missed, logger: jobLogger)
            }
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard let due = job.schedule.nextRun(after: now()) else {
                jobLogger.warning("the schedule never comes due; job not run")
                return
            }
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = job.schedule.timeZone
            jobLogger.info("next run", metadata: ["at": "\(formatter.string(from: due))"])
            do {
                try await cancelWhenGracefulShutdown {
                    while true {
                        let wait = due.timeIntervalSince(now())
                        if wait <= 0 { return }
                        try await sleep(.milliseconds(Int64(min(wait, 60) * 1000)))
                    }
                }
            } catch {
                return  // shutdown while waiting
            }
            if await claim(job, tick: due, logger: jobLogger) { await runOnce(job, tick: due, logger: jobLogger) }
        }
    }

    /// Whether this node runs the tick: several nodes sharing the journal all come due at once, and the journal
    /// gives the tick to one. A journal that cannot answer gives it to none (a run missed is logged; a run made
    /// twice could deliver a folder twice over).
    private func claim(_ job: ScheduledJob, tick: Date, logger: Logger) async -> Bool {
        do {
            if try await journal.claimJobTick(job.name, tick: tick, node: node, now: now()) { return true }
            logger.info("another node runs this tick", metadata: ["due": "\(tick)"])
        } catch {
            logger.error(
                "cannot claim the scheduled run in the journal; not run",
                metadata: ["due": "\(tick)", "error": "\(error)"])
        }
        return false
    }

    private func runOnce(_ job: ScheduledJob, tick: Date, logger: Logger) async {
        let started = now()
        // The tick it runs, to the millisecond as the journal keys it: which node ran which tick can be read from
        // the nodes' logs (and is, by the test of three `serve` processes on one journal).
        logger.info("running a scheduled tick", metadata: ["due": "\(tick)", "tick": "\(SQLiteJournal.tickKey(tick))"])
        try? await journal.recordJobRun(job.name, started: started)
        do {
            try await job.action()
            try? await journal.recordJobRun(job.name, finished: now(), status: "ok")
            logger.info("job finished", metadata: ["seconds": "\(Int(now().timeIntervalSince(started)))"])
        } catch {
            try? await journal.recordJobRun(job.name, finished: now(), status: "failed")
            logger.error("job failed", metadata: ["error": "\(error)"])
        }
    }
}
