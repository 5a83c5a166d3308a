import PushKit
import UIKit

/// What the PushKit delegate needs from CallKit: reporting, synchronously from the delegate.
protocol IncomingCallReporting: AnyObject {
    func isLive(_ callId: UUID) -> Bool
    func wasEndedRecently(_ callId: UUID) -> Bool
    /// Calls `completion` once CallKit has answered the report (PushKit's completion goes there).
    func reportIncoming(_ decision: PushDecision, completion: @escaping () -> Void)
}

/// Owns the `PKPushRegistry` and turns every VoIP push into a reported call before its delegate
/// method returns. Created synchronously in `application(_:didFinishLaunchingWithOptions:)`: an app
/// that registers later (behind login or UI) is killed on a cold launch from a push before it can
/// report (twilio voice-quickstart-ios #115, #308).
final class PushKitManager: NSObject, PKPushRegistryDelegate {
    private let registry: PKPushRegistry
    /// Strong: a push must always find someone to report to (a weak reference that had gone nil
    /// would return without a report, and PushKit kills the app for that).
    private let calls: IncomingCallReporting
    private let protectedDataAvailable: () -> Bool

    /// The current VoIP token, hex. The page registers it with the server (`push:register-voip`).
    private(set) var token: String?
    var onTokenChanged: ((String) -> Void)?
    /// The token is dead: the server must stop pushing to it (ShellCoordinator tells it natively).
    var onTokenInvalidated: ((_ lastToken: String) -> Void)?

    init(calls: IncomingCallReporting, protectedDataAvailable: @escaping () -> Bool) {
        self.calls = calls
        self.protectedDataAvailable = protectedDataAvailable
        // The main queue: the provider delegate runs there too, so the report is synchronous.
        registry = PKPushRegistry(queue: .main)
        super.init()
        registry.delegate = self
        registry.desiredPushTypes = [.voIP]
    }

    // MARK: PKPushRegistryDelegate

    func pushRegistry(_ registry: PKPushRegistry, didUpdate credentials: PKPushCredentials, for type: PKPushType) {
        guard type == .voIP else { return }
        token = credentials.token.map { String(format: "%02x", $0) }.joined()
        Log.push.notice("voip token updated suffix=\(String(self.token?.suffix(8) ?? ""), privacy: .public)")
        if let token { onTokenChanged?(token) }
    }

    func pushRegistry(_ registry: PKPushRegistry, didInvalidatePushTokenFor type: PKPushType) {
        guard type == .voIP else { return }
        let last = token
        token = nil
        Log.push.notice("voip token invalidated suffix=\(String(last?.suffix(8) ?? ""), privacy: .public)")
        if let last { onTokenInvalidated?(last) }
    }

    func pushRegistry(
        _ registry: PKPushRegistry,
        didReceiveIncomingPushWith payload: PKPushPayload,
        for type: PKPushType,
        completion: @escaping () -> Void
    ) {
        guard type == .voIP else {
            completion()
            return
        }
        Log.push.notice("didReceiveIncomingVoIPPush (classic)")
        handle(payload.dictionaryPayload, mustReport: true, completion: completion)
    }

    /// iOS 26.4+, where the system calls this instead of the classic method above. When `mustReport`
    /// is false (app in the foreground, already on a call, or the push is too old) the app may drop a
    /// push it has nothing to ring for; otherwise the same rule applies: report before returning.
    ///
    /// `PKVoIPPushMetadata` exists only in the iOS 26.4 SDK: older Xcodes compile without this
    /// method, and the system then calls the classic one on every iOS. The guard is the SDK's:
    /// Swift has no test for an SDK symbol (`@available` is about the OS it runs on, and
    /// `canImport` needs a whole module), and a runtime-only `@objc` method with this selector is
    /// an error against the 26.4 SDK's optional requirement (`objc_optional_requirement_conflict`).
    /// Every Xcode ships one compiler with its SDK, and Swift 6.3 is the one in Xcode 26.4 (swift.org
    /// "Swift 6.3 Released": "Swift 6.3 is included in Xcode 26.4"; Xcode 26.1 ships 6.2.1), so
    /// `compiler(>=6.3)` is true exactly with the 26.4 SDK or later. Only a swift.org toolchain
    /// forced onto an older Xcode (TOOLCHAINS) breaks that, and it fails to compile, not silently.
    #if compiler(>=6.3)
    @available(iOS 26.4, *)
    func pushRegistry(
        _ registry: PKPushRegistry,
        didReceiveIncomingVoIPPushWith payload: PKPushPayload,
        metadata: PKVoIPPushMetadata,
        withCompletionHandler completion: @escaping () -> Void
    ) {
        Log.push.notice("didReceiveIncomingVoIPPush mustReport=\(metadata.mustReport, privacy: .public)")
        handle(payload.dictionaryPayload, mustReport: metadata.mustReport, completion: completion) // [F2.4]
    }
    #endif

    /// No network, no JavaScript, no awaiting: decide from the payload and report, in this call.
    private func handle(_ dictionary: [AnyHashable: Any], mustReport: Bool, completion: @escaping () -> Void) {
        let payload = VoIPPushPayload.decode(dictionary)
        if let payload {
            Log.push.milestone(.pushReceived, payload.callId, "didReceiveIncomingVoIPPush sentAt=\(Int64(payload.sentAt))")
        }
        let decision = PushDecision.decide(
            payload: payload,
            now: Date(),
            isLive: calls.isLive,
            wasEndedRecently: calls.wasEndedRecently,
            protectedDataAvailable: protectedDataAvailable(),
            mustReport: mustReport
        )
        if case let .drop(why) = decision {
            Log.push.notice("push dropped (mustReport=false): \(why, privacy: .public)")
            completion()
            return
        }
        calls.reportIncoming(decision, completion: completion) // [F2.2]
    }
}
