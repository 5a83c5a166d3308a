@testable import Softphone
import XCTest

/// The push rows P1–P6 of docs/callkit-decision-table.md, as web/test/shell-simulator.test.ts runs
/// them against the simulator's copy.
final class PushDecisionTests: XCTestCase {
    private var valid: VoIPPushPayload!
    private var validDictionary: [AnyHashable: Any]!

    override func setUpWithError() throws {
        let file = try XCTUnwrap(Fixtures.files("voip-push").first { $0.name == "valid.json" })
        validDictionary = try XCTUnwrap(JSONSerialization.jsonObject(with: file.data) as? [AnyHashable: Any])
        valid = try XCTUnwrap(VoIPPushPayload.decode(validDictionary))
    }

    private func decide(
        _ payload: VoIPPushPayload?,
        now: Date? = nil,
        live: Bool = false,
        ended: Bool = false,
        unlocked: Bool = true,
        mustReport: Bool = true
    ) -> PushDecision {
        PushDecision.decide(
            payload: payload,
            now: now ?? Date(timeIntervalSince1970: valid.expiresAt / 1000 - 1),
            isLive: { _ in live },
            wasEndedRecently: { _ in ended },
            protectedDataAvailable: unlocked,
            mustReport: mustReport
        )
    }

    func testP1InvalidPayloadsAreReportedThenEnded() throws {
        let invalid = try Fixtures.files("voip-push").filter { $0.name.hasPrefix("invalid.") }
        XCTAssertFalse(invalid.isEmpty)
        for file in invalid {
            let dictionary = try JSONSerialization.jsonObject(with: file.data) as? [AnyHashable: Any] ?? [:]
            XCTAssertNil(VoIPPushPayload.decode(dictionary), file.name)
        }
        guard case .reportThenEnd(_, .failed, _) = decide(nil) else { return XCTFail("P1") }
        guard case .drop = decide(nil, mustReport: false) else { return XCTFail("P1, mustReport false") }
    }

    func testP2DuplicateIsReportedUnderTheSameUUID() {
        XCTAssertEqual(decide(valid, live: true), .reportDuplicate(valid.callId))
    }

    func testP3EndedCallIsReportedThenEnded() {
        guard case .reportThenEnd(valid.callId, .remoteEnded, _) = decide(valid, ended: true) else { return XCTFail("P3") }
    }

    func testP4StalePushIsReportedThenEnded() {
        let late = Date(timeIntervalSince1970: valid.expiresAt / 1000)
        guard case .reportThenEnd(valid.callId, .remoteEnded, _) = decide(valid, now: late) else { return XCTFail("P4") }
    }

    func testP5BeforeFirstUnlockIsReportedThenEnded() {
        guard case .reportThenEnd(valid.callId, .failed, _) = decide(valid, unlocked: false) else { return XCTFail("P5") }
    }

    func testP6ValidPushRings() {
        XCTAssertEqual(decide(valid), .ring(valid))
        XCTAssertEqual(decide(valid, mustReport: false), .ring(valid))
    }

    /// S8: the caller is named by user id, as on every other path (the page's schema refuses a
    /// username), and CallKit's handle is that id (Recents invites it).
    func testThePushedCallerIsTheUserId() {
        XCTAssertEqual(valid.peer, Peer(id: "0f3a8c2e-7b41-4d59-a6e2-5c9d1b7e4f30", displayName: "Ada Lovelace"))
    }

    /// S2: a pushed call rings for the server's no-answer timeout (plus the margin), not until the
    /// push's `expiresAt`, which is only the deadline to report it.
    func testAPushedCallRingsForTheServersNoAnswerTimeout() {
        XCTAssertEqual(valid.ringTimeout, 30 + CallDeadline.ringMargin)
        XCTAssertGreaterThan(valid.ringTimeout, (valid.expiresAt - valid.sentAt) / 1000)
    }

    func testMustReportFalseDropsWhatWouldNotRing() {
        guard case .drop = decide(valid, live: true, mustReport: false) else { return XCTFail("drop") }
    }
}
