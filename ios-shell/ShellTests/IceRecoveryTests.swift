@testable import Softphone
import XCTest

/// A Wi-Fi ↔ cellular handover restarts ICE instead of ending the call 10 s later.
final class IceRecoveryTests: XCTestCase {
    func testANetworkChangeRestartsAtOnce() {
        var recovery = IceRecovery()
        XCTAssertEqual(recovery.handle(.networkChanged), .restart(attempt: 1))
        XCTAssertEqual(recovery.handle(.restartNegotiated), .none)
        XCTAssertEqual(recovery.handle(.connected), .none)
        XCTAssertEqual(recovery.attempts, 0, "a recovered connection starts counting again")
    }

    func testDisconnectedGetsAGraceThenARestart() {
        var recovery = IceRecovery()
        XCTAssertEqual(recovery.handle(.disconnected), .waitGrace(IceRecovery.disconnectedGrace))
        XCTAssertEqual(recovery.handle(.graceExpired), .restart(attempt: 1))
        XCTAssertEqual(recovery.handle(.disconnected), .none, "no second restart while one is negotiating")
    }

    func testRestartsGiveUpAfterMaxAttempts() {
        var recovery = IceRecovery()
        for attempt in 1...IceRecovery.maxAttempts {
            XCTAssertEqual(recovery.handle(attempt == 1 ? .failed : .restartFailed), .restart(attempt: attempt))
        }
        XCTAssertEqual(recovery.handle(.restartFailed), .giveUp)
    }

    func testARestartedConnectionThatFailsAgainRestartsAgain() {
        var recovery = IceRecovery()
        _ = recovery.handle(.failed)
        _ = recovery.handle(.restartNegotiated)
        XCTAssertEqual(recovery.handle(.failed), .restart(attempt: 2))
    }
}
