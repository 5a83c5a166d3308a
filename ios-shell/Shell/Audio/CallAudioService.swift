import AVFoundation
import UIKit
import WebRTC

/// Where the audio service's news goes (ShellCoordinator and, through it, CallKitAdaptee).
protocol CallAudioServiceDelegate: AnyObject {
    /// Call audio started or stopped: the media engine reports capture.
    func audio(_ service: CallAudioService, audioEnabled: Bool)
    /// An interruption ended. Audio does not resume: if a call still wants it, only CallKit's next
    /// `didActivate` brings it back, and the watchdog says so if it does not come.
    func audioInterruptionEnded(_ service: CallAudioService)
    /// Every audio object is gone: the media engine rebuilds its audio device and peer connections.
    func audioMediaServicesWereReset(_ service: CallAudioService)
    func audio(_ service: CallAudioService, routeChanged route: AudioRoute)
}

/// Which output the user chose for the call: the receiver at the ear, or the loudspeaker.
enum AudioOutput: String, Codable, Equatable {
    case receiver
    case speaker
}

/// The current route in the page's words.
struct AudioRoute: Equatable {
    enum Kind: String, Codable { case receiver, speaker, bluetooth, headphones, other }
    let kind: Kind
    let name: String

    init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    init(_ route: AVAudioSessionRouteDescription) {
        guard let output = route.outputs.first else {
            self.init(kind: .other, name: "none")
            return
        }
        let kind: Kind
        switch output.portType {
        case .builtInReceiver: kind = .receiver
        case .builtInSpeaker: kind = .speaker
        case .bluetoothHFP, .bluetoothA2DP, .bluetoothLE: kind = .bluetooth
        case .headphones, .usbAudio, .lineOut: kind = .headphones
        default: kind = .other
        }
        self.init(kind: kind, name: output.portName)
    }
}

/// The one owner of the audio session's policy and of libwebrtc's view of it.
///
/// It never calls `setActive` on `AVAudioSession` or `RTCAudioSession`, not even as a repair after a
/// missing `didActivate`: CallKit activates a higher-priority session for the call, and an app that
/// activates first takes that away (DTS, forum thread 783870). It sets the category and mode without
/// activating, keeps libwebrtc's activation count equal to CallKit's decision (AudioSessionLedger),
/// and keeps libwebrtc from reacting to interruptions and resets by itself (RTCAudioSession+Manual).
///
/// Main queue only: the notifications it observes may be posted on other threads, so each handler
/// hops to the main queue before it touches state.
final class CallAudioService: NSObject {
    weak var delegate: CallAudioServiceDelegate?

    private let rtc: RTCAudioSession
    private let session: AVAudioSession
    private(set) var ledger = AudioSessionLedger() {
        didSet { apply(from: oldValue) }
    }

    /// The user's choice; applied whenever CallKit's session is ours.
    private(set) var output: AudioOutput = .receiver

    init(rtc: RTCAudioSession = .sharedInstance(), notifications: NotificationCenter = .default) {
        self.rtc = rtc
        session = rtc.session
        super.init()
        rtc.adoptCallKitActivation(notifications: notifications)
        rtc.add(self)
        let observed: [(Notification.Name, Selector)] = [
            (AVAudioSession.interruptionNotification, #selector(interruption(_:))),
            (AVAudioSession.routeChangeNotification, #selector(routeChange(_:))),
            (AVAudioSession.mediaServicesWereResetNotification, #selector(mediaServicesWereReset(_:))),
        ]
        for (name, selector) in observed {
            notifications.addObserver(self, selector: selector, name: name, object: session)
        }
    }

    var isAudioEnabled: Bool { ledger.audioEnabled }

    /// `category=PlayAndRecord mode=VoiceChat active=true rtcActive=true route=receiver`: the QA
    /// stats line's session part. `active` is CallKit's decision, `rtcActive` libwebrtc's belief;
    /// they differ only if something other than the ledger moved libwebrtc.
    var sessionSummary: String {
        "category=\(session.category.rawValue) mode=\(session.mode.rawValue) active=\(ledger.sessionActive) rtcActive=\(rtc.isActive) route=\(AudioRoute(session.currentRoute).kind.rawValue)"
    }

    // MARK: Policy

    /// The category and mode for a call: play-and-record in voice-chat mode (echo cancellation, the
    /// receiver by default). Configures without activating; called from the start and answer actions,
    /// before CallKit activates the session (SpeakerBox: "configure the audio session, but do not
    /// start call audio here").
    func ensureProperAudioSession() {
        let configuration = RTCAudioSessionConfiguration.webRTC()
        configuration.category = AVAudioSession.Category.playAndRecord.rawValue
        configuration.mode = AVAudioSession.Mode.voiceChat.rawValue
        // The iOS 26 SDK renames `.allowBluetooth` (deprecated there) to `.allowBluetoothHFP`, same
        // behaviour (forum thread 797379, DTS); older SDKs have only the old name. Swift 6.2 ships
        // with Xcode 26, the first with the iOS 26 SDK: see PushKitManager for why the compiler
        // version is the SDK test here.
        #if compiler(>=6.2)
            configuration.categoryOptions = [.allowBluetoothHFP]
        #else
            configuration.categoryOptions = [.allowBluetooth]
        #endif
        // libwebrtc re-applies its "WebRTC configuration" when the audio unit starts; keep it ours.
        RTCAudioSessionConfiguration.setWebRTC(configuration)
        rtc.lockForConfiguration()
        defer { rtc.unlockForConfiguration() }
        do {
            try rtc.setConfiguration(configuration)
        } catch {
            Log.audio.error("category/mode not applied: \(error.localizedDescription, privacy: .public)")
        }
    }

    /// A call is answered or connecting (true), or ended or gone (false).
    func setCallWantsAudio(_ wants: Bool) {
        ledger.callWantsAudio = wants
    }

    /// Speaker or receiver. Takes effect at once if CallKit's session is ours, else at `didActivate`.
    func setOutput(_ output: AudioOutput) {
        self.output = output
        if ledger.sessionActive { applyOutput() }
        updateProximity()
    }

    // MARK: CallKit's activation (only CallKitAdaptee calls these, from its delegate methods)

    func didActivate(_ session: AVAudioSession) {
        record(.didActivate)
        applyOutput()
    }

    func didDeactivate(_ session: AVAudioSession) {
        record(.didDeactivate)
    }

    /// The call that owned the audio went on hold.
    func callHeld() {
        record(.callHeld)
    }

    /// The last live call ended.
    func callsEnded() {
        record(.callsEnded)
        output = .receiver
        updateProximity()
    }

    /// `providerDidReset`: CallKit has torn every call down and the session with it.
    func providerDidReset() {
        record(.providerDidReset)
        output = .receiver
        updateProximity()
    }

    // MARK: Notifications (any thread → main)

    @objc private func interruption(_ note: Notification) {
        guard
            let raw = note.userInfo?[AVAudioSessionInterruptionTypeKey] as? UInt,
            let type = AVAudioSession.InterruptionType(rawValue: raw)
        else { return }
        DispatchQueue.main.async { [weak self] in self?.handleInterruption(type) }
    }

    private func handleInterruption(_ type: AVAudioSession.InterruptionType) {
        switch type {
        case .began:
            Log.audio.notice("interruption began")
            record(.interruptionBegan)
        case .ended:
            // `wasSuspended` / `.appWasSuspended` are not looked at: either way the session is not
            // ours again until CallKit says so with didActivate.
            Log.audio.notice("interruption ended")
            record(.interruptionEnded)
            delegate?.audioInterruptionEnded(self)
        @unknown default:
            break
        }
    }

    @objc private func routeChange(_ note: Notification) {
        let reason = (note.userInfo?[AVAudioSessionRouteChangeReasonKey] as? UInt) ?? 0
        DispatchQueue.main.async { [weak self] in
            guard let self else { return }
            let route = AudioRoute(self.session.currentRoute)
            Log.audio.notice("route changed reason=\(reason, privacy: .public) output=\(route.kind.rawValue, privacy: .public) name=\(route.name, privacy: .public)")
            self.updateProximity()
            self.delegate?.audio(self, routeChanged: route)
        }
    }

    @objc private func mediaServicesWereReset(_ note: Notification) {
        DispatchQueue.main.async { [weak self] in
            guard let self else { return }
            Log.audio.notice("media services were reset")
            let wanted = self.ledger.callWantsAudio
            self.record(.mediaServicesReset)
            // Apple: after a reset every audio object is invalid and the category must be set again.
            // Set, not activated: CallKit activates.
            self.ensureProperAudioSession()
            self.ledger.callWantsAudio = wanted
            self.delegate?.audioMediaServicesWereReset(self)
        }
    }

    // MARK: Internals

    /// The one place libwebrtc hears about activation, so its count always equals the ledger's.
    private func record(_ event: AudioSessionLedger.Event) {
        var next = ledger
        let call = next.apply(event)
        switch call {
        case .audioSessionDidActivate?:
            // Before `isAudioEnabled` turns on (the didSet below): libwebrtc then sees an active
            // session when the audio unit starts and does not activate one itself.
            rtc.audioSessionDidActivate(session) // [I12.2]
        case .audioSessionDidDeactivate?, nil:
            break
        }
        ledger = next
        if call == .audioSessionDidDeactivate {
            rtc.audioSessionDidDeactivate(session)
        }
        Log.audio.notice("session \(String(describing: event), privacy: .public) active=\(self.ledger.sessionActive, privacy: .public) libwebrtc=\(call.map { String(describing: $0) } ?? "-", privacy: .public)")
    }

    private func apply(from old: AudioSessionLedger) {
        guard old.audioEnabled != ledger.audioEnabled else { return }
        rtc.lockForConfiguration()
        rtc.isAudioEnabled = ledger.audioEnabled
        rtc.unlockForConfiguration()
        Log.audio.notice("call audio \(self.ledger.audioEnabled ? "on" : "off", privacy: .public)")
        updateProximity()
        delegate?.audio(self, audioEnabled: ledger.audioEnabled)
    }

    private func applyOutput() {
        rtc.lockForConfiguration()
        defer { rtc.unlockForConfiguration() }
        do {
            try rtc.overrideOutputAudioPort(output == .speaker ? .speaker : .none)
            Log.audio.notice("output \(self.output.rawValue, privacy: .public)")
        } catch {
            Log.audio.error("output \(self.output.rawValue, privacy: .public) not applied: \(error.localizedDescription, privacy: .public)")
        }
    }

    /// The screen goes dark at the ear: only while call audio runs on the receiver.
    private func updateProximity() {
        let atEar = ledger.audioEnabled && AudioRoute(session.currentRoute).kind == .receiver
        if UIDevice.current.isProximityMonitoringEnabled != atEar {
            UIDevice.current.isProximityMonitoringEnabled = atEar
        }
    }
}

extension CallAudioService: RTCAudioSessionDelegate {
    /// libwebrtc calls its delegates on its own threads.
    func audioSession(_ session: RTCAudioSession, audioUnitStartFailedWithError error: Error) {
        let description = error.localizedDescription
        DispatchQueue.main.async {
            Log.audio.error("audio unit start failed: \(description, privacy: .public)")
        }
    }

    func audioSession(_ audioSession: RTCAudioSession, didSetActive active: Bool) {
        // Only the audio unit's own start and stop get here (configureWebRTCSession and its undo):
        // with the ledger in charge they never reach AVAudioSession, since libwebrtc already
        // believes the session active or inactive. Logged so a device run would show otherwise.
        DispatchQueue.main.async {
            // Review 3, S10: AudioDeviceIOS applies `isAudioEnabled` on its own thread with the value it
            // captured; a spend racing that task can make libwebrtc activate the session itself while
            // CallKit's is not ours. Rare; flagged so a device log shows it when it happens.
            if active && !self.ledger.sessionActive {
                Log.audio.error("libwebrtc setActive true without a preceding didActivate")
            } else {
                Log.audio.notice("libwebrtc setActive \(active, privacy: .public) (bookkeeping only)")
            }
        }
    }
}
