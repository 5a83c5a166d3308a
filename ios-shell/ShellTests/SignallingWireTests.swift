@testable import Softphone
import XCTest

/// The native socket's side of `sfu/src/protocol/signalling.ts` and `ack.ts`.
final class SignallingWireTests: XCTestCase {
    func testAnAckedResultDecodes() throws {
        let items: [Any] = [["ok": true, "data": ["callId": "6f1c2b7e-3c1a-4d2e-9f00-1a2b3c4d5e6f"]] as [String: Any]]
        let ref = try AckDecoding.decode(items, as: CallControlWire.CallRef.self).get()
        XCTAssertEqual(ref.callId, "6f1c2b7e-3c1a-4d2e-9f00-1a2b3c4d5e6f")
    }

    func testARefusalCarriesTheServersCode() {
        let items: [Any] = [["ok": false, "error": ["code": "call-no-longer-available", "message": "over"]] as [String: Any]]
        guard case let .failure(error) = AckDecoding.decode(items, as: CallControlWire.Empty.self) else { return XCTFail("refused") }
        XCTAssertEqual(error.code, "call-no-longer-available")
        XCTAssertTrue(error.meansCallIsOver)
    }

    /// An invite refused by the server's invite limits carries `retryAfterMs`: still a refusal with its code.
    func testARateLimitedRefusalDecodesWithItsRetryAfter() {
        let error: [String: Any] = ["code": "rate-limited", "message": "too many calls; try again in 42 s", "retryAfterMs": 41_250]
        guard case let .failure(refusal) = AckDecoding.decode([["ok": false, "error": error] as [String: Any]], as: CallControlWire.CallRef.self) else {
            return XCTFail("refused")
        }
        XCTAssertEqual(refusal.code, "rate-limited")
        XCTAssertFalse(refusal.meansCallIsOver)
    }

    func testASessionEndDecodes() {
        let ended = AckDecoding.decodeEvent([["reason": "signed-out"] as [String: Any]], as: CallControlWire.SessionEnded.self)
        XCTAssertEqual(ended, CallControlWire.SessionEnded(reason: "signed-out"))
        XCTAssertNil(AckDecoding.decodeEvent([["why": "signed-out"] as [String: Any]], as: CallControlWire.SessionEnded.self))
    }

    func testNoAckAndGarbageAreErrorsNotCrashes() {
        XCTAssertEqual(AckDecoding.decode(["NO ACK"], as: CallControlWire.Empty.self), .failure(.noAck))
        XCTAssertEqual(AckDecoding.decode([], as: CallControlWire.Empty.self), .failure(.noAck))
        XCTAssertEqual(AckDecoding.decode([["ok": true, "data": Double.nan] as [String: Any]], as: CallControlWire.Empty.self), .failure(.undecodable))
        XCTAssertEqual(AckDecoding.decode([["ok": true, "data": Date()] as [String: Any]], as: CallControlWire.Empty.self), .failure(.undecodable))
    }

    func testAServerEndIsReportedToCallKitWithTheRightReason() {
        XCTAssertEqual(CallControlWire.callKitReason(serverReason: "hung-up", by: "peer"), .remoteEnded)
        XCTAssertEqual(CallControlWire.callKitReason(serverReason: "answered-elsewhere", by: "server"), .answeredElsewhere)
        XCTAssertEqual(CallControlWire.callKitReason(serverReason: "declined", by: "self"), .declinedElsewhere)
        XCTAssertEqual(CallControlWire.callKitReason(serverReason: "declined", by: "peer"), .remoteEnded)
        XCTAssertEqual(CallControlWire.callKitReason(serverReason: "no-answer", by: "server"), .unanswered)
        XCTAssertEqual(CallControlWire.callKitReason(serverReason: "media-lost", by: "server"), .failed)
    }

    /// The server's schemas are strict: exactly these keys (the SDP edge's `media:publish`).
    func testMediaPayloadsMatchTheServersSchema() throws {
        let publish = try XCTUnwrap(AckDecoding.object(MediaWire.Sdp(callId: "c", sdp: "v=0")))
        XCTAssertEqual(Set(publish.keys), ["callId", "sdp"])
        let failed = try XCTUnwrap(AckDecoding.object(CallControlWire.ActivationFailed(callId: "c")))
        XCTAssertEqual(failed["why"] as? String, "not-activated")
    }
}
