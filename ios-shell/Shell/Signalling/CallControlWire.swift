import Foundation

/// The call-control half of the server's socket.io protocol (`sfu/src/protocol/signalling.ts`) that
/// the native socket speaks: event names and payloads, Swift's copy of the zod schemas. The media
/// half is MediaWire (MediaSignalling.swift), kept apart because it follows the media server.
enum CallControlWire {
    // Client → server requests (each acked with `Ack<result>`).
    static let reported = "call:reported"
    static let invite = "call:invite"
    static let answer = "call:answer"
    static let decline = "call:decline"
    static let hangup = "call:hangup"
    static let hold = "call:hold"
    static let activationFailed = "call:activation-failed"
    static let mediaLost = "call:media-lost"
    static let micPermission = "call:mic-permission"
    /// This device and its side of the call, for the quality record (payload: DeviceReportPayload).
    static let deviceReport = "call:device-report"
    static let pushUnregister = "push:unregister"

    // Server → client events.
    static let welcome = "session:welcome"
    static let iceServers = "session:ice-servers"
    /// The session this socket was admitted with is over; the server's disconnect follows (payload: SessionEnded).
    static let sessionEnded = "session:ended"
    static let state = "call:state"
    static let ended = "call:ended"
    static let holdChanged = "call:hold"
    static let requestError = "request:error"
    /// The call as it is now, to a device's new connection (payload: CallResync, SignallingPolicy.swift).
    static let resync = "call:resync"

    struct CallRef: Codable, Equatable {
        let callId: String

        init(_ id: UUID) { callId = id.wireString }
    }

    struct Invite: Encodable {
        let to: String
    }

    struct Hold: Encodable {
        let callId: String
        let held: Bool
    }

    struct ActivationFailed: Encodable {
        let callId: String
        /// `not-activated`: no `didActivate` in time (the only failure the shell can see).
        let why = "not-activated"
    }

    struct Empty: Codable, Equatable {}

    /// `call:mic-permission`: this device's permission to record as it joins the call.
    struct MicPermission: Encodable, Equatable {
        let callId: String
        let state: MicrophonePermission
    }

    /// `call:device-report {callId, report}` (CallQuality.swift).
    struct DeviceReportPayload: Encodable, Equatable {
        let callId: String
        let report: DeviceReport
    }

    /// `push:unregister {token}`: forget this device's VoIP registration only while it still holds
    /// `token` (`sfu/src/protocol/push.ts`). Without a token the server forgets every registration of
    /// the device, which is the page's sign-out, never the shell's.
    struct PushUnregister: Encodable, Equatable {
        let token: String
    }

    /// `call:reported`'s result: the call as the server knows it.
    struct ReportedCall: Decodable, Equatable {
        struct Call: Decodable, Equatable {
            let callId: String
            let from: Peer
        }

        let call: Call
    }

    struct Welcome: Decodable, Equatable {
        let noAnswerTimeoutMs: Double
        /// STUN and TURN with fresh credentials: the shell's own, so that a cold launch from a push,
        /// before (or without) the page's `media.ice-servers`, still has a relay.
        let iceServers: [IceServer]
    }

    /// `session:ice-servers`: TURN credentials renewed before the welcome's expire.
    struct IceServersEvent: Decodable, Equatable {
        let iceServers: [IceServer]
    }

    struct StateEvent: Decodable, Equatable {
        let callId: UUID
        let state: ServerCallState.State
    }

    struct EndedEvent: Decodable, Equatable {
        let callId: UUID
        /// The server's `EndReason` (`hung-up`, `cancelled`, `declined`, …).
        let reason: String
        /// `self`, `peer` or `server`, from this device's point of view.
        let by: String
    }

    struct HoldEvent: Decodable, Equatable {
        let callId: UUID
        let held: Bool
        let by: String
    }

    /// `session:ended`: the session this socket was admitted with is over.
    struct SessionEnded: Decodable, Equatable {
        /// `signed-out`, `expired` or `password-changed` (the server's `SessionEndReason`).
        let reason: String
    }

    struct RequestError: Decodable, Equatable {
        let event: String
        let error: ProtocolError
    }

    /// How a call the server ended is reported to CallKit (what Recents shows). Pure, tested.
    static func callKitReason(serverReason: String, by: String) -> CallKitEndReason {
        switch serverReason {
        case "answered-elsewhere": return .answeredElsewhere
        case "declined": return by == "self" ? .declinedElsewhere : .remoteEnded
        case "no-answer", "unreachable": return .unanswered
        case "hung-up", "cancelled", "busy": return .remoteEnded
        default: return .failed
        }
    }
}

/// The `error` of a refused request (`sfu/src/protocol/errors.ts`), plus the shell's own two codes
/// for a request that never got an answer.
struct ProtocolError: Error, Codable, Equatable {
    let code: String
    let message: String

    static let offline = ProtocolError(code: "offline", message: "the shell could not reach the server")
    static let noAck = ProtocolError(code: "no-ack", message: "the server did not answer in time")
    static let undecodable = ProtocolError(code: "undecodable", message: "the server's answer did not match the protocol")

    /// The call is over on the server: end it here too, without telling the server again.
    var meansCallIsOver: Bool { code == "call-no-longer-available" || code == "call-not-found" }
}

/// The one reply shape for every request (`sfu/src/protocol/ack.ts`): `{ok: true, data}` or
/// `{ok: false, error}`. socket.io-client-swift hands the ack's arguments over as Foundation
/// objects (`["NO ACK"]` on its own timeout). Pure, tested in ShellTests/SignallingWireTests.
enum AckDecoding {
    private struct Envelope<T: Decodable>: Decodable {
        let ok: Bool
        let data: T?
        let error: ProtocolError?
    }

    static func decode<T: Decodable>(_ items: [Any], as type: T.Type) -> Result<T, ProtocolError> {
        guard let first = items.first else { return .failure(.noAck) }
        guard let object = first as? [String: Any] else {
            return .failure((first as? String) == "NO ACK" ? .noAck : .undecodable)
        }
        guard let envelope: Envelope<T> = decodeObject(object) else { return .failure(.undecodable) }
        if envelope.ok, let data = envelope.data { return .success(data) }
        return .failure(envelope.error ?? .undecodable)
    }

    /// A server event's one argument, or nil when it does not match the protocol.
    static func decodeEvent<T: Decodable>(_ items: [Any], as type: T.Type) -> T? {
        guard let object = items.first as? [String: Any] else { return nil }
        return decodeObject(object)
    }

    /// An Encodable payload as the Foundation object socket.io-client-swift sends.
    static func object<T: Encodable>(_ payload: T) -> [String: Any]? {
        guard let data = try? JSONEncoder().encode(payload) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// `isValidJSONObject` first: `data(withJSONObject:)` raises an Objective-C exception otherwise.
    private static func decodeObject<T: Decodable>(_ object: [String: Any]) -> T? {
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object)
        else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }
}
