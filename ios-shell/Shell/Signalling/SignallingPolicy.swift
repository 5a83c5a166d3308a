import Foundation

/// The native socket's Origin, retries and what a (re)connection owes the calls: the pure half of
/// SignallingClient and NativeCallControl, tested in ShellTests/SignallingPolicyTests. Their
/// numbers (queue deadline, ack timeout, attempts) are in ShellPolicy, the table both sides share.
enum SignallingPolicy {
    /// The page's origin (`scheme://host[:port]`, the port only when the URL names one), what a
    /// browser would send as `Origin`: the shell's socket sends it too (`.extraHeaders`), instead of
    /// Starscream's default `wss://<host>` (Starscream 4.0.8 `Sources/Framer/HTTPHandler.swift:57-64`).
    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host else { return nil }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let port = url.port else { return "\(scheme)://\(bracketed)" }
        let isDefault = (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
        return isDefault ? "\(scheme)://\(bracketed)" : "\(scheme)://\(bracketed):\(port)"
    }
}

/// A request sent again when its ack does not come, a bounded number of times and only while the
/// socket is connected: a noAck on a dropped socket is the reconnection's to settle.
struct AckRetry: Equatable {
    enum Decision: Equatable { case retry(attempt: Int), giveUp }

    let maxAttempts: Int
    private(set) var attempts = 1

    init(maxAttempts: Int = ShellPolicy.ackAttempts) {
        self.maxAttempts = maxAttempts
    }

    /// The ack did not come (`no-ack`); `connected`: the socket is up now.
    mutating func noAck(connected: Bool) -> Decision? {
        guard connected else { return nil }
        guard attempts < maxAttempts else { return .giveUp }
        attempts += 1
        return .retry(attempt: attempts)
    }
}

/// What a (re)connection owes the calls the server had settled with this device. The server sends
/// each such call's `call:resync` (or `call:ended`, if it ended while the device was away) before
/// its `session:welcome` (sfu/src/app.ts, `CallService.connected`): a call that got neither is no
/// longer on the server, and the shell ends it instead of leaving CallKit up until ICE fails.
struct ResyncLedger: Equatable {
    private(set) var awaiting: Set<UUID> = []

    /// The socket connected: `settled` are the calls the server knows this device is in.
    mutating func connected(settled: [UUID]) {
        awaiting = Set(settled)
    }

    /// The server gave the call back (`call:resync`) or said how it ended (`call:ended`).
    mutating func heard(_ callId: UUID) {
        awaiting.remove(callId)
    }

    /// `session:welcome`: the calls the server no longer has, sorted (stable for the log).
    mutating func welcomed() -> [UUID] {
        defer { awaiting.removeAll() }
        return awaiting.sorted { $0.uuidString < $1.uuidString }
    }
}

/// The server's `call:resync` (sfu/src/protocol/signalling.ts), what the shell reads of it.
struct CallResync: Decodable, Equatable {
    /// `MediaDownstreamSchema`: a native engine's is always the SDP offer.
    struct Downstream: Decodable, Equatable {
        let event: String
        let sdp: String?
    }

    let callId: UUID
    let role: String
    let state: ServerCallState.State
    let answered: Bool
    let downstream: Downstream?

    /// The partner's downstream offer the device may have missed while away.
    var missedOffer: String? {
        guard let downstream, downstream.event == MediaWire.offer else { return nil }
        return downstream.sdp
    }
}
