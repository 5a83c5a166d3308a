@testable import Softphone
import XCTest

/// The APNs environment comes from the profile that signed the app, not from the build configuration.
final class ProvisioningProfileTests: XCTestCase {
    /// A CMS envelope's bytes around the plist, as in a real `embedded.mobileprovision`.
    private func profile(apsEnvironment: String) -> Data {
        let plist = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0"><dict><key>Entitlements</key><dict>
        <key>aps-environment</key><string>\(apsEnvironment)</string>
        </dict></dict></plist>
        """
        return Data([0x30, 0x82, 0x1F, 0x00, 0x06, 0x09]) + Data(plist.utf8) + Data([0xA0, 0x82, 0x0D, 0x00])
    }

    func testAnAdHocSignedQABuildGetsProductionTokens() {
        XCTAssertEqual(ProvisioningProfile.apsEnvironment(profile: profile(apsEnvironment: "production")), "production")
    }

    func testADevelopmentProfileIsTheSandbox() {
        XCTAssertEqual(ProvisioningProfile.apsEnvironment(profile: profile(apsEnvironment: "development")), "sandbox")
    }

    func testNoProfileIsAnAppStoreBuild() {
        XCTAssertEqual(ProvisioningProfile.apsEnvironment(profile: nil), "production")
        XCTAssertEqual(ProvisioningProfile.apsEnvironment(profile: Data("not a profile".utf8)), "production")
    }
}
