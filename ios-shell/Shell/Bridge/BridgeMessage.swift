import Foundation

/// The page ↔ shell bridge, version 2: Swift's copy of `sfu/src/protocol/bridge.ts`, which is the
/// documented schema. Both sides' tests decode the golden messages in
/// `sfu/src/protocol/fixtures/bridge/*.json` (ShellTests/BridgeMessageTests.swift here), so a field
/// renamed on one side fails the other side's tests instead of a call.
///
/// Version 2 (issue 12): call control and the native engine's negotiation moved to the shell's own
/// socket (Shell/Signalling), so the page no longer relays SDP, candidates, the outgoing connect or
/// the claim of a pushed call; it sends its device identity and ICE servers instead, and hears the
/// server's call state, refusals and a snapshot of every live call from the shell.
///
/// Nullable fields are written as explicit `null`s: the TypeScript schema requires the key.
enum BridgeWire {
    static let version = 2
    /// `window.webkit.messageHandlers.softphone`
    static let handlerName = "softphone"
    /// `window.__softphoneNative.receive(json)`
    static let receiver = "__softphoneNative"
    /// `window.__softphoneShell`, injected at document start.
    static let shellInfoGlobal = "__softphoneShell"
}

enum BridgeDecodingError: Error, Equatable {
    case unsupportedVersion(Int)
    case unknownType(String)
    /// The posted value is not a JSON object (a string, NaN, a Date…): WebKit hands those over as
    /// Foundation objects that `JSONSerialization` would raise an Objective-C exception on.
    case notAnObject
}

struct Peer: Codable, Equatable {
    let id: String
    let displayName: String
}

/// `CXCallEndedReason` on the wire, plus `local` for the user's own end action.
enum CallKitEndReason: String, Codable, Equatable {
    case local
    case remoteEnded = "remote-ended"
    case unanswered
    case failed
    case answeredElsewhere = "answered-elsewhere"
    case declinedElsewhere = "declined-elsewhere"
}

/// The CallKit requests the shell makes (`CXCallController` transactions and reports).
enum CallKitRequest: String, Codable, Equatable, CaseIterable {
    case report
    case start
    case answer
    case end
    case hold
    case mute
}

/// Which engine carries the call media: the shell's (the default) or, in QA builds only, the
/// page's own WebRTC (`?engine=page`, the experimental engine device farms compare against).
enum MediaEngineKind: String, Codable, Equatable {
    case native
    case page
}

enum MediaLeg: String, Codable, Equatable {
    case publisher
    case subscriber
}

/// The native engine's connection to the media server, for the page's "reconnecting" display.
enum MediaConnectionState: String, Codable, Equatable {
    case connecting
    case connected
    /// ICE restart in progress (network change, or disconnected too long).
    case restarting
    /// Restarts did not bring it back: the call ends with `media-lost`.
    case lost
}

struct IceCandidate: Codable, Equatable {
    let candidate: String
    let sdpMid: String?
    let sdpMLineIndex: Int?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(candidate, forKey: .candidate)
        try c.encode(sdpMid, forKey: .sdpMid)
        try c.encode(sdpMLineIndex, forKey: .sdpMLineIndex)
    }
}

/// One entry of `RTCConfiguration.iceServers`, as the page got it from the server (TURN included).
struct IceServer: Codable, Equatable {
    let urls: [String]
    let username: String?
    let credential: String?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(urls, forKey: .urls)
        try c.encode(username, forKey: .username)
        try c.encode(credential, forKey: .credential)
    }
}

struct MediaStats: Codable, Equatable {
    struct Inbound: Codable, Equatable {
        var packetsReceived: Double
        var packetsLost: Double
        var totalSamplesReceived: Double
        var concealedSamples: Double
        var totalAudioEnergy: Double
        var totalSamplesDuration: Double
        var jitter: Double
    }

    struct Outbound: Codable, Equatable {
        var packetsSent: Double
    }

    /// Epoch ms.
    var at: Double
    var inbound: Inbound?
    var outbound: Outbound?
    var sourceLevel: Double?
    var roundTripTime: Double?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(inbound, forKey: .inbound)
        try c.encode(outbound, forKey: .outbound)
        try c.encode(sourceLevel, forKey: .sourceLevel)
        try c.encode(roundTripTime, forKey: .roundTripTime)
    }
}

/// One live call as the shell knows it: what a page that has just (re)loaded needs to show it.
struct CallSnapshot: Codable, Equatable {
    enum Direction: String, Codable { case incoming, outgoing }

    let callId: UUID
    let direction: Direction
    let peer: Peer?
    let fromPush: Bool
    let answered: Bool
    let audioActive: Bool
    let held: Bool
    let muted: Bool
    let output: AudioOutput

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(callId.wireString, forKey: .callId)
        try c.encode(direction, forKey: .direction)
        try c.encode(peer, forKey: .peer)
        try c.encode(fromPush, forKey: .fromPush)
        try c.encode(answered, forKey: .answered)
        try c.encode(audioActive, forKey: .audioActive)
        try c.encode(held, forKey: .held)
        try c.encode(muted, forKey: .muted)
        try c.encode(output, forKey: .output)
    }
}

/// What the shell injects as `window.__softphoneShell` before the page's first script.
struct ShellInfo: Codable, Equatable {
    enum Build: String, Codable { case qa, release }
    enum Platform: String, Codable { case ios, callkitSimulator = "callkit-simulator" }

    var v = BridgeWire.version
    let build: Build
    let app: String
    let platform: Platform
}

// MARK: - Page → shell

enum WebToNative: Equatable {
    /// The page's receiver is installed: the shell delivers what it queued, the token, and a
    /// `shell.state` snapshot.
    case ready
    /// The page's device identity (`web/src/account/device.ts`): the native socket connects as the
    /// same device, with the page's session cookie.
    case identity(deviceId: UUID, deviceLabel: String)
    case iceServers([IceServer])
    /// Sent at boot: with `page`, the shell still carries call control but leaves media to the page.
    case engine(MediaEngineKind)
    case reportIncoming(callId: UUID, caller: Peer)
    /// The user placed a call: the shell invites over its socket and starts the CallKit call; it
    /// answers `call.placed` or `call.place-failed` with the same `requestId`.
    case place(requestId: Int, callee: Peer)
    case answer(callId: UUID)
    case end(callId: UUID, reason: CallKitEndReason)
    case hold(callId: UUID, held: Bool)
    case mute(callId: UUID, muted: Bool)
    case output(callId: UUID, output: AudioOutput)
    case statsRequest(callId: UUID, requestId: Int)

    static let allTypes = [
        "bridge.ready", "signalling.identity", "media.ice-servers", "media.engine", "callkit.report-incoming", "call.place",
        "callkit.answer", "callkit.end", "callkit.hold", "media.mute", "audio.output", "media.stats-request",
    ]

    var type: String {
        switch self {
        case .ready: return "bridge.ready"
        case .identity: return "signalling.identity"
        case .iceServers: return "media.ice-servers"
        case .engine: return "media.engine"
        case .reportIncoming: return "callkit.report-incoming"
        case .place: return "call.place"
        case .answer: return "callkit.answer"
        case .end: return "callkit.end"
        case .hold: return "callkit.hold"
        case .mute: return "media.mute"
        case .output: return "audio.output"
        case .statsRequest: return "media.stats-request"
        }
    }

    var callId: UUID? {
        switch self {
        case .ready, .identity, .iceServers, .engine, .place:
            return nil
        case let .reportIncoming(id, _), let .answer(id), let .end(id, _), let .hold(id, _), let .mute(id, _),
             let .output(id, _), let .statsRequest(id, _):
            return id
        }
    }
}

private enum Key: String, CodingKey {
    case v, type, callId, caller, callee, reason, held, muted, requestId, deviceId, deviceLabel, iceServers
    case engine, output, waitedMs, capturing, stats, why, inReplyTo, message, token, environment, bundleId, request
    case error, code, state, by, calls, kind, name
}

extension WebToNative: Codable {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let version = try c.decode(Int.self, forKey: .v)
        guard version == BridgeWire.version else { throw BridgeDecodingError.unsupportedVersion(version) }
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "bridge.ready":
            self = .ready
            return
        case "signalling.identity":
            self = .identity(
                deviceId: try c.decode(UUID.self, forKey: .deviceId),
                deviceLabel: try c.decode(String.self, forKey: .deviceLabel)
            )
            return
        case "media.ice-servers":
            self = .iceServers(try c.decode([IceServer].self, forKey: .iceServers))
            return
        case "media.engine":
            self = .engine(try c.decode(MediaEngineKind.self, forKey: .engine))
            return
        case "call.place":
            self = .place(requestId: try c.decode(Int.self, forKey: .requestId), callee: try c.decode(Peer.self, forKey: .callee))
            return
        default:
            break
        }
        let id = try c.decode(UUID.self, forKey: .callId)
        switch type {
        case "callkit.report-incoming": self = .reportIncoming(callId: id, caller: try c.decode(Peer.self, forKey: .caller))
        case "callkit.answer": self = .answer(callId: id)
        case "callkit.end": self = .end(callId: id, reason: try c.decode(CallKitEndReason.self, forKey: .reason))
        case "callkit.hold": self = .hold(callId: id, held: try c.decode(Bool.self, forKey: .held))
        case "media.mute": self = .mute(callId: id, muted: try c.decode(Bool.self, forKey: .muted))
        case "audio.output": self = .output(callId: id, output: try c.decode(AudioOutput.self, forKey: .output))
        case "media.stats-request": self = .statsRequest(callId: id, requestId: try c.decode(Int.self, forKey: .requestId))
        default: throw BridgeDecodingError.unknownType(type)
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(BridgeWire.version, forKey: .v)
        try c.encode(type, forKey: .type)
        if let id = callId { try c.encode(id.wireString, forKey: .callId) }
        switch self {
        case let .identity(deviceId, deviceLabel):
            try c.encode(deviceId.wireString, forKey: .deviceId)
            try c.encode(deviceLabel, forKey: .deviceLabel)
        case let .iceServers(servers): try c.encode(servers, forKey: .iceServers)
        case let .engine(engine): try c.encode(engine, forKey: .engine)
        case let .reportIncoming(_, caller): try c.encode(caller, forKey: .caller)
        case let .place(requestId, callee):
            try c.encode(requestId, forKey: .requestId)
            try c.encode(callee, forKey: .callee)
        case let .end(_, reason): try c.encode(reason, forKey: .reason)
        case let .hold(_, held): try c.encode(held, forKey: .held)
        case let .mute(_, muted): try c.encode(muted, forKey: .muted)
        case let .output(_, output): try c.encode(output, forKey: .output)
        case let .statsRequest(_, requestId): try c.encode(requestId, forKey: .requestId)
        case .ready, .answer: break
        }
    }
}

// MARK: - Shell → page

/// The server's view of a call, as the shell's own socket heard it (`call:state`, `call:ended`).
/// `reason` is the server's `EndReason` and `by` its `EndedBy`, both only on `ended`.
struct ServerCallState: Codable, Equatable {
    enum State: String, Codable { case calling, ringing, answered, ended }
    let state: State
    let reason: String?
    let by: String?
}

enum NativeToWeb: Equatable {
    /// PushKit's token; `environment` is the provisioning profile's aps-environment in APNs' words.
    case voipToken(token: String, environment: String, bundleId: String)
    /// A VoIP push reported this call; the shell has claimed it from the server itself.
    case reported(callId: UUID)
    case answered(callId: UUID)
    case ended(callId: UUID, reason: CallKitEndReason)
    case held(callId: UUID, held: Bool)
    case muted(callId: UUID, muted: Bool)
    /// CallKit refused a request. If the call could not go on, `callkit.ended` follows.
    case refused(callId: UUID, request: CallKitRequest, error: String)
    case placed(requestId: Int, callId: UUID)
    /// `code` is the server's ErrorCode, or `offline` when the shell could not reach the server.
    case placeFailed(requestId: Int, code: String, message: String)
    case callState(callId: UUID, ServerCallState)
    case shellState(calls: [CallSnapshot])
    case audioActivated(callId: UUID)
    case audioDeactivated(callId: UUID)
    case audioActivationFailed(callId: UUID, waitedMs: Int)
    case audioRoute(callId: UUID, route: AudioRoute)
    /// The app's permission to record: not `granted` means the other party hears nothing.
    case microphonePermission(MicrophonePermission)
    case connection(callId: UUID, state: MediaConnectionState)
    case capture(callId: UUID, capturing: Bool)
    case stats(callId: UUID, requestId: Int, stats: MediaStats)
    case failed(callId: UUID, why: String)
    case bridgeError(inReplyTo: String?, message: String)

    static let allTypes = [
        "push.voip-token", "callkit.reported", "callkit.answered", "callkit.ended", "callkit.held", "callkit.muted",
        "callkit.refused", "call.placed", "call.place-failed", "call.state", "shell.state", "audio.activated",
        "audio.deactivated", "audio.activation-failed", "audio.route", "microphone.permission", "media.connection",
        "media.capture", "media.stats", "media.failed", "bridge.error",
    ]

    var type: String {
        switch self {
        case .voipToken: return "push.voip-token"
        case .reported: return "callkit.reported"
        case .answered: return "callkit.answered"
        case .ended: return "callkit.ended"
        case .held: return "callkit.held"
        case .muted: return "callkit.muted"
        case .refused: return "callkit.refused"
        case .placed: return "call.placed"
        case .placeFailed: return "call.place-failed"
        case .callState: return "call.state"
        case .shellState: return "shell.state"
        case .audioActivated: return "audio.activated"
        case .audioDeactivated: return "audio.deactivated"
        case .audioActivationFailed: return "audio.activation-failed"
        case .audioRoute: return "audio.route"
        case .microphonePermission: return "microphone.permission"
        case .connection: return "media.connection"
        case .capture: return "media.capture"
        case .stats: return "media.stats"
        case .failed: return "media.failed"
        case .bridgeError: return "bridge.error"
        }
    }

    var callId: UUID? {
        switch self {
        case let .reported(id), let .answered(id), let .ended(id, _), let .held(id, _), let .muted(id, _),
             let .refused(id, _, _), let .placed(_, id), let .callState(id, _), let .audioActivated(id),
             let .audioDeactivated(id), let .audioActivationFailed(id, _), let .audioRoute(id, _),
             let .connection(id, _), let .capture(id, _), let .stats(id, _, _), let .failed(id, _):
            return id
        case .bridgeError, .voipToken, .placeFailed, .shellState, .microphonePermission:
            return nil
        }
    }
}

extension NativeToWeb: Codable {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let version = try c.decode(Int.self, forKey: .v)
        guard version == BridgeWire.version else { throw BridgeDecodingError.unsupportedVersion(version) }
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "push.voip-token":
            self = .voipToken(
                token: try c.decode(String.self, forKey: .token),
                environment: try c.decode(String.self, forKey: .environment),
                bundleId: try c.decode(String.self, forKey: .bundleId)
            )
            return
        case "bridge.error":
            self = .bridgeError(
                inReplyTo: try c.decode(String?.self, forKey: .inReplyTo),
                message: try c.decode(String.self, forKey: .message)
            )
            return
        case "call.place-failed":
            self = .placeFailed(
                requestId: try c.decode(Int.self, forKey: .requestId),
                code: try c.decode(String.self, forKey: .code),
                message: try c.decode(String.self, forKey: .message)
            )
            return
        case "shell.state":
            self = .shellState(calls: try c.decode([CallSnapshot].self, forKey: .calls))
            return
        case "microphone.permission":
            self = .microphonePermission(try c.decode(MicrophonePermission.self, forKey: .state))
            return
        default:
            break
        }
        let id = try c.decode(UUID.self, forKey: .callId)
        switch type {
        case "callkit.reported": self = .reported(callId: id)
        case "callkit.answered": self = .answered(callId: id)
        case "callkit.ended": self = .ended(callId: id, reason: try c.decode(CallKitEndReason.self, forKey: .reason))
        case "callkit.held": self = .held(callId: id, held: try c.decode(Bool.self, forKey: .held))
        case "callkit.muted": self = .muted(callId: id, muted: try c.decode(Bool.self, forKey: .muted))
        case "callkit.refused":
            self = .refused(
                callId: id,
                request: try c.decode(CallKitRequest.self, forKey: .request),
                error: try c.decode(String.self, forKey: .error)
            )
        case "call.placed": self = .placed(requestId: try c.decode(Int.self, forKey: .requestId), callId: id)
        case "call.state":
            self = .callState(
                callId: id,
                ServerCallState(
                    state: try c.decode(ServerCallState.State.self, forKey: .state),
                    reason: try c.decode(String?.self, forKey: .reason),
                    by: try c.decode(String?.self, forKey: .by)
                )
            )
        case "audio.activated": self = .audioActivated(callId: id)
        case "audio.deactivated": self = .audioDeactivated(callId: id)
        case "audio.activation-failed":
            self = .audioActivationFailed(callId: id, waitedMs: try c.decode(Int.self, forKey: .waitedMs))
        case "audio.route":
            self = .audioRoute(
                callId: id,
                route: AudioRoute(kind: try c.decode(AudioRoute.Kind.self, forKey: .kind), name: try c.decode(String.self, forKey: .name))
            )
        case "media.connection": self = .connection(callId: id, state: try c.decode(MediaConnectionState.self, forKey: .state))
        case "media.capture": self = .capture(callId: id, capturing: try c.decode(Bool.self, forKey: .capturing))
        case "media.stats":
            self = .stats(
                callId: id,
                requestId: try c.decode(Int.self, forKey: .requestId),
                stats: try c.decode(MediaStats.self, forKey: .stats)
            )
        case "media.failed": self = .failed(callId: id, why: try c.decode(String.self, forKey: .why))
        default: throw BridgeDecodingError.unknownType(type)
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(BridgeWire.version, forKey: .v)
        try c.encode(type, forKey: .type)
        if let id = callId { try c.encode(id.wireString, forKey: .callId) }
        switch self {
        case let .ended(_, reason): try c.encode(reason, forKey: .reason)
        case let .held(_, held): try c.encode(held, forKey: .held)
        case let .muted(_, muted): try c.encode(muted, forKey: .muted)
        case let .refused(_, request, error):
            try c.encode(request, forKey: .request)
            try c.encode(error, forKey: .error)
        case let .placed(requestId, _): try c.encode(requestId, forKey: .requestId)
        case let .placeFailed(requestId, code, message):
            try c.encode(requestId, forKey: .requestId)
            try c.encode(code, forKey: .code)
            try c.encode(message, forKey: .message)
        case let .callState(_, state):
            try c.encode(state.state, forKey: .state)
            try c.encode(state.reason, forKey: .reason)
            try c.encode(state.by, forKey: .by)
        case let .shellState(calls): try c.encode(calls, forKey: .calls)
        case let .audioActivationFailed(_, waitedMs): try c.encode(waitedMs, forKey: .waitedMs)
        case let .audioRoute(_, route):
            try c.encode(route.kind, forKey: .kind)
            try c.encode(route.name, forKey: .name)
        case let .connection(_, state): try c.encode(state, forKey: .state)
        case let .microphonePermission(state): try c.encode(state, forKey: .state)
        case let .capture(_, capturing): try c.encode(capturing, forKey: .capturing)
        case let .stats(_, requestId, stats):
            try c.encode(requestId, forKey: .requestId)
            try c.encode(stats, forKey: .stats)
        case let .failed(_, why): try c.encode(why, forKey: .why)
        case let .bridgeError(inReplyTo, message):
            try c.encode(inReplyTo, forKey: .inReplyTo)
            try c.encode(message, forKey: .message)
        case let .voipToken(token, environment, bundleId):
            try c.encode(token, forKey: .token)
            try c.encode(environment, forKey: .environment)
            try c.encode(bundleId, forKey: .bundleId)
        case .reported, .answered, .audioActivated, .audioDeactivated: break
        }
    }
}
