import Foundation
import WebKit

/// What the native socket authenticates with: the page's session cookie and device identity.
///
/// The cookie (`sp_session`, `sfu/src/protocol/rest.ts` SESSION_COOKIE, HttpOnly) lives in the web
/// view's WKHTTPCookieStore, which the app can read without a web view or the page's JavaScript:
/// this is what lets a cold launch from a push claim and answer its call before the page loads.
/// The device identity is the page's (`web/src/account/device.ts`, in its localStorage), which the
/// app can't read; the page sends it over the bridge (`signalling.identity`) and the shell keeps the
/// last one in UserDefaults for the next cold launch. Neither is a secret the app adds: the cookie
/// stays in WebKit's store, the device id is a random id the server binds to the account.
final class SessionCredentials {
    struct Identity: Codable, Equatable {
        let deviceId: UUID
        let deviceLabel: String
    }

    static let sessionCookieName = "sp_session"
    private static let identityKey = "SoftphoneSignallingIdentity"

    private let pageURL: URL
    private let defaults: UserDefaults
    private let cookieStore: () -> WKHTTPCookieStore

    init(
        pageURL: URL,
        defaults: UserDefaults = .standard,
        cookieStore: @escaping () -> WKHTTPCookieStore = { WKWebsiteDataStore.default().httpCookieStore }
    ) {
        self.pageURL = pageURL
        self.defaults = defaults
        self.cookieStore = cookieStore
    }

    /// The page's last identity, if it ever sent one.
    var identity: Identity? {
        get {
            guard let data = defaults.data(forKey: Self.identityKey) else { return nil }
            return try? JSONDecoder().decode(Identity.self, from: data)
        }
        set {
            defaults.set(newValue.flatMap { try? JSONEncoder().encode($0) }, forKey: Self.identityKey)
        }
    }

    /// The session cookie for the page's host, on the main queue; nil when signed out (or before
    /// first unlock, when WebKit's cookie file can't be read).
    func sessionCookie(_ done: @escaping (HTTPCookie?) -> Void) {
        let host = pageURL.host ?? ""
        cookieStore().getAllCookies { cookies in
            let cookie = cookies.first { cookie in
                guard cookie.name == Self.sessionCookieName else { return false }
                let domain = cookie.domain.hasPrefix(".") ? String(cookie.domain.dropFirst()) : cookie.domain
                return host == domain || host.hasSuffix("." + domain)
            }
            DispatchQueue.main.async { done(cookie) }
        }
    }
}
