import UIKit
import WebKit

/// The web view hosting the PWA, set up as field notes §3 asks: the bridge's one message handler,
/// the shell info injected before the page's first script, inline playback without a gesture, the
/// microphone granted silently to our own origin only, inspectable in QA builds (Appium needs it).
///
/// Every native element a device-farm test touches has an accessibility identifier (AccessibilityID):
/// the web view itself, and the load-failure notice with its retry button, which is all the native
/// UI there is (the call screens are CallKit's).
final class ShellWebViewController: UIViewController {
    private let configuration: ShellConfiguration
    private let bridge: WebBridge
    private var webView: WKWebView?
    private let loadFailure = UIStackView()
    /// Whether a page had said `bridge.ready` when the current navigation started.
    private var readyPageBeforeNavigation = false
    private let loadFailureLabel = UILabel()

    init(configuration: ShellConfiguration, bridge: WebBridge) {
        self.configuration = configuration
        self.bridge = bridge
        super.init(nibName: nil, bundle: nil)
    }

    @available(*, unavailable)
    required init?(coder: NSCoder) { fatalError("built in code") }

    override func loadView() {
        let webConfiguration = WKWebViewConfiguration()
        webConfiguration.allowsInlineMediaPlayback = true
        webConfiguration.mediaTypesRequiringUserActionForPlayback = []
        let content = webConfiguration.userContentController
        content.add(WeakScriptMessageHandler(bridge), name: BridgeWire.handlerName)
        content.addUserScript(WKUserScript(source: shellInfoScript(), injectionTime: .atDocumentStart, forMainFrameOnly: true))

        let webView = WKWebView(frame: .zero, configuration: webConfiguration)
        if #available(iOS 16.4, *) {
            webView.isInspectable = configuration.build == .qa
        }
        webView.accessibilityIdentifier = AccessibilityID.webView
        webView.uiDelegate = self
        webView.navigationDelegate = self
        bridge.webView = webView
        self.webView = webView
        view = webView
        addLoadFailureNotice(to: webView)
        webView.load(URLRequest(url: configuration.pageURL))
    }

    /// Shown when the page can't load (offline at a cold launch, say): calls still work natively,
    /// and the user or a test can retry.
    private func addLoadFailureNotice(to container: UIView) {
        loadFailureLabel.text = "The softphone page could not load."
        loadFailureLabel.numberOfLines = 0
        loadFailureLabel.textAlignment = .center
        loadFailureLabel.accessibilityIdentifier = AccessibilityID.loadFailureMessage
        let retry = UIButton(type: .system)
        retry.setTitle("Retry", for: .normal)
        retry.accessibilityIdentifier = AccessibilityID.loadFailureRetry
        retry.addTarget(self, action: #selector(retryLoad), for: .touchUpInside)
        loadFailure.axis = .vertical
        loadFailure.spacing = 12
        loadFailure.addArrangedSubview(loadFailureLabel)
        loadFailure.addArrangedSubview(retry)
        loadFailure.isHidden = true
        loadFailure.accessibilityIdentifier = AccessibilityID.loadFailure
        loadFailure.translatesAutoresizingMaskIntoConstraints = false
        container.addSubview(loadFailure)
        NSLayoutConstraint.activate([
            loadFailure.centerXAnchor.constraint(equalTo: container.centerXAnchor),
            loadFailure.centerYAnchor.constraint(equalTo: container.centerYAnchor),
            loadFailure.widthAnchor.constraint(lessThanOrEqualTo: container.widthAnchor, constant: -48),
        ])
    }

    @objc private func retryLoad() {
        loadFailure.isHidden = true
        webView?.load(URLRequest(url: configuration.pageURL))
    }

    /// `didDeactivate` or end with the page engine: WebKit's own capture must stop with CallKit's audio.
    func stopPageCapture() {
        webView?.setMicrophoneCaptureState(.none)
    }

    /// Our own encoded struct, not page text: safe to place in the script source.
    private func shellInfoScript() -> String {
        let json = (try? JSONEncoder().encode(configuration.shellInfo)).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
        return "window.\(BridgeWire.shellInfoGlobal) = Object.freeze(\(json));"
    }
}

extension ShellWebViewController: WKUIDelegate {
    /// Granted without a prompt for our origin's microphone, denied for anything else: iOS would
    /// otherwise ask again every time the page captures after a minute's pause.
    func webView(
        _ webView: WKWebView,
        requestMediaCapturePermissionFor origin: WKSecurityOrigin,
        initiatedByFrame frame: WKFrameInfo,
        type: WKMediaCaptureType,
        decisionHandler: @escaping (WKPermissionDecision) -> Void
    ) {
        let ours = frame.isMainFrame && origin.matches(configuration.pageURL) && type == .microphone
        if !ours { Log.web.error("media capture denied for \(origin.host, privacy: .public)") }
        decisionHandler(ours ? .grant : .deny) // [F3.3]
    }
}

extension ShellWebViewController: WKNavigationDelegate {
    /// The web view stays on our origin: the bridge answers calls and must never serve another site.
    func webView(
        _ webView: WKWebView,
        decidePolicyFor navigationAction: WKNavigationAction,
        decisionHandler: @escaping (WKNavigationActionPolicy) -> Void
    ) {
        guard let url = navigationAction.request.url else {
            decisionHandler(.cancel)
            return
        }
        let sameOrigin = url.scheme == configuration.pageURL.scheme && url.host == configuration.pageURL.host
            && url.port == configuration.pageURL.port
        if sameOrigin || navigationAction.targetFrame?.isMainFrame == false {
            decisionHandler(.allow)
        } else {
            UIApplication.shared.open(url)
            decisionHandler(.cancel)
        }
    }

    /// The page that said `bridge.ready` is being replaced: messages queue until the next one does.
    func webView(_ webView: WKWebView, didStartProvisionalNavigation navigation: WKNavigation!) {
        readyPageBeforeNavigation = bridge.pageIsGone()
    }

    /// A provisional navigation that fails never commits: the page that was ready (if any) is still
    /// there and gets the queue back; with none, the load failed. Decided from the bridge's own state,
    /// not `webView.url`, which WebKit may already have set to the failed URL during the first load.
    func webView(_ webView: WKWebView, didFailProvisionalNavigation navigation: WKNavigation!, withError error: Error) {
        Log.web.error("page load failed: \(error.localizedDescription, privacy: .public)")
        if readyPageBeforeNavigation {
            bridge.pageStayed()
        } else {
            loadFailure.isHidden = false
        }
    }

    func webView(_ webView: WKWebView, didFinish navigation: WKNavigation!) {
        loadFailure.isHidden = true
    }

    /// WebKit killed the content process (memory, or long in the background). The calls live in the
    /// shell, not the page: they go on, and the reloaded page gets a `shell.state` snapshot of every
    /// live call at its `bridge.ready`.
    func webViewWebContentProcessDidTerminate(_ webView: WKWebView) { // [F3.4]
        Log.web.notice("web content process terminated; reloading")
        bridge.pageIsGone()
        webView.load(URLRequest(url: configuration.pageURL))
    }
}

extension WKSecurityOrigin {
    /// Same scheme, host and port (default ports filled in) as `url`.
    func matches(_ url: URL) -> Bool {
        let defaultPort = { (scheme: String?) in scheme == "https" ? 443 : 80 }
        let ownPort = port == 0 ? defaultPort(self.protocol) : port
        return self.protocol == url.scheme && host == url.host && ownPort == (url.port ?? defaultPort(url.scheme))
    }
}
