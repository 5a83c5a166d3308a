import AVFoundation
import WebRTC

/// Whether call audio may run right now: the one rule every path goes through. CallKit's session
/// must be active (between `didActivate` and `didDeactivate`), a call must want audio (answered or
/// connecting, not on hold), and no interruption may be in progress.
struct AudioGate: Equatable {
    var sessionActive = false
    var callWantsAudio = false
    var interrupted = false

    var audioEnabled: Bool { sessionActive && callWantsAudio && !interrupted }
}

/// The one owner of the audio session's policy and of libwebrtc's manual-audio switch.
///
/// It never calls `setActive` on `AVAudioSession` or `RTCAudioSession`, not even as a repair after a
/// missing `didActivate`: CallKit activates a higher-priority session for the call, and an app that
/// activates first takes that away (DTS, forum thread 783870). It sets the category and mode without
/// activating, and tells libwebrtc when CallKit has activated or deactivated the session.
final class CallAudioService {
    private let rtc: RTCAudioSession
    private(set) var gate = AudioGate() {
        didSet { apply(from: oldValue) }
    }

    /// Told whenever call audio starts or stops, so that the media engine can report capture.
    var onAudioEnabledChanged: ((Bool) -> Void)?

    init(rtc: RTCAudioSession = .sharedInstance(), notifications: NotificationCenter = .default) {
        self.rtc = rtc
        rtc.adoptCallKitActivation()
        notifications.addObserver(
            self,
            selector: #selector(interruption(_:)),
            name: AVAudioSession.interruptionNotification,
            object: AVAudioSession.sharedInstance()
        )
    }

    var isAudioEnabled: Bool { gate.audioEnabled }

    // MARK: Policy

    /// The category and mode for a call: play-and-record in voice-chat mode (echo cancellation, the
    /// receiver by default). Configures without activating; called from the start and answer actions,
    /// before CallKit activates the session (SpeakerBox: "configure the audio session, but do not
    /// start call audio here").
    func ensureProperAudioSession() {
        let configuration = RTCAudioSessionConfiguration.webRTC()
        configuration.category = AVAudioSession.Category.playAndRecord.rawValue
        configuration.mode = AVAudioSession.Mode.voiceChat.rawValue
        configuration.categoryOptions = [.allowBluetooth]
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

    /// A call is answered or connecting (true), or on hold, ended or gone (false).
    func setCallWantsAudio(_ wants: Bool) {
        gate.callWantsAudio = wants
    }

    // MARK: CallKit's activation (only CallKitAdaptee calls these, from its delegate methods)

    func didActivate(_ session: AVAudioSession) {
        // Tells libwebrtc the session is active, so that starting the audio unit does not call
        // setActive itself (RTCAudioSession only activates a session it believes inactive).
        rtc.audioSessionDidActivate(session)
        gate.sessionActive = true
    }

    func didDeactivate(_ session: AVAudioSession) {
        gate.sessionActive = false
        rtc.audioSessionDidDeactivate(session)
    }

    /// `providerDidReset`: CallKit has torn every call down and the session with it.
    func reset() {
        gate = AudioGate()
    }

    // MARK: Interruptions

    @objc private func interruption(_ note: Notification) {
        guard
            let raw = note.userInfo?[AVAudioSessionInterruptionTypeKey] as? UInt,
            let type = AVAudioSession.InterruptionType(rawValue: raw)
        else { return }
        switch type {
        case .began:
            Log.audio.notice("interruption began")
            gate.interrupted = true
        case .ended:
            // A call interrupted by a cellular call comes back through CXSetHeldCallAction and,
            // usually, a new didActivate; the session may also simply resume (flutter_callkit_incoming
            // #869). Either way the gate decides: audio resumes only if the session is still active.
            Log.audio.notice("interruption ended")
            gate.interrupted = false
        @unknown default:
            break
        }
    }

    private func apply(from old: AudioGate) {
        guard old.audioEnabled != gate.audioEnabled else { return }
        rtc.lockForConfiguration()
        rtc.isAudioEnabled = gate.audioEnabled
        rtc.unlockForConfiguration()
        Log.audio.notice("call audio \(self.gate.audioEnabled ? "on" : "off", privacy: .public)")
        onAudioEnabledChanged?(gate.audioEnabled)
    }
}
