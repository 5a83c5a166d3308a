@testable import Softphone
import XCTest

/// A Wi-Fi ↔ cellular handover restarts ICE and waits for it to heal, instead of ending the call.
final class IceRecoveryTests: XCTestCase {
    func testANetworkChangeRestartsAConnectedLegAtOnce() {
        var recovery = IceRecovery()
        _ = recovery.handle(.connected)
        XCTAssertEqual(recovery.handle(.networkChanged), .restart(attempt: 1, healWithin: IceRecovery.healDeadline))
        XCTAssertEqual(recovery.handle(.connected), .none)
        XCTAssertEqual(recovery.attempts, 0, "a recovered connection starts counting again")
    }

    func testANetworkChangeLeavesALegThatNeverConnectedToItsFirstNegotiation() {
        var recovery = IceRecovery()
        XCTAssertEqual(recovery.handle(.networkChanged), .none)
        XCTAssertEqual(recovery.attempts, 0)
    }

    func testARestartIsWaitedOutNotFailedAtOnce() {
        var recovery = IceRecovery()
        _ = recovery.handle(.connected)
        XCTAssertEqual(recovery.handle(.disconnected), .waitGrace(IceRecovery.disconnectedGrace))
        XCTAssertEqual(recovery.handle(.graceExpired), .restart(attempt: 1, healWithin: IceRecovery.healDeadline))
        XCTAssertEqual(recovery.handle(.disconnected), .none, "disconnected is tolerated while healing")
        XCTAssertEqual(recovery.handle(.failed), .none, "failed too: the deadline decides")
        XCTAssertEqual(recovery.handle(.networkChanged), .none, "a path change never ends a healing leg")
        XCTAssertTrue(recovery.restarting)
    }

    func testOnlyPassedDeadlinesGiveUpAfterMaxAttempts() {
        var recovery = IceRecovery()
        _ = recovery.handle(.connected)
        XCTAssertEqual(recovery.handle(.failed), .restart(attempt: 1, healWithin: IceRecovery.healDeadline))
        for attempt in 2...IceRecovery.maxAttempts {
            XCTAssertEqual(recovery.handle(.restartFailed), .restart(attempt: attempt, healWithin: IceRecovery.healDeadline))
        }
        XCTAssertEqual(recovery.handle(.restartFailed), .giveUp)
    }

    func testThePolicyIsTheReviewsHealDeadline() {
        XCTAssertTrue((10...20).contains(IceRecovery.healDeadline), "S3: a restart gets 10–20 s to heal")
        XCTAssertGreaterThanOrEqual(IceRecovery.maxAttempts, 1)
    }
}

/// The engine's recovery against a clock: what NativeMediaEngine runs, with a fake clock instead of
/// the main queue and the restarts and give-ups recorded instead of negotiated.
final class IceRecoveryDriverTests: XCTestCase {
    private final class FakeClock: RecoveryClock {
        private final class Timer: RecoveryTimer {
            let at: TimeInterval
            let fire: () -> Void
            var cancelled = false
            init(at: TimeInterval, fire: @escaping () -> Void) {
                self.at = at
                self.fire = fire
            }

            func cancel() { cancelled = true }
        }

        private(set) var now: TimeInterval = 0
        private var timers: [Timer] = []

        func schedule(after seconds: TimeInterval, _ fire: @escaping () -> Void) -> RecoveryTimer {
            let timer = Timer(at: now + seconds, fire: fire)
            timers.append(timer)
            return timer
        }

        /// Moves time on, firing each timer that comes due (in order, as the main queue would).
        func advance(by seconds: TimeInterval) {
            let end = now + seconds
            while let next = timers.filter({ !$0.cancelled && $0.at <= end }).min(by: { $0.at < $1.at }) {
                timers.removeAll { $0 === next }
                now = next.at
                next.fire()
            }
            now = end
        }
    }

    private var clock: FakeClock!
    private var driver: IceRecoveryDriver!
    private var restarts: [(leg: MediaLeg, attempt: Int, at: TimeInterval)] = []
    private var gaveUp: [(leg: MediaLeg, at: TimeInterval)] = []

    override func setUp() {
        super.setUp()
        clock = FakeClock()
        driver = IceRecoveryDriver(clock: clock)
        restarts = []
        gaveUp = []
        driver.onRestart = { [unowned self] leg, attempt, _ in self.restarts.append((leg, attempt, self.clock.now)) }
        driver.onGiveUp = { [unowned self] leg in self.gaveUp.append((leg, self.clock.now)) }
        driver.handle(.connected, on: .publisher)
        driver.handle(.connected, on: .subscriber)
    }

    func testARestartThatHealsWithinTheDeadlineKeepsTheCall() {
        driver.handle(.networkChanged, on: .publisher)
        XCTAssertEqual(restarts.map(\.attempt), [1])
        driver.handle(.disconnected, on: .publisher)
        clock.advance(by: IceRecovery.healDeadline - 1)
        driver.handle(.connected, on: .publisher)
        clock.advance(by: 60)
        XCTAssertEqual(restarts.count, 1, "healed: no second attempt")
        XCTAssertTrue(gaveUp.isEmpty)
        XCTAssertFalse(driver.restarting)
    }

    func testALegThatNeverHealsIsLostOnlyAfterEveryDeadline() {
        driver.handle(.disconnected, on: .subscriber)
        clock.advance(by: IceRecovery.disconnectedGrace)
        XCTAssertEqual(restarts.map(\.at), [IceRecovery.disconnectedGrace], "the grace, then a restart")
        let lostAt = IceRecovery.disconnectedGrace + Double(IceRecovery.maxAttempts) * IceRecovery.healDeadline
        clock.advance(by: lostAt - clock.now - 0.5)
        XCTAssertTrue(gaveUp.isEmpty, "not before the last deadline")
        XCTAssertEqual(restarts.count, IceRecovery.maxAttempts)
        clock.advance(by: 1)
        XCTAssertEqual(gaveUp.map(\.leg), [.subscriber])
        XCTAssertEqual(gaveUp.first?.at, lostAt)
    }

    func testPathChangesWhileHealingNeitherRestartAgainNorEndTheCall() {
        driver.handle(.networkChanged, on: .publisher)
        for _ in 0..<5 {
            clock.advance(by: 1)
            driver.handle(.networkChanged, on: .publisher)
        }
        XCTAssertEqual(restarts.count, 1)
        XCTAssertTrue(gaveUp.isEmpty)
    }

    func testAResetCancelsEveryTimer() {
        driver.handle(.failed, on: .publisher)
        driver.reset()
        clock.advance(by: 120)
        XCTAssertEqual(restarts.count, 1)
        XCTAssertTrue(gaveUp.isEmpty)
    }
}
