@testable import Softphone
import XCTest

/// A3–A7 and the issue-12 audio paths: call audio only between CallKit's activation and the next
/// event that takes the session, for an answered call; libwebrtc's activation count always equal to
/// the ledger's (0 or 1); the watchdog reports a missing activation and does nothing else.
final class AudioTests: XCTestCase {
    private typealias Event = AudioSessionLedger.Event

    /// libwebrtc's `_activationCount`, moved only by the calls the ledger returns.
    private struct LibWebRTCCount {
        var value = 0

        mutating func apply(_ call: AudioSessionLedger.LibWebRTCCall?) {
            switch call {
            case .audioSessionDidActivate?: value += 1
            case .audioSessionDidDeactivate?: value -= 1
            case nil: break
            }
        }
    }

    func testAudioRunsOnlyWithCallKitsSessionAndAnAnsweredCall() {
        var ledger = AudioSessionLedger()
        XCTAssertFalse(ledger.audioEnabled)
        ledger.callWantsAudio = true
        XCTAssertFalse(ledger.audioEnabled, "answered but not activated: no audio (A2)")
        XCTAssertEqual(ledger.apply(.didActivate), .audioSessionDidActivate)
        XCTAssertTrue(ledger.audioEnabled, "didActivate (A3)")
        XCTAssertEqual(ledger.apply(.interruptionBegan), .audioSessionDidDeactivate)
        XCTAssertFalse(ledger.audioEnabled, "interruption (A6)")
        XCTAssertEqual(ledger.apply(.didActivate), .audioSessionDidActivate)
        XCTAssertEqual(ledger.apply(.didDeactivate), .audioSessionDidDeactivate)
        XCTAssertFalse(ledger.audioEnabled, "didDeactivate (A5)")
    }

    /// Issue 12 path 1: "End & Accept" posts a begin with no end. The next call's didActivate must
    /// bring audio back, not leave every later call silent.
    func testAnInterruptionWithoutAnEndIsClearedByTheNextDidActivate() {
        var ledger = AudioSessionLedger()
        ledger.callWantsAudio = true
        _ = ledger.apply(.didActivate)
        _ = ledger.apply(.interruptionBegan)
        _ = ledger.apply(.callsEnded)
        XCTAssertFalse(ledger.interrupted, "call end clears the interruption")

        _ = ledger.apply(.interruptionBegan)
        ledger.callWantsAudio = true
        _ = ledger.apply(.didActivate)
        XCTAssertFalse(ledger.interrupted, "didActivate clears an interruption that never ended")
        XCTAssertTrue(ledger.audioEnabled, "the next call has audio")
    }

    /// Issue 12 path 2: nothing but didActivate resumes audio, so libwebrtc never has a reason to
    /// activate the session itself.
    func testNothingButDidActivateResumesAudio() {
        var ledger = AudioSessionLedger()
        ledger.callWantsAudio = true
        _ = ledger.apply(.didActivate)
        _ = ledger.apply(.interruptionBegan)
        XCTAssertNil(ledger.apply(.interruptionEnded), "libwebrtc is told nothing at an interruption's end")
        XCTAssertFalse(ledger.audioEnabled, "an interruption's end does not resume audio")

        _ = ledger.apply(.didActivate)
        ledger.callWantsAudio = false
        _ = ledger.apply(.callHeld)
        ledger.callWantsAudio = true
        XCTAssertFalse(ledger.audioEnabled, "an unhold without didActivate stays silent (the watchdog reports it)")
        _ = ledger.apply(.didActivate)
        XCTAssertTrue(ledger.audioEnabled)
    }

    /// Issue 12 path 2b: providerDidReset used to leave libwebrtc's count at 1.
    func testProviderDidResetTellsLibWebRTCTheSessionIsGone() {
        var ledger = AudioSessionLedger()
        var count = LibWebRTCCount()
        ledger.callWantsAudio = true
        count.apply(ledger.apply(.didActivate))
        count.apply(ledger.apply(.providerDidReset))
        XCTAssertEqual(count.value, 0)
        XCTAssertFalse(ledger.sessionActive)
        count.apply(ledger.apply(.didDeactivate))
        XCTAssertEqual(count.value, 0, "a late didDeactivate does not go below zero")
    }

    /// Every path, in any order: the count is the ledger's session state (never 2, never -1), a
    /// session becomes ours only through didActivate, and it is 0 once the calls are over.
    func testLibWebRTCActivationCountIsBalancedOnEveryPath() {
        let events: [Event] = [
            .didActivate, .didDeactivate, .interruptionBegan, .interruptionEnded,
            .callHeld, .callsEnded, .providerDidReset, .mediaServicesReset,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var ledger = AudioSessionLedger()
            var count = LibWebRTCCount()
            for _ in 0..<Int.random(in: 1...30, using: &generator) {
                let event = events.randomElement(using: &generator)!
                ledger.callWantsAudio = Bool.random(using: &generator)
                let wasActive = ledger.sessionActive
                count.apply(ledger.apply(event))
                XCTAssertEqual(count.value, ledger.sessionActive ? 1 : 0, "after \(event)")
                if !wasActive, ledger.sessionActive { XCTAssertEqual(event, .didActivate) }
            }
            count.apply(ledger.apply(.callsEnded))
            XCTAssertEqual(count.value, 0)
            XCTAssertFalse(ledger.interrupted)
        }
    }

    func testWatchdogReportsAMissingActivation() {
        let watchdog = CallDeadline(timeout: 0.05)
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
        let watchdog = CallDeadline(timeout: 0.05)
        let id = UUID()
        watchdog.arm(id) { _ in XCTFail("fired after disarm") }
        watchdog.disarmAll()
        XCTAssertFalse(watchdog.isArmed(id))
        // The work item is cancelled: running the main queue past the deadline must not fire it.
        let drained = expectation(description: "main queue past the deadline")
        DispatchQueue.main.asyncAfter(deadline: .now() + 0.1) { drained.fulfill() }
        wait(for: [drained], timeout: 1)
    }

    func testTheRingTimeoutUsesItsOwnDeadline() {
        let ring = CallDeadline(timeout: 60)
        let fired = expectation(description: "ring timeout")
        ring.arm(UUID(), after: 0.01) { waited in
            XCTAssertEqual(waited, 0.01)
            fired.fulfill()
        }
        wait(for: [fired], timeout: 1)
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

    /// A page that reloads after its content process died is told every live call again.
    func testTheSnapshotListsEveryLiveCall() {
        let registry = CallRegistry()
        let live = UUID()
        let ended = UUID()
        for id in [live, ended] {
            registry.insert(id, direction: .incoming)
            registry.setSystemState(id, .reported)
        }
        registry.update(live) {
            $0.answeredAt = Date()
            $0.connectedAt = Date()
            $0.peer = Peer(id: "u1", displayName: "Ada")
        }
        registry.remove(ended)
        let snapshot = registry.snapshot(audioActive: true, output: .speaker)
        XCTAssertEqual(snapshot.map(\.callId), [live])
        XCTAssertEqual(snapshot.first?.answered, true)
        XCTAssertEqual(snapshot.first?.audioActive, true)
        XCTAssertEqual(snapshot.first?.peer?.displayName, "Ada")
    }
}
