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

    /// S10: the shell's own welcome carries TURN (a cold launch from a push has no page to give it),
    /// with the server's null username and credential for STUN; unknown welcome keys are ignored.
    func testTheWelcomeCarriesTheIceServers() throws {
        let welcome: [String: Any] = [
            "self": ["id": "0f3a8c2e-7b41-4d59-a6e2-5c9d1b7e4f30", "displayName": "Ada"],
            "noAnswerTimeoutMs": 30000, "reconnectGraceMs": 20000, "unreadMissed": 0,
            "iceServers": [
                ["urls": ["stun:turn.example.org:3478"], "username": NSNull(), "credential": NSNull()],
                ["urls": ["turn:turn.example.org:3478?transport=udp"], "username": "1700000000:u", "credential": "c2VjcmV0"],
            ],
        ]
        let decoded = try XCTUnwrap(AckDecoding.decodeEvent([welcome], as: CallControlWire.Welcome.self))
        XCTAssertEqual(decoded.iceServers, [
            IceServer(urls: ["stun:turn.example.org:3478"], username: nil, credential: nil),
            IceServer(urls: ["turn:turn.example.org:3478?transport=udp"], username: "1700000000:u", credential: "c2VjcmV0"),
        ])
        XCTAssertEqual(CallDeadline.ringTimeout(noAnswerTimeoutMs: decoded.noAnswerTimeoutMs), 30 + CallDeadline.ringMargin)
        let renewal = try XCTUnwrap(AckDecoding.decodeEvent([["iceServers": welcome["iceServers"]!]], as: CallControlWire.IceServersEvent.self))
        XCTAssertEqual(renewal.iceServers, decoded.iceServers)
    }

    /// The shell names the dead token: `push:unregister {}` would also delete the page's fresh one.
    func testPushUnregisterNamesTheInvalidatedToken() throws {
        let unregister = try XCTUnwrap(AckDecoding.object(CallControlWire.PushUnregister(token: "ab12")))
        XCTAssertEqual(unregister as? [String: String], ["token": "ab12"])
    }
}
