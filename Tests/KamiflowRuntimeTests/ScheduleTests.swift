import Foundation
import KamiflowCore
import KamiflowRuntime
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Schedules and holidays")
struct ScheduleTests {
    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    static func date(_ text: String, _ zone: TimeZone = tokyo) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    static func text(_ date: Date, _ zone: TimeZone = tokyo) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm EEE"
        return formatter.string(from: date)
    }

    @Test(
        "Japanese public holidays of 2024, 2025 and 2026, with 振替休日 and 国民の休日",
        arguments: [
            (
                2024,
                "01-01 01-08 02-11 02-12 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-15 08-11 08-12 09-16 09-22 "
                    + "09-23 10-14 11-03 11-04 11-23"
            ),
            (
                2025,
                "01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-21 08-11 09-15 09-23 10-13 "
                    + "11-03 11-23 11-24"
            ),
            (
                2026,
                "01-01 01-12 02-11 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-20 08-11 09-21 09-22 09-23 10-12 "
                    + "11-03 11-23"
            ),
            (
                2019,
                "01-01 01-14 02-11 03-21 04-29 04-30 05-01 05-02 05-03 05-04 05-05 05-06 07-15 08-11 08-12 09-16 "
                    + "09-23 10-14 10-22 11-03 11-04 11-23"
            ),
            (
                2020,
                "01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-23 07-24 08-10 09-21 09-22 "
                    + "11-03 11-23"
            ),
        ])
    func holidays(year: Int, expected: String) {
        let computed = JapaneseHolidays.holidays(in: year).map { h in
            String(format: "%02d-%02d", h.date.month, h.date.day)
        }
        #expect(computed.joined(separator: " ") == expected)
    }

    @Test("holiday names")
    func names() {
        #expect(JapaneseHolidays.name(of: CivilDate(year: 2026, month: 9, day: 22)) == "国民の休日")
        #expect(JapaneseHolidays.name(of: CivilDate(year: 2025, month: 5, day: 6)) == "振替休日")
        #expect(JapaneseHolidays.name(of: CivilDate(year: 2024, month: 10, day: 14)) == "スポーツの日")
        #expect(JapaneseHolidays.name(of: CivilDate(year: 2026, month: 3, day: 20)) == "春分の日")
        #expect(JapaneseHolidays.name(of: CivilDate(year: 2026, month: 9, day: 24)) == nil)
    }

    @Test(
        "cron syntax: ranges, lists, steps and names",
        arguments: [
            ("*/15 9-17 * * mon-fri", "2026-01-05 08:50", "2026-01-05 09:00 Mon"),
            ("*/15 9-17 * * mon-fri", "2026-01-05 17:45", "2026-01-06 09:00 Tue"),
            ("0 8,12,18 * * *", "2026-01-05 12:00", "2026-01-05 18:00 Mon"),
            ("30 2 1 jan,jul *", "2026-01-05 00:00", "2026-07-01 02:30 Wed"),
            ("0 0 * * 7", "2026-01-05 00:00", "2026-01-11 00:00 Sun"),
            ("0 0 13 * fri", "2026-02-01 00:00", "2026-02-06 00:00 Fri"),  // either day field matches, as in cron
            ("@monthly", "2026-01-05 00:00", "2026-02-01 00:00 Sun"),
            ("10-50/20 * * * *", "2026-01-05 00:31", "2026-01-05 00:50 Mon"),
        ])
    func cron(expression: String, after: String, expected: String) throws {
        let schedule = Schedule(cron: try CronExpression(expression))
        #expect(schedule.nextRun(after: Self.date(after)).map { Self.text($0) } == expected)
    }

    @Test(
        "bad cron expressions are refused with the field and the reason",
        arguments: [
            ("61 * * * *", "minute"), ("* * *", "5 fields"), ("5-1 * * * *", "backwards"), ("*/0 * * * *", "step"),
            ("* * * foo *", "month"), ("* 24 * * *", "hour"), ("* * * * 8", "day of week"),
        ])
    func badCron(expression: String, mentions: String) {
        #expect {
            try CronExpression(expression)
        } throws: { error in
            guard let error = error as? KamiflowError else { return false }
            return error.code == .invalidDeployment && error.message.contains(mentions) && error.subject == expression
        }
    }

    @Test("skips weekends and public holidays: Golden Week 2025 and Silver Week 2026")
    func acrossHolidays() throws {
        let schedule = Schedule(
            cron: try CronExpression("30 8 * * *"), skipWeekends: true, skipHolidays: true)
        #expect(schedule.nextRun(after: Self.date("2025-05-02 09:00")).map { Self.text($0) } == "2025-05-07 08:30 Wed")
        #expect(schedule.nextRun(after: Self.date("2026-09-18 12:00")).map { Self.text($0) } == "2026-09-24 08:30 Thu")
        let holidaysOnly = Schedule(cron: try CronExpression("30 8 * * *"), skipHolidays: true)
        #expect(
            holidaysOnly.nextRun(after: Self.date("2026-09-18 12:00")).map { Self.text($0) }
                == "2026-09-19 08:30 Sat")
    }

    @Test("Asia/Tokyo has no DST: a daily run stays 24 hours apart while New York's clocks jump")
    func dstFreeZone() throws {
        let tokyo = Schedule(cron: try CronExpression("30 2 * * *"))
        var runs: [Date] = []
        var cursor = Self.date("2026-03-06 00:00")
        for _ in 0..<5 {
            let next = try #require(tokyo.nextRun(after: cursor))
            runs.append(next)
            cursor = next
        }
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 86_400 })
        // 09:00 in Tokyo is midnight UTC every day of the year.
        let nine = Schedule(cron: try CronExpression("0 9 * * *"))
        let utc = TimeZone(identifier: "UTC")!
        #expect(nine.nextRun(after: Self.date("2026-03-08 12:00")).map { Self.text($0, utc) } == "2026-03-09 00:00 Mon")
        #expect(nine.nextRun(after: Self.date("2026-11-01 12:00")).map { Self.text($0, utc) } == "2026-11-02 00:00 Mon")

        // The contrast: in a zone with DST, 02:30 does not exist on 8 March 2026 and that run is skipped.
        let newYork = TimeZone(identifier: "America/New_York")!
        let ny = Schedule(cron: try CronExpression("30 2 * * *"), timeZone: newYork)
        #expect(
            ny.nextRun(after: Self.date("2026-03-07 12:00", newYork)).map { Self.text($0, newYork) }
                == "2026-03-09 02:30 Mon")
    }

    @Test("missed-run policy: one run at start-up for a miss within the grace window, never a catch-up of several")
    func missedRuns() throws {
        let schedule = Schedule(cron: try CronExpression("0 2 * * *"))
        let grace = Duration.seconds(3600)
        let due = Self.date("2026-01-10 02:00")
        #expect(
            Scheduler.missedRun(
                of: schedule, lastStart: Self.date("2026-01-09 02:00"),
                now: Self.date("2026-01-10 02:30"), grace: grace) == due)
        #expect(
            Scheduler.missedRun(
                of: schedule, lastStart: Self.date("2026-01-09 02:00"),
                now: Self.date("2026-01-10 04:00"), grace: grace) == nil)
        #expect(
            Scheduler.missedRun(
                of: schedule, lastStart: Self.date("2026-01-10 02:00"),
                now: Self.date("2026-01-10 02:30"), grace: grace) == nil)
        #expect(
            Scheduler.missedRun(
                of: schedule, lastStart: Self.date("2026-01-01 02:00"),
                now: Self.date("2026-01-10 02:30"), grace: .seconds(86_400 * 30)) == due)
        #expect(
            Scheduler.missedRun(of: schedule, lastStart: nil, now: Self.date("2026-01-10 02:30"), grace: grace)
                == nil)
    }

    @Test("three nodes sharing a SQLite journal run an every-minute job once per tick, between them")
    func oncePerTickOnThreeNodes() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journals: [any Journal] = try (0..<3).map { _ in
            try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        }
        let runs = try await runOnThreeNodes(journals, ticks: 20)
        #expect(runs.count >= 20, "\(runs.keys.sorted())")
        #expect(runs.values.allSatisfy { $0.count == 1 }, "\(runs)")
    }

    @Test("a job never overlaps itself: occurrences during a long run are skipped, and runs are journaled")
    func noOverlap() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let clock = FakeClock(start: Self.date("2026-01-05 00:00").addingTimeInterval(30))
        let starts = Mutex<[Date]>([])
        let groupBox = Mutex<ServiceGroup?>(nil)
        let job = ScheduledJob(name: "nightly", schedule: Schedule(cron: try CronExpression("* * * * *"))) {
            let count = starts.withLock {
                $0.append(clock.now())
                return $0.count
            }
            clock.advance(150)  // the run takes two and a half minutes
            if count == 3 { await groupBox.withLock { $0 }?.triggerGracefulShutdown() }
        }
        let scheduler = Scheduler(
            jobs: [job], journal: journal, logger: quietLogger, now: { clock.now() },
            sleep: { duration in
                clock.advance(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
                await Task.yield()
            })
        let group = ServiceGroup(services: [scheduler], logger: quietLogger)
        groupBox.withLock { $0 = group }
        try await group.run()
        // Due every minute, each run lasting 150 s: runs start at 00:01, 00:04, 00:07… (the shutdown asked for in
        // the third run may let one more start, as the fake clock never blocks).
        let times = starts.withLock { $0 }
        #expect(times.count >= 3)
        #expect(times.first.map { Self.text($0) } == "2026-01-05 00:01 Mon")
        #expect(zip(times, times.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 180 })
        #expect(try await journal.lastJobStart("nightly") == times.last)
    }
}

/// Three schedulers (three nodes, each with its own journal connection and its own clock) run one every-minute job
/// through `ticks` minutes; returns how many times each minute ran, over all nodes, and which node ran it.
func runOnThreeNodes(_ journals: [any Journal], ticks: Int) async throws -> [Date: [String]] {
    let start = ScheduleTests.date("2026-01-05 00:00").addingTimeInterval(30)
    let end = start.addingTimeInterval(Double(ticks) * 60)
    let runs = Mutex<[Date: [String]]>([:])
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (index, journal) in journals.enumerated() {
            let clock = FakeClock(start: start)
            let node = "node-\(index)"
            let job = ScheduledJob(name: "every-minute", schedule: Schedule(cron: try CronExpression("* * * * *"))) {
                let minute = Date(timeIntervalSince1970: (clock.now().timeIntervalSince1970 / 60).rounded() * 60)
                runs.withLock { $0[minute, default: []].append(node) }
            }
            let scheduler = Scheduler(
                jobs: [job], journal: journal, logger: quietLogger, now: { clock.now() },
                sleep: { duration in
                    // Past the last tick: stop, as a shutdown while waiting does.
                    if clock.now() >= end { throw CancellationError() }
                    clock.advance(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
                    await Task.yield()
                }, node: node)
            group.addTask { try await scheduler.run() }
        }
        try await group.waitForAll()
    }
    return runs.withLock { $0 }
}

/// A clock tests move by hand; `sleep` advances it instead of waiting.
final class FakeClock: Sendable {
    private let current: Mutex<Date>
    init(start: Date) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(_ seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite("Runtime settings")
struct RuntimeSettingsTests {
    @Test(
        "durations as people write them",
        arguments: [
            ("500ms", 500), ("30s", 30_000), ("5m", 300_000), ("1h", 3_600_000), ("2", 2_000), ("1.5s", 1_500),
        ])
    func durations(text: String, milliseconds: Int64) throws {
        #expect(try SettingDuration(parsing: text).duration == .milliseconds(milliseconds))
    }

    @Test("a bad duration, cron field or time zone is an error naming the setting")
    func badSettings() throws {
        #expect(throws: KamiflowError.self) { try SettingDuration(parsing: "soon") }
        let json = """
            {"journal": "j.sqlite", "workers": 2, "missed_run_grace": "2h",
             "watch": {"detection": "polling", "settle": "3s", "inboxes": [{"path": "/srv/in", "workflow": "w.yaml"}]},
             "schedules": [
               {"name": "ok", "cron": "0 2 * * mon-fri", "skip_holidays": true,
                "run": {"workflow": "w.yaml", "inputs": ["/a"]}},
               {"name": "zone", "cron": "0 2 * * *", "time_zone": "Mars/Olympus",
                "run": {"workflow": "w.yaml", "inputs": []}},
               {"name": "cron", "cron": "0 25 * * *", "run": {"workflow": "w.yaml", "inputs": []}}]}
            """
        let settings = try JSONDecoder().decode(RuntimeSettings.self, from: Data(json.utf8))
        #expect(settings.watch?.detection == .polling)
        #expect(settings.watch?.settle?.duration == .seconds(3))
        #expect(settings.missedRunGrace?.duration == .seconds(7200))
        let jobs = try #require(settings.schedules)
        let ok = try jobs[0].schedule()
        #expect(ok.skipHolidays && !ok.skipWeekends && ok.timeZone.identifier == "Asia/Tokyo")
        #expect { try jobs[1].schedule() } throws: { ($0 as? KamiflowError)?.subject == "schedules.zone" }
        #expect { try jobs[2].schedule() } throws: {
            let error = $0 as? KamiflowError
            return error?.subject == "schedules.cron" && error?.message.contains("hour") == true
        }
    }
}
