import Foundation

/// The APNs environment the app's token belongs to, read from what signed the app rather than from
/// the build configuration: a Debug (QA) build exported Ad Hoc for a device farm is signed with a
/// distribution profile whose `aps-environment` is `production`, and its token is a production
/// token; sending it to the sandbox gets BadDeviceToken and no push ever reaches the farm.
enum ProvisioningProfile {
    /// `aps-environment` of the embedded profile's entitlements in APNs' words: `development` →
    /// `sandbox`, anything else → `production`. No profile → `production`: App Store and TestFlight
    /// builds carry none, and they are production.
    static func apsEnvironment(profile: Data?) -> String {
        guard
            let profile,
            let plist = plist(in: profile),
            let entitlements = plist["Entitlements"] as? [String: Any],
            let environment = entitlements["aps-environment"] as? String
        else { return "production" }
        return environment == "development" ? "sandbox" : "production"
    }

    /// `embedded.mobileprovision` is a CMS-signed message whose content is an XML plist, stored
    /// uncompressed: the bytes from `<?xml` to `</plist>` are that plist.
    static func plist(in data: Data) -> [String: Any]? {
        guard
            let start = data.range(of: Data("<?xml".utf8)),
            let end = data.range(of: Data("</plist>".utf8), in: start.lowerBound..<data.endIndex)
        else { return nil }
        let xml = data.subdata(in: start.lowerBound..<end.upperBound)
        return (try? PropertyListSerialization.propertyList(from: xml, format: nil)) as? [String: Any]
    }

    static var embedded: Data? {
        Bundle.main.url(forResource: "embedded", withExtension: "mobileprovision").flatMap { try? Data(contentsOf: $0) }
    }
}
