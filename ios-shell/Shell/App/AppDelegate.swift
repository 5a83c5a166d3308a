import UIKit

/// The process: everything a call needs is built here, at launch, before any scene connects. A
/// VoIP push launches the app in the background with no scene at all, so nothing call-related may
/// wait for one; the window, and Recents/Siri, are the scene's (SceneDelegate).
@main
final class AppDelegate: UIResponder, UIApplicationDelegate {
    private(set) var shell: Shell?

    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        // PushKit and CallKit before anything else, synchronously: apps that set PushKit up behind
        // UI or login never get calls when killed (twilio voice-quickstart-ios #115, #308).
        let shell = Shell(configuration: .current) // [F2.1]
        self.shell = shell
        Log.calls.notice("launched build=\(shell.configuration.build.rawValue, privacy: .public)")
        return true
    }
}
