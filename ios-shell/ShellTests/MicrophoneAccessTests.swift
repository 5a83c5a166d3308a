@testable import Softphone
import UIKit
import XCTest

/// S4: the microphone is asked for before the first call can need it, only where the system's
/// prompt can show, and the page hears every change.
final class MicrophoneAccessTests: XCTestCase {
    private var permission = MicrophonePermission.undetermined
    private var active = true
    private var asked = 0
    private var answer: ((Bool) -> Void)?
    private var told: [MicrophonePermission] = []
    private let center = NotificationCenter()

    private func makeAccess() -> MicrophoneAccess {
        let access = MicrophoneAccess(
            read: { [unowned self] in self.permission },
            ask: { [unowned self] answered in
                self.asked += 1
                self.answer = answered
            },
            isAppActive: { [unowned self] in self.active },
            center: center
        )
        access.onChange = { [unowned self] state in self.told.append(state) }
        return access
    }

    private func answerPrompt(_ granted: Bool) {
        permission = granted ? .granted : .denied
        answer?(granted)
        let delivered = expectation(description: "the answer hops to main")
        DispatchQueue.main.async { delivered.fulfill() }
        wait(for: [delivered], timeout: 1)
    }

    func testAsksOnceWhenThePageLinksInTheForegroundAndTellsTheAnswer() {
        let access = makeAccess()
        access.pageLinked()
        access.pageLinked()
        XCTAssertEqual(asked, 1, "one prompt at a time")
        answerPrompt(false)
        XCTAssertEqual(told, [.denied])
        access.pageLinked()
        XCTAssertEqual(asked, 1, "after a denial only Settings can change it")
    }

    func testInTheBackgroundWaitsUntilTheAppIsActive() {
        active = false
        let access = makeAccess()
        access.pageLinked()
        XCTAssertEqual(asked, 0, "no prompt can show while the app is not active")
        active = true
        center.post(name: UIApplication.didBecomeActiveNotification, object: nil)
        XCTAssertEqual(asked, 1)
        answerPrompt(true)
        XCTAssertEqual(told.last, .granted)
        withExtendedLifetime(access) {}
    }

    func testNeverAsksBeforeThePageLinkedButSeesASettingsChangeOnReturn() {
        permission = .denied
        let access = makeAccess()
        center.post(name: UIApplication.didBecomeActiveNotification, object: nil)
        XCTAssertEqual(asked, 0)
        XCTAssertEqual(told, [.denied])
        permission = .granted
        center.post(name: UIApplication.didBecomeActiveNotification, object: nil)
        XCTAssertEqual(told, [.denied, .granted])
        withExtendedLifetime(access) {}
    }

    func testOnlyAnUndeterminedPermissionInTheForegroundIsAskedFor() {
        XCTAssertTrue(MicrophoneAccess.shouldAsk(.undetermined, appActive: true))
        XCTAssertFalse(MicrophoneAccess.shouldAsk(.undetermined, appActive: false))
        XCTAssertFalse(MicrophoneAccess.shouldAsk(.denied, appActive: true))
        XCTAssertFalse(MicrophoneAccess.shouldAsk(.granted, appActive: true))
    }
}
