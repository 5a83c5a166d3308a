import Foundation

/// What differs between builds and deployments, read once at launch.
struct ShellConfiguration {
    /// The PWA the web view hosts; its origin is the only one the bridge and the microphone serve.
    let pageURL: URL
    /// QA builds (the Debug configuration, `QA` compilation condition) are inspectable by Appium and
    /// let the page pick its experimental engine (`?engine=page`).
    let build: ShellInfo.Build

    static var current: ShellConfiguration {
        let raw = Bundle.main.object(forInfoDictionaryKey: "SoftphonePageURL") as? String
        guard let raw, let url = URL(string: raw), url.scheme == "https" || url.host == "localhost" else {
            fatalError("Info.plist SoftphonePageURL must be an https URL, got \(raw ?? "nothing")")
        }
        #if QA
            return ShellConfiguration(pageURL: url, build: .qa)
        #else
            return ShellConfiguration(pageURL: url, build: .release)
        #endif
    }

    /// The APNs environment of the profile that signed this app, in the server's words (read once:
    /// the profile does not change while the app runs).
    let apsEnvironment = ProvisioningProfile.apsEnvironment(profile: ProvisioningProfile.embedded) // [I12.11]

    var bundleId: String {
        Bundle.main.bundleIdentifier ?? "app.softphone.shell"
    }

    var shellInfo: ShellInfo {
        let info = Bundle.main.infoDictionary
        let version = info?["CFBundleShortVersionString"] as? String ?? "0"
        let number = info?["CFBundleVersion"] as? String ?? "0"
        return ShellInfo(build: build, app: "\(version) (\(number))", platform: .ios)
    }
}
