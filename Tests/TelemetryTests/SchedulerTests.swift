// The scheduler with a manual clock: aligned ticks, phase offsets, no
// overlapping runs, skipped ticks counted.

import Foundation
import Testing
@testable import Telemetry

/// Records the runs a scheduler starts and lets the test finish them.
final class RunLog: Sendable {
    let started = Locked<[(name: String, tick: Double)]>([])
    let completions = Locked<[String: [@Sendable () -> Void]]>([:])

    var execute: CollectorScheduler.Execute {
        { [self] job, tick, completion in
            started.withLock { $0.append((job.name, tick)) }
            completions.withLock { $0[job.name, default: []].append(completion) }
        }
    }

    func finish(_ name: String) {
        let pending = completions.withLock { all -> [@Sendable () -> Void] in
            let p = all[name] ?? []
            all[name] = []
            return p
        }
        pending.forEach { $0() }
    }

    var ticks: [Double] { started.current.map(\.tick) }
}

@Suite struct SchedulerTests {
    @Test func ticksAreAlignedToTheInterval() {
        let clock = ManualClock(start: 1_000_003)
        let log = RunLog()
        let scheduler = CollectorScheduler(jobs: [ScheduledJob(name: "a", interval: 10)], clock: clock,
                                           jitterFraction: 0, execute: log.execute)
        #expect(scheduler.nextWake == 1_000_010)
        #expect(scheduler.poll().isEmpty)
        clock.set(1_000_010)
        #expect(scheduler.poll() == ["a"])
        log.finish("a")
        clock.set(1_000_020.5)
        #expect(scheduler.poll() == ["a"])
        #expect(log.ticks == [1_000_010, 1_000_020])
        #expect(scheduler.state(of: "a")?.skippedTicks == 0)
    }

    @Test func offsetsAreStableAndWithinTheJitterFraction() {
        let job = ScheduledJob(name: "cpu", interval: 15)
        let offset = CollectorScheduler.offset(for: job, jitterFraction: 0.1)
        #expect(offset >= 0 && offset < 1.5)
        #expect(offset == CollectorScheduler.offset(for: job, jitterFraction: 0.1))
        #expect(offset != CollectorScheduler.offset(for: ScheduledJob(name: "memory", interval: 15), jitterFraction: 0.1))
        let scheduler = CollectorScheduler(jobs: [job], clock: ManualClock(start: 1_000_000), execute: { _, _, done in done() })
        let next = scheduler.state(of: "cpu")?.nextTick ?? 0
        #expect(abs((next - offset).truncatingRemainder(dividingBy: 15)) < 1e-6)
    }

    @Test func runsNeverOverlapAndSkippedTicksAreCounted() {
        let clock = ManualClock(start: 100)
        let log = RunLog()
        let skips = Locked<[String: Int]>([:])
        let scheduler = CollectorScheduler(
            jobs: [ScheduledJob(name: "slow", interval: 10), ScheduledJob(name: "fast", interval: 5)],
            clock: clock, jitterFraction: 0, onSkip: { name, n in skips.withLock { $0[name, default: 0] += n } },
            execute: log.execute)
        clock.set(110)
        #expect(Set(scheduler.poll()) == ["slow", "fast"])
        log.finish("fast")
        // "slow" is still running at its next two ticks.
        clock.set(120)
        #expect(scheduler.poll() == ["fast"])
        log.finish("fast")
        clock.set(130)
        #expect(scheduler.poll() == ["fast"])
        #expect(scheduler.state(of: "slow")?.skippedTicks == 2)
        #expect(skips.current["slow"] == 2)
        log.finish("slow")
        log.finish("fast")
        clock.set(140)
        #expect(Set(scheduler.poll()) == ["slow", "fast"])
        #expect(scheduler.state(of: "slow")?.runs == 2)
    }

    @Test func ticksMissedWhileNotPollingAreSkippedNotBurst() {
        let clock = ManualClock(start: 0)
        let log = RunLog()
        let scheduler = CollectorScheduler(jobs: [ScheduledJob(name: "a", interval: 1)], clock: clock,
                                           jitterFraction: 0, execute: log.execute)
        clock.set(5.5)
        #expect(scheduler.poll() == ["a"])
        #expect(log.ticks == [5])
        #expect(scheduler.state(of: "a")?.skippedTicks == 4)
        #expect(scheduler.state(of: "a")?.nextTick == 6)
    }

    @Test func loopDrivenByTheClockRunsTheRunner() throws {
        let clock = ManualClock(start: 1_000)
        let reports = Locked<[CollectorReport]>([])
        let runner = CollectorRunner(collectors: [goodCollector("g")], clock: clock)
        let scheduler = CollectorScheduler(runner: runner, clock: clock, jitterFraction: 0) { report in
            reports.withLock { $0.append(report) }
        }
        scheduler.start()
        defer { scheduler.stop() }
        clock.set(1_001)
        let deadline = Date().addingTimeInterval(5)
        while reports.current.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let report = try #require(reports.current.first)
        #expect(report.status == .ok)
        #expect(report.samples.first?.timestampMs == 1_001_000)
    }
}

@Suite struct ClockTests {
    @Test func monotonicArithmeticSaturates() {
        let zero = MonotonicInstant(nanoseconds: 0)
        #expect(zero.advanced(by: -5).nanoseconds == 0)
        #expect(MonotonicInstant(nanoseconds: .max - 10).advanced(by: 1).nanoseconds == .max)
        #expect(zero.advanced(by: .infinity).nanoseconds == .max)
        #expect(zero.advanced(by: .nan).nanoseconds == 0)
        #expect(zero.advanced(by: 1e30).nanoseconds == .max || zero.advanced(by: 1e30).nanoseconds >= 1_800_000_000_000_000_000)
        #expect(MonotonicInstant(nanoseconds: 2_000_000_000).seconds(since: MonotonicInstant(nanoseconds: 500_000_000)) == 1.5)
    }

    @Test func deadlines() {
        #expect(Deadline.after(-1).isExpired)
        #expect(Deadline.after(-1).remaining == 0)
        #expect(!Deadline.distant.isExpired)
        #expect(Deadline.distant.capped(at: 1).remaining <= 1)
        #expect(Deadline.after(.nan).isExpired)
    }

    @Test func manualClockSleepWakesOnAdvance() {
        let clock = ManualClock(start: 10)
        let woke = Locked(false)
        let task = DeadlineTask { clock.sleep(until: 12, cancelled: { false }); woke.withLock { $0 = true } }
        clock.advance(by: 1)
        #expect(!woke.current)
        clock.advance(by: 1)
        if case .returned = task.wait(until: .after(5)) {} else { Issue.record("sleep did not wake") }
        #expect(woke.current)
        #expect(clock.nowMs() == 12_000)
    }
}
