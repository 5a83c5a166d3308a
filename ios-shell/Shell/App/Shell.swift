import UIKit

/// The app's object graph, built in one go from `application(_:didFinishLaunchingWithOptions:)`.
///
/// Order matters (field notes §1–2): the audio service first, because manual audio must be on
/// before libwebrtc creates anything; then the one `CXProvider` and the `PKPushRegistry`,
/// synchronously, before any UI or network, so that a cold launch from a VoIP push can report its
/// call before the PushKit delegate returns; the native socket (which connects only once CallKit
/// has a call); the web view last.
final class Shell {
    let configuration: ShellConfiguration
    let audio: CallAudioService
    let callKit: CallKitAdaptee
    let pushKit: PushKitManager
    let callControl: NativeCallControl
    let media: NativeMediaEngine
    let bridge: WebBridge
    private let coordinator: ShellCoordinator

    init(configuration: ShellConfiguration) {
        self.configuration = configuration
        audio = CallAudioService()
        callKit = CallKitAdaptee(registry: CallRegistry(), audio: audio, controller: CallController())
        pushKit = PushKitManager(calls: callKit, protectedDataAvailable: { UIApplication.shared.isProtectedDataAvailable })
        let client = SignallingClient(serverURL: configuration.pageURL)
        callControl = NativeCallControl(client: client, credentials: SessionCredentials(pageURL: configuration.pageURL))
        let negotiator = MediaNegotiator(client: client)
        #if QA
            let tone = QASwitches.knownSignalUplink ? QAToneAudioDevice() : nil
            let qa = QAHooks(tone: tone, libWebRTCLog: QASwitches.statsLog ? QALibWebRTCLog() : nil)
            media = NativeMediaEngine(audioDevice: tone)
        #else
            let qa = QAHooks()
            media = NativeMediaEngine()
        #endif
        bridge = WebBridge(pageOrigin: configuration.pageURL)
        coordinator = ShellCoordinator(
            configuration: configuration,
            audio: audio,
            callKit: callKit,
            pushKit: pushKit,
            callControl: callControl,
            negotiator: negotiator,
            media: media,
            bridge: bridge,
            network: NetworkMonitor(),
            microphone: MicrophoneAccess(),
            qa: qa
        )
        Log.calls.notice("apns environment=\(configuration.apsEnvironment, privacy: .public) (embedded provisioning profile)")
    }

    func makeWebViewController() -> ShellWebViewController {
        let controller = ShellWebViewController(configuration: configuration, bridge: bridge)
        coordinator.webView = controller
        return controller
    }

    /// Recents and Siri: call the handle back (the callee's user id, CallKit's `.generic` handle).
    func placeCall(handle: String, name: String?) {
        coordinator.placeCall(to: Peer(id: handle, displayName: name ?? handle))
    }
}
