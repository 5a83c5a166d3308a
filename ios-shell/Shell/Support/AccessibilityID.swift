/// The accessibility identifiers device-farm tests (Appium XCUITest, `accessibility id` locator)
/// find native elements by. Stable strings: tests depend on them, so rename only with the tests.
enum AccessibilityID {
    static let webView = "softphone.webview"
    static let loadFailure = "softphone.load-failure"
    static let loadFailureMessage = "softphone.load-failure.message"
    static let loadFailureRetry = "softphone.load-failure.retry"
}
