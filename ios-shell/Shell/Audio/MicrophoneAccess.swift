import AVFoundation
import UIKit

/// The app's permission to record, in the page's and the server's words
/// (`sfu/src/protocol/call.ts` MicPermissionSchema).
enum MicrophonePermission: String, Codable, Equatable {
    case granted
    case denied
    case undetermined
}

/// Asks for the microphone before the first call can need it, and says what the permission is.
///
/// Without permission "only silence is recorded" (Apple, Audio Session Programming Guide,
/// "Protecting User Privacy"), and the system's own prompt comes only "the first time your app
/// attempts to record" (`AVAudioApplication.requestRecordPermission(completionHandler:)`). With
/// the native engine that first recording is the VoIP audio unit after CallKit's `didActivate`,
/// which is often a call answered on the lock screen, where no prompt can show: the first call would
/// send silence and nothing would say so. So the shell asks when the page first links to it (its
/// `signalling.identity`, at each page load): before any call can reach the device, since the VoIP
/// token only reaches the server through the page. Signal likewise asks before it accepts a call
/// (Signal-iOS `ows_askForMicrophonePermissions`). If the app is not active then (a page loaded
/// behind a cold launch from a push), it asks the next time the app becomes active. The state goes
/// to the page (which tells the user what to do when it is not `granted`) and, per call, to the
/// server (NativeCallControl `call:mic-permission`).
final class MicrophoneAccess {
    /// The permission changed (an answer to the prompt, or a change in Settings seen on return).
    var onChange: ((MicrophonePermission) -> Void)?

    private let read: () -> MicrophonePermission
    private let ask: (@escaping (Bool) -> Void) -> Void
    private let isAppActive: () -> Bool
    /// The page is up: from now on an undetermined permission is asked for as soon as a prompt can show.
    private var wanted = false
    private var asking = false
    private var lastTold: MicrophonePermission?
    private let center: NotificationCenter
    private var becameActive: NSObjectProtocol?

    init(
        read: @escaping () -> MicrophonePermission = MicrophoneAccess.systemPermission,
        ask: @escaping (@escaping (Bool) -> Void) -> Void = MicrophoneAccess.systemRequest,
        isAppActive: @escaping () -> Bool = { UIApplication.shared.applicationState == .active },
        center: NotificationCenter = .default
    ) {
        self.read = read
        self.ask = ask
        self.isAppActive = isAppActive
        self.center = center
        becameActive = center.addObserver(forName: UIApplication.didBecomeActiveNotification, object: nil, queue: .main) { [weak self] _ in
            self?.appBecameActive()
        }
    }

    deinit {
        if let becameActive { center.removeObserver(becameActive) }
    }

    var current: MicrophonePermission { read() }

    /// Whether to show the system prompt now: only while undetermined (iOS shows it once; after a
    /// denial only Settings can change it) and only in the foreground, where it can show.
    static func shouldAsk(_ state: MicrophonePermission, appActive: Bool) -> Bool {
        state == .undetermined && appActive
    }

    /// The page linked to the shell: ask now if a prompt can show, or once the app is active.
    func pageLinked() {
        wanted = true
        askIfNeeded()
    }

    private func appBecameActive() {
        // A permission changed in Settings while the app was away is seen here.
        tellIfChanged(current)
        askIfNeeded()
    }

    private func askIfNeeded() {
        guard wanted, !asking, Self.shouldAsk(current, appActive: isAppActive()) else { return }
        asking = true
        Log.audio.notice("asking for the microphone permission")
        ask { [weak self] granted in
            // The system calls back on a queue of its own.
            DispatchQueue.main.async {
                guard let self else { return }
                self.asking = false
                Log.audio.notice("microphone permission \(granted ? "granted" : "denied", privacy: .public)")
                self.tellIfChanged(granted ? .granted : .denied)
            }
        }
    }

    private func tellIfChanged(_ state: MicrophonePermission) {
        guard state != lastTold else { return }
        lastTold = state
        onChange?(state)
    }

    /// `AVAudioApplication` from iOS 17, `AVAudioSession` before it (deprecated in 17).
    static func systemPermission() -> MicrophonePermission {
        if #available(iOS 17.0, *) {
            switch AVAudioApplication.shared.recordPermission {
            case .granted: return .granted
            case .denied: return .denied
            case .undetermined: return .undetermined
            @unknown default: return .undetermined
            }
        }
        switch AVAudioSession.sharedInstance().recordPermission {
        case .granted: return .granted
        case .denied: return .denied
        case .undetermined: return .undetermined
        @unknown default: return .undetermined
        }
    }

    /// Returns at once; `answered` runs after the user's choice, or at once when it was made before.
    static func systemRequest(_ answered: @escaping (Bool) -> Void) {
        if #available(iOS 17.0, *) {
            AVAudioApplication.requestRecordPermission { granted in answered(granted) }
        } else {
            AVAudioSession.sharedInstance().requestRecordPermission { granted in answered(granted) }
        }
    }
}
