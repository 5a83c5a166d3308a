import UIKit

/// The app's object graph, built in one go from `application(_:didFinishLaunchingWithOptions:)`.
///
/// Order matters (field notes §1–2): the audio service first, because manual audio must be on
/// before libwebrtc creates anything; then the one `CXProvider` and the `PKPushRegistry`,
/// synchronously, before any UI or network, so that a cold launch from a VoIP push can report its
/// call before the PushKit delegate returns; the web view last.
final class Shell {
    let configuration: ShellConfiguration
    let audio: CallAudioService
    let callKit: CallKitAdaptee
    let pushKit: PushKitManager
    let media: NativeMediaEngine
    let bridge: WebBridge
    private let coordinator: ShellCoordinator

    init(configuration: ShellConfiguration) {
        self.configuration = configuration
        audio = CallAudioService()
        callKit = CallKitAdaptee(
            registry: CallRegistry(),
            audio: audio,
            watchdog: ActivationWatchdog(),
            controller: CallController()
        )
        pushKit = PushKitManager(calls: callKit, protectedDataAvailable: { UIApplication.shared.isProtectedDataAvailable })
        media = NativeMediaEngine()
        bridge = WebBridge(pageOrigin: configuration.pageURL)
        coordinator = ShellCoordinator(
            configuration: configuration,
            callKit: callKit,
            pushKit: pushKit,
            media: media,
            bridge: bridge
        )
        audio.onAudioEnabledChanged = { [media] enabled in media.setAudioEnabled(enabled) }
    }

    func makeWebViewController() -> ShellWebViewController {
        let controller = ShellWebViewController(configuration: configuration, bridge: bridge)
        coordinator.webView = controller
        return controller
    }
}
