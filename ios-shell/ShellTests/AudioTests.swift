@testable import Softphone
import XCTest

/// A3–A7: call audio only between CallKit's activation and deactivation, for an answered call that
/// is not held or interrupted; the watchdog reports a missing activation and does nothing else.
final class AudioTests: XCTestCase {
    func testAudioRunsOnlyWithCallKitsSessionAndAnAnsweredCall() {
        var gate = AudioGate()
        XCTAssertFalse(gate.audioEnabled)
        gate.callWantsAudio = true
        XCTAssertFalse(gate.audioEnabled, "answered but not activated: no audio (A2)")
        gate.sessionActive = true
        XCTAssertTrue(gate.audioEnabled, "didActivate (A3)")
        gate.interrupted = true
        XCTAssertFalse(gate.audioEnabled, "interruption (A6)")
        gate.interrupted = false
        gate.sessionActive = false
        XCTAssertFalse(gate.audioEnabled, "didDeactivate (A5)")
    }

    func testWatchdogReportsAMissingActivation() {
        let watchdog = ActivationWatchdog(timeout: 0.05)
        let fired = expectation(description: "missing didActivate reported")
        let id = UUID()
        watchdog.arm(id) { waited in
            XCTAssertEqual(waited, 0.05)
            fired.fulfill()
        }
        XCTAssertTrue(watchdog.isArmed(id))
        wait(for: [fired], timeout: 1)
        XCTAssertFalse(watchdog.isArmed(id))
    }

    func testDidActivateDisarmsTheWatchdog() {
        let watchdog = ActivationWatchdog(timeout: 0.05)
        let id = UUID()
        watchdog.arm(id) { _ in XCTFail("fired after disarm") }
        watchdog.disarmAll()
        let waited = expectation(description: "past the deadline")
        DispatchQueue.main.asyncAfter(deadline: .now() + 0.15) { waited.fulfill() }
        wait(for: [waited], timeout: 1)
    }

    func testARingingCallOwnsNoAudio() {
        let registry = CallRegistry()
        let id = UUID()
        registry.insert(id, direction: .incoming)
        registry.setSystemState(id, .reported)
        XCTAssertNil(registry.audioOwner)
        registry.update(id) { $0.answeredAt = Date() }
        XCTAssertEqual(registry.audioOwner?.id, id)
        registry.update(id) { $0.isOnHold = true }
        XCTAssertNil(registry.audioOwner)
    }

    func testAnEndedCallIsRememberedForLatePushes() {
        var now = Date()
        let registry = CallRegistry(now: { now })
        let id = UUID()
        registry.insert(id, direction: .incoming)
        registry.setSystemState(id, .reported)
        XCTAssertTrue(registry.isLive(id))
        registry.remove(id)
        XCTAssertFalse(registry.isLive(id))
        XCTAssertTrue(registry.wasEndedRecently(id))
        now += CallRegistry.rememberEndedFor + 1
        XCTAssertFalse(registry.wasEndedRecently(id))
    }
}
