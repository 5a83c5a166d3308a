import CallKit
@testable import Softphone
import XCTest

/// Issue 12 path 4: a refused CallKit request is reported to the page and, when the call can't go
/// on, ended everywhere.
final class RefusalPolicyTests: XCTestCase {
    private func decide(
        _ request: CallKitRequest,
        _ error: CXErrorCodeRequestTransactionError.Code? = nil,
        direction: CallRegistry.Direction = .incoming,
        answered: Bool = false
    ) -> RefusalPolicy.Outcome {
        RefusalPolicy.decide(request, error: error, direction: direction, answered: answered)
    }

    func testARefusedStartEndsTheCallAndCancelsItOnTheServer() {
        XCTAssertEqual(decide(.start, direction: .outgoing), .init(endCall: .failed, server: .hangup, restatePageState: false))
    }

    func testARefusedReportDeclinesOnTheServer() {
        XCTAssertEqual(decide(.report), .init(endCall: .failed, server: .decline, restatePageState: false))
    }

    func testARefusedAnswerEndsTheCallInsteadOfLeavingThePageAnswered() {
        XCTAssertEqual(decide(.answer, .unknownCallUUID), .init(endCall: .failed, server: .decline, restatePageState: false))
    }

    func testARefusedEndStillEndsTheCall() {
        XCTAssertEqual(decide(.end, .unknownCallUUID, answered: true), .init(endCall: .local, server: .hangup, restatePageState: false))
        XCTAssertEqual(decide(.end, .unknownCallUUID).server, .decline, "an unanswered incoming call is declined")
    }

    func testARefusedMuteOrHoldKeepsTheCallAndRestatesItsState() {
        for request in [CallKitRequest.mute, .hold] {
            XCTAssertEqual(decide(request, .unentitled, answered: true), .init(endCall: nil, server: nil, restatePageState: true))
            XCTAssertEqual(decide(request, .unknownCallUUID, answered: true).endCall, .failed, "CallKit lost the call")
        }
    }
}
