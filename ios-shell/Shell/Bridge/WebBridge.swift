import Foundation
import WebKit

protocol WebBridgeDelegate: AnyObject {
    func bridge(_ bridge: WebBridge, didReceive message: WebToNative)
}

/// The one `WKScriptMessageHandler`: page messages in, shell messages out. Nothing else in the
/// shell talks to the page's JavaScript.
///
/// Only the main frame of the page's own origin may post: a message from any other frame or origin
/// is dropped and logged, since the bridge can answer calls and read call statistics.
final class WebBridge: NSObject, WKScriptMessageHandler {
    weak var delegate: WebBridgeDelegate?
    weak var webView: WKWebView?

    private let pageOrigin: URL
    private let decoder = JSONDecoder()
    private let encoder = JSONEncoder()

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
            // WebKit hands the posted object over as Foundation collections; Codable wants bytes.
            let data = try JSONSerialization.data(withJSONObject: message.body)
            let decoded = try decoder.decode(WebToNative.self, from: data)
            Log.bridge.debug("in \(decoded.type, privacy: .public) call=\(decoded.callId?.wireString ?? "-", privacy: .public)")
            delegate?.bridge(self, didReceive: decoded)
        } catch {
            Log.bridge.error("undecodable \(type ?? "message", privacy: .public): \(String(describing: error), privacy: .public)")
            send(.bridgeError(inReplyTo: type, message: "undecodable: \(error)"))
        }
    }

    // MARK: Shell → page

    /// Delivers one message as a JSON string argument: `callAsyncJavaScript` passes it as a value,
    /// so no page-controlled text is ever spliced into script source.
    func send(_ message: NativeToWeb) {
        guard let webView else {
            Log.bridge.info("no page to receive \(message.type, privacy: .public)")
            return
        }
        guard let data = try? encoder.encode(message), let json = String(data: data, encoding: .utf8) else {
            Log.bridge.fault("could not encode \(message.type, privacy: .public)")
            return
        }
        webView.callAsyncJavaScript(
            "window.\(BridgeWire.receiver)?.receive(json)",
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
