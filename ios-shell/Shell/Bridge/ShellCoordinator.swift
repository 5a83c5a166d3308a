import Foundation

/// Routes between the page (WebBridge), CallKit (CallKitAdaptee) and the call media
/// (NativeMediaEngine). It decides nothing: each message goes to the one object that owns it.
final class ShellCoordinator {
    weak var webView: ShellWebViewController?

    private let configuration: ShellConfiguration
    private let callKit: CallKitAdaptee
    private let pushKit: PushKitManager
    private let media: NativeMediaEngine
    private let bridge: WebBridge

    init(
        configuration: ShellConfiguration,
        callKit: CallKitAdaptee,
        pushKit: PushKitManager,
        media: NativeMediaEngine,
        bridge: WebBridge
    ) {
        self.configuration = configuration
        self.callKit = callKit
        self.pushKit = pushKit
        self.media = media
        self.bridge = bridge
        bridge.delegate = self
        callKit.delegate = self
        media.delegate = self
        pushKit.onTokenChanged = { [weak self] token in self?.sendToken(token) }
    }

    private func sendToken(_ token: String) {
        bridge.send(.voipToken(token: token, environment: configuration.apsEnvironment, bundleId: configuration.bundleId))
    }
}

extension ShellCoordinator: WebBridgeDelegate {
    func bridge(_ bridge: WebBridge, didReceive message: WebToNative) {
        switch message {
        case .ready:
            // The page may have loaded after a cold launch from a push: it missed these.
            if let token = pushKit.token { sendToken(token) }
            for id in callKit.liveCallsFromPush { bridge.send(.reported(callId: id)) }
        case let .reportIncoming(id, caller): callKit.reportIncomingFromPage(id, caller: caller)
        case let .startOutgoing(id, callee): callKit.startOutgoing(id, callee: callee)
        case let .outgoingConnected(id): callKit.outgoingConnected(id)
        case let .answer(id): callKit.answerFromPage(id)
        case let .end(id, reason): callKit.endFromPage(id, reason: reason)
        case let .hold(id, held): callKit.holdFromPage(id, held: held)
        case let .mute(id, muted): callKit.muteFromPage(id, muted: muted)
        case let .prepare(id): media.prepare(id)
        case let .publisherAnswer(id, sdp): media.publisherAnswer(id, sdp: sdp)
        case let .subscriberOffer(id, sdp): media.subscriberOffer(id, sdp: sdp)
        case let .start(id): media.start(id)
        case let .statsRequest(id, requestId): media.stats(id, requestId: requestId)
        case let .stop(id): media.stop(id)
        }
    }
}

extension ShellCoordinator: CallKitAdapteeDelegate {
    func callKit(_ adaptee: CallKitAdaptee, tellPage message: NativeToWeb) {
        bridge.send(message)
    }

    func callKit(_ adaptee: CallKitAdaptee, didEnd callId: UUID) {
        media.stop(callId)
    }

    func callKitDidDeactivateAudio(_ adaptee: CallKitAdaptee) {
        // The experimental page engine captures in WebKit's process: stop it there too (field notes §3).
        webView?.stopPageCapture()
    }

    func callKit(_ adaptee: CallKitAdaptee, setMuted muted: Bool, for callId: UUID) {
        media.setMuted(callId, muted)
    }
}

extension ShellCoordinator: NativeMediaEngineDelegate {
    func media(_ engine: NativeMediaEngine, tellPage message: NativeToWeb) {
        bridge.send(message)
    }

    func media(_ engine: NativeMediaEngine, connectionEndedFor callId: UUID, why: String) {
        callKit.mediaEnded(callId, why: why)
    }
}
