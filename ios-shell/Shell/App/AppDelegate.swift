import Intents
import UIKit

@main
final class AppDelegate: UIResponder, UIApplicationDelegate {
    var window: UIWindow?
    private var shell: Shell?

    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        // PushKit and CallKit before anything else, synchronously: apps that set PushKit up behind
        // UI or login never get calls when killed (twilio voice-quickstart-ios #115, #308).
        let shell = Shell(configuration: .current) // [F2.1]
        self.shell = shell
        Log.calls.notice("launched build=\(shell.configuration.build.rawValue, privacy: .public)")

        let window = UIWindow(frame: UIScreen.main.bounds)
        window.rootViewController = shell.makeWebViewController()
        window.makeKeyAndVisible()
        self.window = window
        return true
    }

    /// A Recents entry or Siri ("call … with Softphone"): an INStartCallIntent for the handle CallKit
    /// reported, which is the other party's user id (`supportedHandleTypes` has `.generic`, the type
    /// every report uses, or the system would not offer the app for it).
    func application(
        _ application: UIApplication,
        continue userActivity: NSUserActivity,
        restorationHandler: @escaping ([UIUserActivityRestoring]?) -> Void
    ) -> Bool {
        guard
            let intent = userActivity.interaction?.intent as? INStartCallIntent,
            let person = intent.contacts?.first,
            let handle = person.personHandle?.value
        else {
            Log.calls.notice("continueUserActivity \(userActivity.activityType, privacy: .public): not a call to place")
            return false
        }
        Log.calls.notice("continueUserActivity INStartCallIntent handle=\(handle, privacy: .public)")
        shell?.placeCall(handle: handle, name: person.displayName.isEmpty ? nil : person.displayName)
        return true
    }
}
