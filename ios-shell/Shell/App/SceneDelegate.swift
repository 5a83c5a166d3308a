import Intents
import UIKit

/// The app's one window scene (Info.plist `UIApplicationSceneManifest`, one scene, no multiple
/// windows). UIKit's scene life cycle: TN3187 ("In the next major release following iOS 26, UIScene
/// lifecycle will be required when building with the latest SDK; otherwise, your app won't launch").
/// The scene owns the window; the object graph stays the process's (AppDelegate), because a push
/// launches the app with no scene.
///
/// Recents and Siri ("call … with Softphone") arrive as an `INStartCallIntent` user activity: in a
/// scene-based app UIKit no longer calls `application(_:continue:restorationHandler:)`. A running
/// app gets `scene(_:continue:)`; an app that the activity launches finds it in
/// `connectionOptions.userActivities` of `scene(_:willConnectTo:options:)` ("the user activities
/// that are available at the time the scene connects": UIKit docs, UIScene.ConnectionOptions).
final class SceneDelegate: UIResponder, UIWindowSceneDelegate {
    var window: UIWindow?

    func scene(_ scene: UIScene, willConnectTo session: UISceneSession, options connectionOptions: UIScene.ConnectionOptions) {
        guard let windowScene = scene as? UIWindowScene, let shell else { return }
        // Sized by its scene (UIScreen.main is deprecated, and is not the scene's screen).
        let window = UIWindow(windowScene: windowScene)
        window.rootViewController = shell.makeWebViewController()
        window.makeKeyAndVisible()
        self.window = window
        // A cold launch from Recents or Siri.
        for activity in connectionOptions.userActivities {
            placeCall(activity)
        }
    }

    func scene(_ scene: UIScene, continue userActivity: NSUserActivity) {
        placeCall(userActivity)
    }

    private var shell: Shell? {
        (UIApplication.shared.delegate as? AppDelegate)?.shell
    }

    /// An INStartCallIntent for the handle CallKit reported, which is the other party's user id
    /// (`supportedHandleTypes` has `.generic`, the type every report uses, or the system would not
    /// offer the app for it).
    private func placeCall(_ userActivity: NSUserActivity) {
        guard
            let intent = userActivity.interaction?.intent as? INStartCallIntent,
            let person = intent.contacts?.first,
            let handle = person.personHandle?.value
        else {
            Log.calls.notice("continueUserActivity \(userActivity.activityType, privacy: .public): not a call to place")
            return
        }
        Log.calls.notice("continueUserActivity INStartCallIntent handle=\(handle, privacy: .public)")
        shell?.placeCall(handle: handle, name: person.displayName.isEmpty ? nil : person.displayName)
    }
}
