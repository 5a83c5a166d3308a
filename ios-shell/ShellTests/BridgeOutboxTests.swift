@testable import Softphone
import XCTest

/// Issue 12 path 3: messages sent before the page's `bridge.ready` wait for it instead of vanishing.
final class BridgeOutboxTests: XCTestCase {
    func testAColdLaunchLockScreenAnswerReachesThePageOnceReady() {
        var outbox = BridgeOutbox<NativeToWeb>()
        let id = UUID()
        XCTAssertNil(outbox.send(.reported(callId: id)), "the page is still loading")
        XCTAssertNil(outbox.send(.answered(callId: id)))
        XCTAssertNil(outbox.send(.audioActivated(callId: id)))
        XCTAssertEqual(outbox.open(), [.reported(callId: id), .answered(callId: id), .audioActivated(callId: id)], "in order")
        XCTAssertEqual(outbox.send(.audioDeactivated(callId: id)), .audioDeactivated(callId: id), "ready: delivered now")
        XCTAssertTrue(outbox.queued.isEmpty)
    }

    func testAPageThatGoesAwayQueuesUntilTheNextReady() {
        var outbox = BridgeOutbox<Int>()
        _ = outbox.open()
        outbox.close()
        XCTAssertNil(outbox.send(1))
        XCTAssertEqual(outbox.open(), [1])
        XCTAssertTrue(outbox.open().isEmpty, "nothing is delivered twice")
    }

    func testAPageThatNeverLoadsDoesNotGrowTheQueueWithoutBound() {
        var outbox = BridgeOutbox<Int>()
        let capacity = BridgeOutbox<Int>.capacity
        for n in 0..<(capacity + 3) { _ = outbox.send(n) }
        XCTAssertEqual(outbox.queued.count, capacity)
        XCTAssertEqual(outbox.dropped, 3)
        XCTAssertEqual(outbox.open().first, 3, "the oldest went first")
    }
}
