@testable import Softphone
import XCTest

/// The call's activation timeline for its quality record (CallQuality.swift) and the report's wire
/// form (`DeviceReportSchema`, sfu/src/protocol/quality.ts).
final class CallQualityTests: XCTestCase {
    private let answer = Date(timeIntervalSince1970: 1_000)

    func testDidActivateDelayIsMeasuredFromTheAnswer() {
        var call = CallQuality()
        call.answered(at: answer)
        call.activated(at: answer.addingTimeInterval(0.1234))
        XCTAssertEqual(call.didActivateMs, 123)
        XCTAssertEqual(call.watchdog, .activated)
    }

    func testOnlyTheFirstActivationAfterTheAnswerCounts() {
        var call = CallQuality()
        call.activated(at: answer) // before the answer (an outgoing call's start): not the answer's
        XCTAssertNil(call.didActivateMs)
        call.answered(at: answer)
        call.activated(at: answer.addingTimeInterval(0.2))
        call.activated(at: answer.addingTimeInterval(30)) // an unhold
        XCTAssertEqual(call.didActivateMs, 200)
    }

    func testTheWatchdogFiredAndDidActivateNeverCame() {
        var call = CallQuality()
        call.answered(at: answer)
        call.watchdogFired()
        XCTAssertNil(call.didActivateMs)
        XCTAssertEqual(call.watchdog, .fired)
    }

    func testADidActivateAfterTheWatchdogFiredIsLate() {
        var call = CallQuality()
        call.answered(at: answer)
        call.watchdogFired()
        call.activated(at: answer.addingTimeInterval(7))
        XCTAssertEqual(call.didActivateMs, 7_000)
        XCTAssertEqual(call.watchdog, .late)
    }

    func testTheReportWritesNullsTheSchemaRequires() throws {
        var call = CallQuality()
        call.answered(at: answer)
        let report = DeviceReport(os: "iOS", osVersion: "18.4.1", model: "iPhone15,2", appVersion: "1.4.0 (212)", engine: .native, call: call)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        XCTAssertEqual(json?["platform"] as? String, "ios-shell")
        XCTAssertEqual(json?["engine"] as? String, "native")
        XCTAssertTrue(json?["path"] is NSNull)
        XCTAssertTrue(json?["didActivateMs"] is NSNull)
        XCTAssertTrue(json?["watchdog"] is NSNull)
    }

    func testThePathIsReportedWhenItChanges() throws {
        var call = CallQuality()
        call.answered(at: answer)
        XCTAssertTrue(call.pathSeen(.srflx))
        XCTAssertFalse(call.pathSeen(.srflx), "the same path again is no new report")
        XCTAssertTrue(call.pathSeen(.relayTcp))
        let report = DeviceReport(os: "iOS", osVersion: "18.4.1", model: "iPhone15,2", appVersion: "1.4.0 (212)", engine: .native, call: call)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        XCTAssertEqual(json?["path"] as? String, "relay-tcp")
    }

    func testACandidateTypeNamesItsPathAsTheServerCountsIt() {
        XCTAssertEqual(MediaPathKind(candidateType: "host", relayProtocol: nil), .host)
        XCTAssertEqual(MediaPathKind(candidateType: "prflx", relayProtocol: nil), .prflx)
        XCTAssertEqual(MediaPathKind(candidateType: "relay", relayProtocol: "tls"), .relayTls)
        XCTAssertEqual(MediaPathKind(candidateType: "relay", relayProtocol: nil), .relayUdp, "udp when the stats don't say")
        XCTAssertNil(MediaPathKind(candidateType: "unknown", relayProtocol: nil))
    }

    func testAppVersionNamesVersionAndBuild() {
        XCTAssertEqual(DeviceIdentity.appVersion(info: ["CFBundleShortVersionString": "1.4.0", "CFBundleVersion": "212"]), "1.4.0 (212)")
        XCTAssertEqual(DeviceIdentity.appVersion(info: nil), "unknown")
    }
}
