import AVFoundation
import UIKit
import WebRTC

extension RTCAudioSession {
    /// Hands the audio unit's start and stop, and every activation, to the app and so to CallKit.
    ///
    /// By default libwebrtc initialises the VoIP audio unit, and activates the session, as soon as a
    /// peer connection has an audio track: before CallKit has activated its own session. CallKit then
    /// can't activate it, `provider(_:didActivate:)` never comes and the user has one-way audio
    /// (forum thread 783870; react-native-callkeep #851, flutter_callkit_incoming #602). With manual
    /// audio the unit stays off until `isAudioEnabled`, which CallAudioService sets only between
    /// `didActivate` and `didDeactivate`. Must run before the first peer connection is created.
    ///
    /// Manual audio is not enough: `RTCAudioSession` also observes interruptions, media-services
    /// loss and reset, and the app becoming active, and answers each with `updateAudioSessionAfterEvent`,
    /// which calls `-[AVAudioSession setActive:]` itself whenever its activation count is above zero.
    /// Those four observers are removed here (they were added with `addObserver:selector:`, so
    /// removing them by observer and name is exact); CallAudioService observes the same notifications
    /// and tells libwebrtc what CallKit decided. The route-change observer stays: it only notifies
    /// libwebrtc's audio device, which adapts to the new route's sample rate.
    func adoptCallKitActivation(notifications: NotificationCenter = .default) {
        lockForConfiguration()
        defer { unlockForConfiguration() }
        useManualAudio = true // [F1.1]
        isAudioEnabled = false
        for name in Self.selfActivatingNotifications {
            notifications.removeObserver(self, name: name, object: nil) // [I12.3]
        }
    }

    /// The notifications on which libwebrtc would activate the session by itself.
    static let selfActivatingNotifications: [Notification.Name] = [
        AVAudioSession.interruptionNotification,
        AVAudioSession.mediaServicesWereLostNotification,
        AVAudioSession.mediaServicesWereResetNotification,
        UIApplication.didBecomeActiveNotification,
    ]
}
