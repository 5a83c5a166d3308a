import CallKit
import Foundation

/// The VoIP push payload, Swift's copy of `sfu/src/protocol/voip-push.ts` (fixtures in
/// `sfu/src/protocol/fixtures/voip-push/`). Everything needed to report the call is in it: the push
/// path never waits for the network, the web view or protected data.
struct VoIPPushPayload: Decodable, Equatable {
    struct Caller: Decodable, Equatable {
        /// The caller's user id: what `Peer.id` is everywhere else (the page's schema refuses any
        /// other), and the CallKit handle Recents calls back.
        let id: UUID
        /// The caller's username, for a Web Push notification; CallKit doesn't show it.
        let handle: String
        let displayName: String
    }

    let v: Int
    let callId: UUID
    let caller: Caller
    /// Epoch ms.
    let sentAt: Double
    /// Epoch ms by which the call must be reported (PushKit's delivery may be late): only tells a
    /// stale push (P4). Not when the ringing ends: the server lets a reported call ring on.
    let expiresAt: Double
    /// The server's no-answer timeout: the call rings at most this long.
    let ringTimeoutMs: Double

    /// The caller as every other path names them.
    var peer: Peer { Peer(id: caller.id.wireString, displayName: caller.displayName) }

    /// How long this shell lets the call ring: the server's end normally comes first.
    var ringTimeout: TimeInterval { CallDeadline.ringTimeout(noAnswerTimeoutMs: ringTimeoutMs) }

    static func decode(_ dictionary: [AnyHashable: Any]) -> VoIPPushPayload? {
        guard
            JSONSerialization.isValidJSONObject(dictionary),
            let data = try? JSONSerialization.data(withJSONObject: dictionary),
            let payload = try? JSONDecoder().decode(VoIPPushPayload.self, from: data),
            payload.v == 1
        else { return nil }
        return payload
    }
}

/// What to do with one VoIP push: the push rows of docs/callkit-decision-table.md, as a pure
/// function so that ShellTests can run every row. PushKit kills an app whose delegate returns without
/// reporting a call, and after about three kills stops delivering its pushes at all (field notes §2),
/// so every outcome but `.drop` reports.
enum PushDecision: Equatable {
    /// Report and let it ring.
    case ring(VoIPPushPayload)
    /// Report again under the same UUID: CallKit answers "call UUID already exists" and nothing rings twice.
    case reportDuplicate(UUID)
    /// Report, then end at once (`reportCall(with:endedAt:reason:)`): a bad payload, a call that
    /// already ended, a stale push, or a device that can't proceed before first unlock.
    case reportThenEnd(UUID, CXCallEndedReason, why: String)
    /// iOS 26.4+ with `mustReport == false` and nothing to ring: the system allows dropping it.
    case drop(why: String)

    static func decide(
        payload: VoIPPushPayload?,
        now: Date,
        isLive: (UUID) -> Bool,
        wasEndedRecently: (UUID) -> Bool,
        protectedDataAvailable: Bool,
        mustReport: Bool
    ) -> PushDecision {
        guard let payload else {
            return mustReport ? .reportThenEnd(UUID(), .failed, why: "undecodable payload") : .drop(why: "undecodable payload")
        }
        let id = payload.callId
        if isLive(id) {
            return mustReport ? .reportDuplicate(id) : .drop(why: "duplicate of a live call")
        }
        if wasEndedRecently(id) {
            return mustReport ? .reportThenEnd(id, .remoteEnded, why: "call already ended") : .drop(why: "call already ended")
        }
        if payload.expiresAt <= now.timeIntervalSince1970 * 1000 {
            return mustReport ? .reportThenEnd(id, .remoteEnded, why: "stale push") : .drop(why: "stale push")
        }
        // Before first unlock the page, its cookies and the keychain items it needs are unreadable:
        // the call can't be answered from here, so don't ring for nothing (thread 784473).
        if !protectedDataAvailable { // [F2.5]
            return mustReport
                ? .reportThenEnd(id, .failed, why: "protected data unavailable (before first unlock)")
                : .drop(why: "protected data unavailable")
        }
        return .ring(payload)
    }
}
