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
}
