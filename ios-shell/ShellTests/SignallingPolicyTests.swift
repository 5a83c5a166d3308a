@testable import Softphone
import XCTest

/// The native socket's deadlines, retries and resync bookkeeping (SignallingPolicy.swift).
final class SignallingPolicyTests: XCTestCase {
    private let ann = UUID(uuidString: "6F1C2B7E-3C1A-4D2E-9F00-1A2B3C4D5E6F")!
    private let bob = UUID(uuidString: "0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9")!

    /// What a browser sends as `Origin` for the page: what the server compares with its own origin.
    func testTheSocketsOriginIsThePagesOrigin() {
        XCTAssertEqual(SignallingPolicy.origin(of: URL(string: "https://phone.example/app/?x=1")!), "https://phone.example")
        XCTAssertEqual(SignallingPolicy.origin(of: URL(string: "https://phone.example:443/")!), "https://phone.example")
        XCTAssertEqual(SignallingPolicy.origin(of: URL(string: "https://phone.example:8443/")!), "https://phone.example:8443")
        XCTAssertEqual(SignallingPolicy.origin(of: URL(string: "http://localhost:8080")!), "http://localhost:8080")
        XCTAssertNil(SignallingPolicy.origin(of: URL(string: "file:///tmp/x")!))
    }

    func testAnUnackedRequestIsSentAgainOnlyWhileConnectedAndAtMostThreeTimes() {
        var retry = AckRetry()
        XCTAssertNil(retry.noAck(connected: false), "a dropped socket's lost ack is the reconnection's")
        XCTAssertEqual(retry.noAck(connected: true), .retry(attempt: 2))
        XCTAssertEqual(retry.noAck(connected: true), .retry(attempt: 3))
        XCTAssertEqual(retry.noAck(connected: true), .giveUp)
        XCTAssertEqual(retry.attempts, ShellPolicy.ackAttempts)
    }

    /// The queue deadline ends a call the server can't be told about before the server's own
    /// reconnect grace (20 s) would have.
    func testAQueuedRequestGivesUpBeforeTheServersReconnectGrace() {
        XCTAssertLessThan(ShellPolicy.queuedDeadline, 20)
        XCTAssertGreaterThan(ShellPolicy.queuedDeadline, TimeInterval(ShellPolicy.reconnectWaitMax), "longer than the socket takes to come back")
    }

    func testACallTheWelcomeComesWithoutResyncIsOver() {
        var ledger = ResyncLedger()
        ledger.connected(settled: [ann, bob])
        ledger.heard(ann)
        XCTAssertEqual(ledger.welcomed(), [bob])
        XCTAssertEqual(ledger.welcomed(), [], "one welcome, one verdict")
    }

    func testAResyncCarriesTheMissedAnswerAndDownstreamOffer() throws {
        let payload: [String: Any] = [
            "callId": ann.uuidString.lowercased(),
            "peer": ["id": bob.uuidString.lowercased(), "displayName": "Bob"],
            "role": "caller",
            "state": "answered",
            "answered": true,
            "held": ["self": false, "peer": false],
            "peerReconnecting": false,
            "downstream": ["event": "media:offer", "sdp": "v=0\r\n"],
        ]
        let resync = try XCTUnwrap(AckDecoding.decodeEvent([payload], as: CallResync.self))
        XCTAssertEqual(resync.callId, ann)
        XCTAssertTrue(resync.answered)
        XCTAssertEqual(resync.state, .answered)
        XCTAssertEqual(resync.missedOffer, "v=0\r\n")
        var noDownstream = payload
        noDownstream["downstream"] = nil
        XCTAssertNil(try XCTUnwrap(AckDecoding.decodeEvent([noDownstream], as: CallResync.self)).missedOffer)
    }
}
