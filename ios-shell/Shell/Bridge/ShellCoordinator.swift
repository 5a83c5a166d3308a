import Foundation

/// Routes between the page (WebBridge), CallKit (CallKitAdaptee), the native socket
/// (NativeCallControl, MediaNegotiator), the call media (NativeMediaEngine) and the audio session
/// (CallAudioService). It decides nothing: each message goes to the one object that owns it.
final class ShellCoordinator {
    weak var webView: ShellWebViewController?

    private let configuration: ShellConfiguration
    private let audio: CallAudioService
    private let callKit: CallKitAdaptee
    private let pushKit: PushKitManager
    private let callControl: NativeCallControl
    private let negotiator: MediaNegotiator
    private let media: NativeMediaEngine
    private let bridge: WebBridge
    private let network: NetworkMonitor
    private let microphone: MicrophoneAccess
    /// The page's choice; `page` only in QA builds (the store build has no experimental engine).
    private var engine = MediaEngineKind.native
    /// Each live call's activation timeline, for its device reports (issue 21).
    private var quality: [UUID: CallQuality] = [:]
    /// Read once: the OS version, model and build do not change while the app runs.
    private lazy var device = DeviceIdentity.current()
    #if QA
        private let qa: QACallStatsLog
        private let tone: QAToneAudioDevice?
        private let libWebRTCLog: QALibWebRTCLog?
    #endif

    init(
        configuration: ShellConfiguration,
        audio: CallAudioService,
        callKit: CallKitAdaptee,
        pushKit: PushKitManager,
        callControl: NativeCallControl,
        negotiator: MediaNegotiator,
        media: NativeMediaEngine,
        bridge: WebBridge,
        network: NetworkMonitor,
        microphone: MicrophoneAccess,
        qa: QAHooks
    ) {
        self.configuration = configuration
        self.audio = audio
        self.callKit = callKit
        self.pushKit = pushKit
        self.callControl = callControl
        self.negotiator = negotiator
        self.media = media
        self.bridge = bridge
        self.network = network
        self.microphone = microphone
        #if QA
            self.qa = QACallStatsLog(media: media, audio: audio, tone: qa.tone)
            tone = qa.tone
            libWebRTCLog = qa.libWebRTCLog
        #endif
        bridge.delegate = self
        callKit.delegate = self
        callControl.delegate = self
        negotiator.delegate = self
        media.delegate = self
        media.negotiation = negotiator
        audio.delegate = self
        pushKit.onTokenChanged = { [weak self] token in self?.sendToken(token) }
        pushKit.onTokenInvalidated = { [weak callControl] lastToken in callControl?.unregisterPush(token: lastToken) }
        network.onChange = { [weak media] _ in media?.networkChanged() }
        microphone.onChange = { [weak bridge] state in bridge?.send(.microphonePermission(state)) }
        network.start()
    }

    /// Recents or Siri (INStartCallIntent): the same path as the page's `call.place`.
    func placeCall(to callee: Peer) {
        callControl.place(requestId: nil, callee: callee)
    }

    private func sendToken(_ token: String) {
        bridge.send(.voipToken(token: token, environment: configuration.apsEnvironment, bundleId: configuration.bundleId))
    }

    /// A call joined or left: the QA stats line runs while any call has media.
    private func mediaSessionsChanged() {
        #if QA
            qa.update()
        #endif
    }
}

/// What the QA build adds to the object graph; empty in release builds.
struct QAHooks {
    #if QA
        let tone: QAToneAudioDevice?
        let libWebRTCLog: QALibWebRTCLog?
    #endif
}

extension ShellCoordinator: WebBridgeDelegate {
    func bridge(_ bridge: WebBridge, didReceive message: WebToNative) {
        switch message {
        case .ready:
            // A page that has just loaded (cold launch, reload, content process death) knows nothing:
            // the queue went out first (WebBridge), now the token and every live call's state.
            if let token = pushKit.token { sendToken(token) }
            bridge.send(.shellState(calls: callKit.snapshot))
            bridge.send(.microphonePermission(microphone.current))
        case let .identity(deviceId, deviceLabel):
            callControl.setIdentity(SessionCredentials.Identity(deviceId: deviceId, deviceLabel: deviceLabel))
            // The page is up, and calls can reach this device only once it has registered the VoIP
            // token: ask for the microphone now, while a prompt can show (S4).
            microphone.pageLinked()
        case let .iceServers(servers): media.setIceServers(servers)
        case let .engine(kind):
            #if QA
                engine = kind
            #else
                if kind == .page { Log.bridge.error("media.engine page refused: release builds have no page engine") }
            #endif
        case let .reportIncoming(id, caller): callKit.reportIncomingFromPage(id, caller: caller)
        case let .place(requestId, callee): callControl.place(requestId: requestId, callee: callee)
        case let .answer(id): callKit.answerFromPage(id)
        case let .end(id, reason): callKit.endFromPage(id, reason: reason)
        case let .hold(id, held): callKit.holdFromPage(id, held: held)
        case let .mute(id, muted): callKit.muteFromPage(id, muted: muted)
        case let .output(id, output):
            guard callKit.audioOwnerId == id else { return }
            audio.setOutput(output)
        case let .statsRequest(id, requestId): media.stats(id, requestId: requestId)
        }
    }
}

extension ShellCoordinator: CallKitAdapteeDelegate {
    func callKit(_ adaptee: CallKitAdaptee, tellPage message: NativeToWeb) {
        bridge.send(message)
    }

    func callKit(_ adaptee: CallKitAdaptee, didReport callId: UUID, direction: CallRegistry.Direction) {
        callControl.track(callId, direction: direction)
    }

    func callKit(_ adaptee: CallKitAdaptee, didAnswer callId: UUID) {
        callControl.answer(callId)
        answered(callId)
    }

    func callKit(_ adaptee: CallKitAdaptee, didEnd callId: UUID, server: ServerCallAction?) {
        callControl.end(callId, server: server)
        quality[callId] = nil
        media.stop(callId)
        mediaSessionsChanged()
    }

    func callKit(_ adaptee: CallKitAdaptee, activationFailed callId: UUID) {
        callControl.activationFailed(callId)
        quality[callId]?.watchdogFired()
        reportDevice(callId)
    }

    func callKit(_ adaptee: CallKitAdaptee, didActivate callId: UUID, at time: Date) {
        quality[callId]?.activated(at: time)
        reportDevice(callId)
    }

    /// The call is answered (here, or by the callee for a call placed here): its first report goes
    /// out, saying no `didActivate` yet; the next ones follow the activation.
    private func answered(_ callId: UUID) {
        var call = quality[callId] ?? CallQuality()
        call.answered(at: Date())
        quality[callId] = call
        reportDevice(callId)
    }

    private func reportDevice(_ callId: UUID) {
        guard let call = quality[callId] else { return }
        let report = DeviceReport(os: device.os, osVersion: device.osVersion, model: device.model, appVersion: device.appVersion, engine: engine, call: call)
        callControl.deviceReport(callId, report)
    }

    func callKitDidDeactivateAudio(_ adaptee: CallKitAdaptee) {
        // The experimental page engine captures in WebKit's process: stop it there too (field notes §3).
        webView?.stopPageCapture()
    }

    func callKit(_ adaptee: CallKitAdaptee, setMuted muted: Bool, for callId: UUID) {
        media.setMuted(callId, muted)
    }

    func callKit(_ adaptee: CallKitAdaptee, setHeldByUser held: Bool, for callId: UUID) {
        media.setHeld(callId, held)
        callControl.hold(callId, held: held)
    }
}

extension ShellCoordinator: NativeCallControlDelegate {
    func callControl(_ control: NativeCallControl, tellPage message: NativeToWeb) {
        bridge.send(message)
    }

    func callControl(_ control: NativeCallControl, joined callId: UUID, peer: Peer?) {
        // The user may have declined on the lock screen while the claim was in flight: CallKit's call
        // is gone and `media.stop` has run, so a join now would leak a session, a peer connection and
        // a microphone track into later calls.
        guard callKit.isLive(callId) else {
            Log.media.notice("joined call=\(callId.wireString, privacy: .public) is over in CallKit: no media")
            return
        }
        if let peer { callKit.updatePeer(callId, peer: peer) }
        // The state the call starts with; a call answered on the lock screen while undetermined
        // records silence (no prompt can show there) and says `undetermined`.
        let permission = microphone.current
        callControl.micPermission(callId, permission)
        bridge.send(.microphonePermission(permission))
        guard engine == .native else { return }
        media.join(callId)
        mediaSessionsChanged()
    }

    func callControl(_ control: NativeCallControl, placed callId: UUID, callee: Peer) {
        callKit.startOutgoing(callId, callee: callee)
    }

    func callControl(_ control: NativeCallControl, outgoingConnected callId: UUID) {
        callKit.outgoingConnected(callId)
        answered(callId)
    }

    func callControl(_ control: NativeCallControl, serverEnded callId: UUID, reason: CallKitEndReason, why: String) {
        callKit.remoteEnded(callId, reason: reason, why: why)
    }

    func callControl(_ control: NativeCallControl, noAnswerTimeout: TimeInterval) {
        callKit.ringTimeout = noAnswerTimeout
    }

    func callControl(_ control: NativeCallControl, iceServers: [IceServer]) {
        media.setIceServers(iceServers)
    }
}

extension ShellCoordinator: MediaNegotiatorDelegate {
    func negotiator(_ negotiator: MediaNegotiator, subscriberOffer sdp: String, for callId: UUID) {
        media.subscriberOffer(callId, sdp: sdp)
    }
}

extension ShellCoordinator: NativeMediaEngineDelegate {
    func media(_ engine: NativeMediaEngine, tellPage message: NativeToWeb) {
        bridge.send(message)
    }

    func media(_ engine: NativeMediaEngine, lostMediaFor callId: UUID, why: String) {
        callControl.mediaLost(callId)
        callKit.remoteEnded(callId, reason: .failed, why: why)
    }

    /// Reported once answered and again when it changes: before the answer there is no call record
    /// to report into, and the answer's report carries the path once it is known.
    func media(_ engine: NativeMediaEngine, pathOf callId: UUID, is path: MediaPathKind) {
        guard quality[callId]?.pathSeen(path) == true else { return }
        reportDevice(callId)
    }
}

extension ShellCoordinator: CallAudioServiceDelegate {
    func audio(_ service: CallAudioService, audioEnabled: Bool) {
        media.setAudioEnabled(audioEnabled)
        #if QA
            tone?.setAudioEnabled(audioEnabled)
        #endif
    }

    func audioInterruptionEnded(_ service: CallAudioService) {
        callKit.audioMayNotComeBack("interruption end")
    }

    func audioMediaServicesWereReset(_ service: CallAudioService) {
        media.rebuildAfterMediaServicesReset()
        callKit.audioMayNotComeBack("media services reset")
    }

    func audio(_ service: CallAudioService, routeChanged route: AudioRoute) {
        guard let owner = callKit.audioOwnerId else { return }
        bridge.send(.audioRoute(callId: owner, route: route))
    }
}
