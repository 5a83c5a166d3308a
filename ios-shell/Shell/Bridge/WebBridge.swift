import Foundation
import WebKit

protocol WebBridgeDelegate: AnyObject {
    func bridge(_ bridge: WebBridge, didReceive message: WebToNative)
}

/// The one `WKScriptMessageHandler`: page messages in, shell messages out. Nothing else in the
/// shell talks to the page's JavaScript.
///
/// Only the main frame of the page's own origin may post: a message from any other frame or origin
/// is dropped and logged, since the bridge can answer calls and read call statistics. Outgoing
/// messages wait in a BridgeOutbox until the page has said `bridge.ready`.
final class WebBridge: NSObject, WKScriptMessageHandler {
    weak var delegate: WebBridgeDelegate?
    weak var webView: WKWebView?

    private let pageOrigin: URL
    private let encoder = JSONEncoder()
    private var outbox = BridgeOutbox<NativeToWeb>()

    init(pageOrigin: URL) {
        self.pageOrigin = pageOrigin
    }

    // MARK: Page → shell

    func userContentController(_ controller: WKUserContentController, didReceive message: WKScriptMessage) {
        guard message.name == BridgeWire.handlerName else { return }
        guard message.frameInfo.isMainFrame, message.frameInfo.securityOrigin.matches(pageOrigin) else {
            Log.bridge.error("dropped a message from a foreign frame: \(message.frameInfo.securityOrigin.host, privacy: .public)")
            return
        }
        let type = (message.body as? [String: Any])?["type"] as? String
        do {
            let decoded = try Self.decode(body: message.body)
            Log.bridge.traffic("in \(decoded.type) call=\(decoded.callId?.wireString ?? "-")")
            if case .ready = decoded { pageIsReady() }
            delegate?.bridge(self, didReceive: decoded)
        } catch {
            Log.bridge.error("undecodable \(type ?? "message", privacy: .public): \(String(describing: error), privacy: .public)")
            send(.bridgeError(inReplyTo: type.map { String($0.prefix(64)) }, message: String("undecodable: \(error)".prefix(500))))
        }
    }

    /// WebKit hands the posted value over as Foundation objects; Codable wants bytes.
    /// `JSONSerialization.data(withJSONObject:)` raises an Objective-C exception, which Swift can't
    /// catch, on anything that is not valid JSON (NaN, a Date, a top-level string), so it is only
    /// called after `isValidJSONObject` has said yes.
    static func decode(body: Any) throws -> WebToNative {
        guard let object = body as? [String: Any], JSONSerialization.isValidJSONObject(object) else { // [I12.8]
            throw BridgeDecodingError.notAnObject
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(WebToNative.self, from: data)
    }

    // MARK: Shell → page

    /// Delivers one message, now if the page is ready, else once it is.
    func send(_ message: NativeToWeb) {
        guard let now = outbox.send(message) else { // [I12.5]
            Log.bridge.traffic("queued \(message.type) call=\(message.callId?.wireString ?? "-") (page not ready)")
            return
        }
        deliver(now)
    }

    /// The page went away (navigation, reload, content process killed): queue until the next ready.
    /// Returns whether a ready page was there, so a navigation that fails can tell "the page stayed"
    /// from "no page ever loaded" without reading `WKWebView.url` mid-navigation (review 3, S10).
    @discardableResult
    func pageIsGone() -> Bool {
        guard outbox.isOpen else { return false }
        outbox.close()
        Log.bridge.notice("page gone: queueing until bridge.ready")
        return true
    }

    /// A navigation that never committed leaves the page that was ready in place.
    func pageStayed() {
        pageIsReady()
    }

    private func pageIsReady() {
        let dropped = outbox.dropped
        let queued = outbox.open()
        if !queued.isEmpty || dropped > 0 {
            Log.bridge.notice("page ready: delivering \(queued.count, privacy: .public) queued, \(dropped, privacy: .public) dropped over capacity")
        }
        for message in queued { deliver(message) }
    }

    /// A JSON string argument: `callAsyncJavaScript` passes it as a value, so no page-controlled
    /// text is ever spliced into script source.
    private func deliver(_ message: NativeToWeb) {
        guard let webView else {
            Log.bridge.error("no web view to receive \(message.type, privacy: .public)")
            return
        }
        guard let data = try? encoder.encode(message), let json = String(data: data, encoding: .utf8) else {
            Log.bridge.fault("could not encode \(message.type, privacy: .public)")
            return
        }
        Log.bridge.traffic("out \(message.type) call=\(message.callId?.wireString ?? "-")")
        webView.callAsyncJavaScript(
            "window.\(BridgeWire.receiver).receive(json)",
            arguments: ["json": json],
            in: nil,
            in: .page
        ) { result in
            if case let .failure(error) = result {
                Log.bridge.error("page did not take \(message.type, privacy: .public): \(error.localizedDescription, privacy: .public)")
            }
        }
    }
}

/// `WKUserContentController` keeps its handlers strongly; this breaks the
/// web view → configuration → controller → handler → web view cycle.
final class WeakScriptMessageHandler: NSObject, WKScriptMessageHandler {
    private weak var target: WKScriptMessageHandler?

    init(_ target: WKScriptMessageHandler) {
        self.target = target
    }

    func userContentController(_ controller: WKUserContentController, didReceive message: WKScriptMessage) {
        target?.userContentController(controller, didReceive: message)
    }
}
