import Foundation
import SocketIO

protocol SignallingClientDelegate: AnyObject {
    func signallingDidConnect(_ client: SignallingClient)
    func signalling(_ client: SignallingClient, didDisconnect why: String)
    /// The server refused the connection (`connect_error`: signed out, another account's device).
    func signalling(_ client: SignallingClient, refused error: ProtocolError)
}

/// The shell's own socket.io connection to the server, as the same device and user as the page.
///
/// Why it exists: WebKit suspends a web view's JavaScript soon after the app leaves the foreground
/// (DTS calls WKWebView "architecturally incompatible" with CallKit), and a frozen page's socket
/// misses its pings, so the server ends the call as disconnected. While CallKit has a call, this
/// socket carries it: the claim, answer, decline, hang-up, hold, the native engine's negotiation and
/// the keep-alive, which is engine.io's ping/pong answered by the client library on its own as long
/// as the process runs (the `audio` background mode keeps it running during the call).
///
/// Authentication is the page's: its session cookie (read from WKHTTPCookieStore, SessionCredentials)
/// and its device identity in the handshake's `auth`, exactly what the page's own socket sends.
///
/// Requests made while not connected (before `connect`, while connecting, while reconnecting) wait,
/// in order, for the connection, each until its deadline (ShellPolicy.queuedDeadline), past
/// which it fails as offline; `disconnect` fails them all as offline. Main queue only (the client's
/// handle queue is the main queue).
///
/// The WebSocket handshake carries the page's origin as `Origin` (`.extraHeaders`): without it
/// Starscream writes `Origin: wss://<host>` (Starscream 4.0.8 `Sources/Framer/HTTPHandler.swift:57-64`;
/// socket.io-client-swift v16.1.1 `SocketEngineSpec.swift:180-193` sets the extra headers on the
/// request before Starscream's `createUpgrade` sees it). The server takes both (origin-policy.ts).
final class SignallingClient {
    weak var delegate: SignallingClientDelegate?

    private struct Waiting {
        let id: Int
        let send: (SocketIOClient) -> Void
        let fail: () -> Void
        let deadline: DispatchWorkItem
    }

    private let serverURL: URL
    private let pageOrigin: String?
    private var manager: SocketManager?
    private var waiting: [Waiting] = []
    private var nextWaitingId = 0
    private var handlers: [(event: String, handle: ([Any]) -> Void)] = []

    /// `serverURL`: the page's URL (the server serves the page and its socket).
    init(serverURL: URL) {
        self.serverURL = serverURL
        pageOrigin = SignallingPolicy.origin(of: serverURL)
    }

    var isConnected: Bool { manager?.defaultSocket.status == .connected }
    var isActive: Bool { manager != nil }

    /// Connects once; a second call while connecting or connected does nothing.
    func connect(cookie: HTTPCookie, identity: SessionCredentials.Identity) {
        guard manager == nil else { return }
        var config: SocketIOClientConfiguration = [
            .log(false),
            .compress,
            .forceWebsockets(true),
            .secure(serverURL.scheme == "https"),
            .cookies([cookie]),
            .reconnects(true),
            .reconnectWait(ShellPolicy.reconnectWait),
            .reconnectWaitMax(ShellPolicy.reconnectWaitMax),
            .handleQueue(.main),
        ]
        if let pageOrigin { config.insert(.extraHeaders(["Origin": pageOrigin])) }
        let manager = SocketManager(socketURL: serverURL, config: config)
        self.manager = manager
        let socket = manager.defaultSocket
        socket.on(clientEvent: .connect) { [weak self] _, _ in self?.connected(socket) }
        socket.on(clientEvent: .disconnect) { [weak self] data, _ in
            guard let self else { return }
            let why = (data.first as? String) ?? "unknown"
            Log.signalling.notice("socket disconnected: \(why, privacy: .public)")
            self.delegate?.signalling(self, didDisconnect: why)
        }
        socket.on(clientEvent: .reconnectAttempt) { data, _ in
            Log.signalling.notice("socket reconnecting attempt=\(String(describing: data.first ?? "?"), privacy: .public)")
        }
        socket.on(clientEvent: .error) { [weak self] data, _ in self?.failed(data) }
        for handler in handlers {
            socket.on(handler.event) { data, _ in handler.handle(data) }
        }
        Log.signalling.notice("socket connecting to \(self.serverURL.host ?? "?", privacy: .public) device=\(identity.deviceId.wireString, privacy: .public)")
        socket.connect(withPayload: ["deviceId": identity.deviceId.wireString, "deviceLabel": identity.deviceLabel])
    }

    /// Closes the socket (if any); requests still waiting fail as offline.
    func disconnect() {
        if let manager {
            self.manager = nil
            manager.defaultSocket.removeAllHandlers()
            manager.disconnect()
            Log.signalling.notice("socket closed")
        }
        let abandoned = waiting
        waiting.removeAll()
        if !abandoned.isEmpty { Log.signalling.notice("\(abandoned.count, privacy: .public) requests unsent: offline") }
        for request in abandoned {
            request.deadline.cancel()
            request.fail()
        }
    }

    /// One request, acked with `Ack<R>`. `timeout` counts from the moment it is sent; `queuedFor`
    /// is how long it may wait for a connection before it fails as offline.
    func request<P: Encodable, R: Decodable>(
        _ event: String,
        _ payload: P,
        as result: R.Type,
        timeout: TimeInterval = ShellPolicy.requestTimeout,
        queuedFor: TimeInterval = ShellPolicy.queuedDeadline,
        done: @escaping (Result<R, ProtocolError>) -> Void
    ) {
        guard let object = AckDecoding.object(payload) else {
            done(.failure(.undecodable))
            return
        }
        let send: (SocketIOClient) -> Void = { socket in
            Log.signalling.traffic("emit \(event) call=\((object["callId"] as? String) ?? "-")")
            socket.emitWithAck(event, object).timingOut(after: timeout) { items in
                let outcome = AckDecoding.decode(items, as: R.self)
                if case let .failure(error) = outcome {
                    Log.signalling.notice("\(event, privacy: .public) failed: \(error.code, privacy: .public) \(error.message, privacy: .public)")
                }
                done(outcome)
            }
        }
        if let socket = manager?.defaultSocket, socket.status == .connected {
            send(socket)
        } else {
            nextWaitingId += 1
            let id = nextWaitingId
            let deadline = DispatchWorkItem { [weak self] in self?.expire(id, event: event) }
            waiting.append(Waiting(id: id, send: send, fail: { done(.failure(.offline)) }, deadline: deadline))
            DispatchQueue.main.asyncAfter(deadline: .now() + queuedFor, execute: deadline)
        }
    }

    /// A request that waited its whole deadline for a connection: offline.
    private func expire(_ id: Int, event: String) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        let request = waiting.remove(at: index)
        Log.signalling.notice("\(event, privacy: .public) unsent: no connection within its deadline")
        request.fail()
    }

    /// A server event; registered once, kept across reconnects and new connections.
    func on<E: Decodable>(_ event: String, _ type: E.Type, handle: @escaping (E) -> Void) {
        let decodeAndHandle: ([Any]) -> Void = { items in
            guard let decoded = AckDecoding.decodeEvent(items, as: E.self) else {
                Log.signalling.error("undecodable \(event, privacy: .public)")
                return
            }
            Log.signalling.traffic("event \(event)")
            handle(decoded)
        }
        handlers.append((event, decodeAndHandle))
        manager?.defaultSocket.on(event) { data, _ in decodeAndHandle(data) }
    }

    private func connected(_ socket: SocketIOClient) {
        Log.signalling.notice("socket connected")
        let ready = waiting
        waiting.removeAll()
        for request in ready {
            request.deadline.cancel()
            request.send(socket)
        }
        delegate?.signallingDidConnect(self)
    }

    /// socket.io 4's `connect_error` packet: `{message, data}`, where `data` is the server's
    /// HandshakeErrorData. socket.io-client-swift passes it on as an error event.
    private struct ConnectError: Decodable {
        let message: String
        let data: ProtocolError?
    }

    private func failed(_ data: [Any]) {
        if let refusal = AckDecoding.decodeEvent(data, as: ConnectError.self)?.data {
            Log.signalling.error("socket refused: \(refusal.code, privacy: .public) \(refusal.message, privacy: .public)")
            disconnect()
            delegate?.signalling(self, refused: refusal)
            return
        }
        Log.signalling.error("socket error: \(String(describing: data.first ?? "?"), privacy: .public)")
    }
}
