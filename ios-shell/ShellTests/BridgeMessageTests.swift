@testable import Softphone
import XCTest

/// The same golden messages `sfu/test/unit/bridge.test.ts` decodes: a field renamed on either side
/// fails here or there, not in a call.
final class BridgeMessageTests: XCTestCase {
    func testEveryPageMessageDecodes() throws {
        let files = try Fixtures.files("bridge").filter { $0.name.hasPrefix("web-to-native.") }
        XCTAssertGreaterThanOrEqual(files.count, WebToNative.allTypes.count)
        var seen = Set<String>()
        for file in files {
            let message = try JSONDecoder().decode(WebToNative.self, from: file.data)
            XCTAssertTrue(file.name.contains(".\(message.type)."), file.name)
            seen.insert(message.type)
        }
        XCTAssertEqual(seen, Set(WebToNative.allTypes))
    }

    /// Decoding then encoding gives back the golden file exactly: the page's strict schema would
    /// refuse a missing key or an extra one.
    func testEveryShellMessageRoundTrips() throws {
        let files = try Fixtures.files("bridge").filter { $0.name.hasPrefix("native-to-web.") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let message = try JSONDecoder().decode(NativeToWeb.self, from: file.data)
            XCTAssertTrue(file.name.contains(".\(message.type)."), file.name)
            let encoded = try Fixtures.json(JSONEncoder().encode(message))
            XCTAssertEqual(encoded, try Fixtures.json(file.data), file.name)
        }
    }

    func testInvalidMessagesAreRefused() throws {
        for file in try Fixtures.files("bridge").filter({ $0.name.hasPrefix("invalid.") }) {
            if file.name.hasPrefix("invalid.web-to-native.") {
                XCTAssertThrowsError(try JSONDecoder().decode(WebToNative.self, from: file.data), file.name)
            } else {
                XCTAssertThrowsError(try JSONDecoder().decode(NativeToWeb.self, from: file.data), file.name)
            }
        }
    }

    /// One bad `postMessage` used to raise an Objective-C exception and end the app mid-call.
    func testAPostedValueThatIsNotJSONIsRefusedNotACrash() {
        let bodies: [Any] = [
            "bridge.ready",
            ["v": BridgeWire.version, "type": "bridge.ready", "at": Double.nan] as [String: Any],
            ["v": BridgeWire.version, "type": "bridge.ready", "at": Date()] as [String: Any],
            42,
        ]
        for body in bodies {
            XCTAssertThrowsError(try WebBridge.decode(body: body)) { error in
                XCTAssertEqual(error as? BridgeDecodingError, .notAnObject)
            }
        }
        let ready: [String: Any] = ["v": BridgeWire.version, "type": "bridge.ready"]
        XCTAssertEqual(try WebBridge.decode(body: ready), .ready)
    }

    /// Nullable fields are explicit nulls: the page's strict schema requires every key.
    func testTheSnapshotWritesEveryKey() throws {
        let call = CallSnapshot(
            callId: UUID(), direction: .incoming, peer: nil, fromPush: true, answered: false,
            audioActive: false, held: false, muted: false, output: .receiver
        )
        let json = try Fixtures.json(JSONEncoder().encode(NativeToWeb.shellState(calls: [call])))
        let first = try XCTUnwrap((json["calls"] as? [NSDictionary])?.first)
        XCTAssertTrue(first["peer"] is NSNull)
        XCTAssertEqual(first.count, 9)
        XCTAssertEqual(try JSONDecoder().decode(NativeToWeb.self, from: JSONEncoder().encode(NativeToWeb.shellState(calls: [call]))), .shellState(calls: [call]))
    }

    func testShellInfoMatchesThePagesSchema() throws {
        let file = try XCTUnwrap(Fixtures.files("bridge").first { $0.name == "shell-info.json" })
        let info = try JSONDecoder().decode(ShellInfo.self, from: file.data)
        XCTAssertEqual(info.v, BridgeWire.version)
        XCTAssertEqual(try Fixtures.json(JSONEncoder().encode(info)), try Fixtures.json(file.data))
    }
}
