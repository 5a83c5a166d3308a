import AVFoundation
import CallKit

/// Where CallKit's news goes: the page (through the bridge), the native socket and the media engine.
protocol CallKitAdapteeDelegate: AnyObject {
    func callKit(_ adaptee: CallKitAdaptee, tellPage message: NativeToWeb)
    /// CallKit has the call (reported, or started): the native socket carries it from now on.
    func callKit(_ adaptee: CallKitAdaptee, didReport callId: UUID, direction: CallRegistry.Direction)
    /// CallKit performed the answer: the server hears it over the native socket.
    func callKit(_ adaptee: CallKitAdaptee, didAnswer callId: UUID)
    /// The call is over on CallKit's side: stop its media. `server` is what the server must still
    /// hear; nil when the end came from the server.
    func callKit(_ adaptee: CallKitAdaptee, didEnd callId: UUID, server: ServerCallAction?)
    func callKit(_ adaptee: CallKitAdaptee, activationFailed callId: UUID)
    /// CallKit activated the session for the call that owns the audio (the quality record's didActivate).
    func callKit(_ adaptee: CallKitAdaptee, didActivate callId: UUID, at time: Date)
    /// CallKit took the audio session back: no capture may go on, in the app or in the page.
    func callKitDidDeactivateAudio(_ adaptee: CallKitAdaptee)
    func callKit(_ adaptee: CallKitAdaptee, setMuted muted: Bool, for callId: UUID)
    /// The user held the call in the page: media paused, the server told; CallKit's session untouched.
    func callKit(_ adaptee: CallKitAdaptee, setHeldByUser held: Bool, for callId: UUID)
}

/// The only `CXProviderDelegate`, and the only owner of the `CXProvider`.
///
/// Flow (Signal's CallKitCallUIAdaptee, SpeakerBox's ProviderDelegate): the page, a VoIP push, the
/// native socket or Recents asks for something → this class reports to CallKit or asks for a
/// transaction (CallController) → CallKit performs the action → the consequences run in the
/// `CXProviderDelegate` methods, which fulfil quickly. Call audio runs only between `didActivate`
/// and the next event that takes the session (CallAudioService, AudioSessionLedger).
///
/// The rules this class implements are rows of docs/callkit-decision-table.md; the TypeScript
/// simulator (web/src/shell-simulator) implements the same table for the browser e2e runs.
final class CallKitAdaptee: NSObject {
    /// Assigned again, unchanged, before every report and start: the configuration carries the audio
    /// session id, and re-assigning it is DTS's workaround for the `SessionID 0x0` state in which
    /// `didActivate` never comes (forum thread 783870; Signal and flutter_callkit_incoming do it too).
    ///
    /// Two call groups (CallKit's default), not one: with one, a call placed right after a hang-up
    /// fails with `maximumCallGroupsReached` while CallKit still counts the ended call (Signal removed
    /// its `maximumCallGroups = 1` for that). The server refuses a second call of ours as busy, so
    /// the second group only ever holds an incoming cellular call.
    static let providerConfiguration: CXProviderConfiguration = {
        let configuration = CXProviderConfiguration()
        configuration.supportsVideo = false
        configuration.maximumCallGroups = 2
        configuration.maximumCallsPerCallGroup = 1
        // Recents call back with the same handle type (the callee's user id): it must be listed here
        // or the INStartCallIntent never reaches the app.
        configuration.supportedHandleTypes = [.generic]
        configuration.includesCallsInRecents = true
        return configuration
    }()

    weak var delegate: CallKitAdapteeDelegate?

    /// The server's no-answer timeout plus a margin; set from `session:welcome`.
    var ringTimeout = CallDeadline.defaultRingTimeout

    private let provider: CXProvider
    private let controller: CallController
    private let registry: CallRegistry
    private let audio: CallAudioService
    private let watchdog: CallDeadline
    private let ringTimer: CallDeadline
    /// The call that last got `didActivate`; `didDeactivate` often arrives after it has ended.
    private var lastAudioOwner: UUID?
    /// CallKit unmutes a call by itself when an outgoing call connects (Signal's
    /// `ignoreFirstUnmuteAfterRemoteAnswer`): that one unmute is not the user's.
    private var ignoreNextUnmute: Set<UUID> = []

    init(registry: CallRegistry, audio: CallAudioService, controller: CallController) {
        self.registry = registry
        self.audio = audio
        self.controller = controller
        watchdog = CallDeadline(timeout: CallDeadline.activationTimeout)
        ringTimer = CallDeadline(timeout: CallDeadline.defaultRingTimeout)
        provider = CXProvider(configuration: Self.providerConfiguration)
        super.init()
        // nil: the main queue, which PushKit's delegate also uses, so a push is reported synchronously.
        provider.setDelegate(self, queue: nil)
        controller.onRefused = { [weak self] callId, request, error in self?.refused(callId, request, error) }
    }

    // MARK: App → CallKit (from the page)

    /// A call reached the page over signalling. A push may have reported it already: then nothing
    /// is reported twice.
    func reportIncomingFromPage(_ callId: UUID, caller: Peer) {
        guard registry[callId] == nil else {
            if registry[callId]?.systemState == .removed {
                // The user declined on the lock screen before the page was up to hear it.
                tellPage(.ended(callId: callId, reason: .local))
            }
            return
        }
        report(callId, update: Self.update(handle: caller.id, name: caller.displayName), peer: caller, source: .page) {}
    }

    /// The native socket invited `callee` and the server gave the call its id.
    func startOutgoing(_ callId: UUID, callee: Peer) {
        guard registry[callId] == nil else { return }
        registry.insert(callId, direction: .outgoing)
        registry.update(callId) {
            $0.systemState = .pending
            $0.peer = callee
        }
        assignConfiguration("before CXStartCallAction")
        controller.startCall(callId, to: callee)
    }

    /// The callee answered our outgoing call (the server's `call:state answered`).
    func outgoingConnected(_ callId: UUID) {
        guard let call = registry[callId], registry.isLive(callId), call.direction == .outgoing, call.connectedAt == nil else { return }
        ringTimer.disarm(callId)
        registry.update(callId) { $0.connectedAt = Date() }
        if call.isMuted { ignoreNextUnmute.insert(callId) }
        provider.reportOutgoingCall(with: callId, connectedAt: nil)
        Log.calls.notice("outgoing connected call=\(callId.wireString, privacy: .public) reportOutgoingCall connectedAt")
    }

    /// The user answered in the page: CallKit must perform the answer, or it never activates audio.
    /// An answer while CallKit is still deciding on the report is kept for when it has.
    func answerFromPage(_ callId: UUID) {
        guard let call = registry[callId], call.direction == .incoming, call.answeredAt == nil else { return }
        switch call.systemState {
        case .pending:
            registry.update(callId) { $0.answerWhenReported = true }
        case .reported:
            controller.answer(callId)
        case .notReported, .removed:
            return
        }
    }

    func endFromPage(_ callId: UUID, reason: CallKitEndReason) {
        guard let call = registry[callId] else { return }
        switch call.systemState {
        case .notReported, .removed:
            return
        case .pending:
            registry.update(callId) { $0.endWhenReported = reason }
        case .reported:
            end(callId, reason: reason)
        }
    }

    /// The page's hold: not a CallKit hold (the calls don't support holding, see `update`), so the
    /// audio session is never given up and nothing waits for a `didActivate` that may not come.
    func holdFromPage(_ callId: UUID, held: Bool) {
        guard registry.isLive(callId), let call = registry[callId], call.connectedAt != nil, call.heldByUser != held else { return }
        registry.update(callId) { $0.heldByUser = held }
        delegate?.callKit(self, setHeldByUser: held, for: callId)
        tellPage(.held(callId: callId, held: held))
    }

    func muteFromPage(_ callId: UUID, muted: Bool) {
        guard registry.isLive(callId) else { return }
        controller.setMuted(callId, muted)
    }

    /// Every live call, for a page that has just become ready.
    var snapshot: [CallSnapshot] {
        registry.snapshot(audioActive: audio.isAudioEnabled, output: audio.output)
    }

    /// The call whose audio CallKit's session carries.
    var audioOwnerId: UUID? { registry.audioOwner?.id }

    // MARK: App → CallKit (from the native socket and the media engine)

    /// The server ended the call, or the media connection is gone for good. The page may be frozen
    /// and never hear it, so the shell ends the CallKit call itself.
    func remoteEnded(_ callId: UUID, reason: CallKitEndReason, why: String) { // [F3.2]
        guard registry.isLive(callId) else { return }
        Log.calls.notice("remote end call=\(callId.wireString, privacy: .public): \(why, privacy: .public)")
        if registry[callId]?.systemState == .pending {
            registry.update(callId) { $0.endWhenReported = reason }
            return
        }
        end(callId, reason: reason == .local ? .remoteEnded : reason, server: nil)
    }

    /// The server confirmed the call and named the other party: CallKit shows the name. (An
    /// outgoing call is named when CallKit performs its start.)
    func updatePeer(_ callId: UUID, peer: Peer) {
        guard registry[callId]?.systemState == .reported else { return }
        registry.update(callId) { $0.peer = peer }
        provider.reportCall(with: callId, updated: Self.update(handle: peer.id, name: peer.displayName))
    }

    /// An interruption ended, or media services were reset: if a call still wants audio, only CallKit
    /// brings it back, and the watchdog reports it if it does not.
    func audioMayNotComeBack(_ why: String) {
        guard let owner = registry.audioOwner, !audio.ledger.sessionActive else { return }
        Log.audio.notice("waiting for didActivate after \(why, privacy: .public) call=\(owner.id.wireString, privacy: .public)")
        armActivationWatchdog(owner.id)
    }

    // MARK: - Util

    private func assignConfiguration(_ why: String) {
        provider.configuration = Self.providerConfiguration
        Log.calls.notice("provider configuration assigned: \(why, privacy: .public)")
    }

    /// `supportsHolding = false`: Signal disables holding because audio fails to restart when calls
    /// are swapped, and an unhold may get no `didActivate` at all (field notes §1). Without holding,
    /// an incoming cellular call offers "End & Accept", whose interruption has no end: the ledger
    /// handles that by clearing the interruption at the next `didActivate` or call end.
    private static func update(handle: String, name: String) -> CXCallUpdate {
        let update = CXCallUpdate()
        update.remoteHandle = CXHandle(type: .generic, value: handle)
        update.localizedCallerName = name
        update.hasVideo = false
        update.supportsHolding = false
        update.supportsGrouping = false
        update.supportsUngrouping = false
        update.supportsDTMF = false
        return update
    }

    private enum ReportSource: String {
        case push
        case page
        case duplicatePush = "duplicate push"
    }

    /// `reportNewIncomingCall`, with the configuration assigned right before it.
    private func report(_ callId: UUID, update: CXCallUpdate, peer: Peer?, source: ReportSource, ringsFor: TimeInterval? = nil, completion: @escaping () -> Void) {
        let duplicate = registry.isLive(callId)
        if !duplicate {
            registry.insert(callId, direction: .incoming)
            registry.update(callId) {
                $0.systemState = .pending
                $0.peer = peer
                $0.fromPush = source == .push
            }
        }
        assignConfiguration("before reportNewIncomingCall")
        provider.reportNewIncomingCall(with: callId, update: update) { [weak self] error in
            DispatchQueue.main.async {
                self?.reported(callId, error: error, duplicate: duplicate, source: source, ringsFor: ringsFor)
                completion()
            }
        }
    }

    private func reported(_ callId: UUID, error: Error?, duplicate: Bool, source: ReportSource, ringsFor: TimeInterval?) {
        if let error {
            if duplicate || (error as? CXErrorCodeIncomingCallError)?.code == .callUUIDAlreadyExists {
                Log.calls.notice("duplicate report call=\(callId.wireString, privacy: .public): the first ring stands")
                return
            }
            // Do Not Disturb, a block list, or a system refusal.
            refused(callId, .report, error)
            return
        }
        registry.setSystemState(callId, .reported)
        Log.calls.milestone(.reported, callId, "reportNewIncomingCall source=\(source.rawValue)")
        // A pushed call rings for the server's no-answer timeout the push carries (a cold launch has
        // no welcome yet); its `expiresAt` only told whether the push was stale (P4).
        ringTimer.arm(callId, after: ringsFor ?? ringTimeout) { [weak self] _ in self?.ringedOut(callId) }
        if source == .push { tellPage(.reported(callId: callId)) }
        delegate?.callKit(self, didReport: callId, direction: .incoming)
        guard let call = registry[callId] else { return }
        if let reason = call.endWhenReported {
            end(callId, reason: reason)
        } else if call.answerWhenReported {
            controller.answer(callId)
        }
    }

    /// Reports a push that must not ring, then ends it at once: PushKit still needs its report.
    private func reportThenEnd(_ callId: UUID, reason: CXCallEndedReason, why: String, completion: @escaping () -> Void) {
        assignConfiguration("before reportNewIncomingCall")
        let update = Self.update(handle: "softphone", name: "Call no longer available")
        provider.reportNewIncomingCall(with: callId, update: update) { [weak self] error in
            DispatchQueue.main.async {
                if error == nil {
                    self?.provider.reportCall(with: callId, endedAt: nil, reason: reason)
                }
                Log.calls.milestone(.ended, callId, "reported then ended at once: \(why)")
                completion()
            }
        }
    }

    /// Ends a reported call: the user's own end goes through a `CXEndCallAction` (whose delegate
    /// method cleans up and tells the server); any other end is reported. `server` is what the server
    /// must hear for a reported end (nil when the end came from it).
    private func end(_ callId: UUID, reason: CallKitEndReason, server: ServerCallAction? = nil) {
        guard let reported = Self.endedReason(reason) else {
            controller.end(callId)
            return
        }
        provider.reportCall(with: callId, endedAt: nil, reason: reported)
        finish(callId, detail: "reportCall endedAt reason=\(reason.rawValue)", server: server)
        tellPage(.ended(callId: callId, reason: reason))
    }

    private static func endedReason(_ reason: CallKitEndReason) -> CXCallEndedReason? {
        switch reason {
        case .local: return nil
        case .remoteEnded: return .remoteEnded
        case .unanswered: return .unanswered
        case .failed: return .failed
        case .answeredElsewhere: return .answeredElsewhere
        case .declinedElsewhere: return .declinedElsewhere
        }
    }

    /// What the server must hear when this shell ends the call.
    private func serverAction(for call: CallRegistry.Call) -> ServerCallAction {
        call.direction == .incoming && call.answeredAt == nil ? .decline : .hangup
    }

    /// Everything that must happen when a call leaves CallKit, whichever way it left.
    private func finish(_ callId: UUID, detail: String, server: ServerCallAction?) {
        watchdog.disarm(callId)
        ringTimer.disarm(callId)
        ignoreNextUnmute.remove(callId)
        registry.remove(callId)
        if registry.liveCalls.isEmpty {
            audio.callsEnded()
        } else {
            audio.setCallWantsAudio(registry.audioOwner != nil)
        }
        delegate?.callKit(self, didEnd: callId, server: server)
        Log.calls.milestone(.ended, callId, detail)
    }

    /// CallKit refused a request (RefusalPolicy decides): the page always hears it.
    private func refused(_ callId: UUID, _ request: CallKitRequest, _ error: Error) {
        guard let call = registry[callId], registry.isLive(callId) else { return }
        let outcome = RefusalPolicy.decide( // [I12.6]
            request,
            error: (error as? CXErrorCodeRequestTransactionError)?.code,
            direction: call.direction,
            answered: call.answeredAt != nil
        )
        Log.calls.notice("refusal call=\(callId.wireString, privacy: .public) request=\(request.rawValue, privacy: .public) end=\(outcome.endCall?.rawValue ?? "no", privacy: .public) server=\(outcome.server?.rawValue ?? "-", privacy: .public)")
        tellPage(.refused(callId: callId, request: request, error: String(error.localizedDescription.prefix(200))))
        if outcome.restatePageState {
            tellPage(.muted(callId: callId, muted: call.isMuted))
            tellPage(.held(callId: callId, held: call.isOnHold || call.heldByUser))
        }
        guard let reason = outcome.endCall else { return }
        if call.systemState == .reported, request != .end, let reported = Self.endedReason(reason) {
            provider.reportCall(with: callId, endedAt: nil, reason: reported)
        }
        finish(callId, detail: "\(request.rawValue) refused", server: outcome.server)
        tellPage(.ended(callId: callId, reason: reason))
    }

    /// Nobody answered in time, and neither the server nor the page ended the call.
    private func ringedOut(_ callId: UUID) {
        guard let call = registry[callId], registry.isLive(callId), call.connectedAt == nil else { return }
        Log.calls.notice("ring timeout call=\(callId.wireString, privacy: .public) direction=\(String(describing: call.direction), privacy: .public)")
        end(callId, reason: .unanswered, server: serverAction(for: call))
    }

    /// No `didActivate` in time. Report, re-assign the configuration so that the next call gets a
    /// session, and do nothing else: no `setActive`, no audio (DTS: a "repair" that activates the
    /// session masks the failure and causes it again later).
    private func activationMissing(_ callId: UUID, waited: TimeInterval) {
        guard registry.isLive(callId) else { return }
        let waitedMs = Int(waited * 1000)
        Log.audio.milestone(.activationFailed, callId, "no didActivate within \(waitedMs) ms")
        assignConfiguration("backstop after a missing didActivate") // [F1.3]
        delegate?.callKit(self, activationFailed: callId)
        tellPage(.audioActivationFailed(callId: callId, waitedMs: waitedMs))
    }

    private func armActivationWatchdog(_ callId: UUID) {
        watchdog.arm(callId) { [weak self] waited in self?.activationMissing(callId, waited: waited) }
    }

    private func tellPage(_ message: NativeToWeb) {
        delegate?.callKit(self, tellPage: message)
    }
}

// MARK: - IncomingCallReporting (PushKit)

extension CallKitAdaptee: IncomingCallReporting {
    func isLive(_ callId: UUID) -> Bool { registry.isLive(callId) }

    func wasEndedRecently(_ callId: UUID) -> Bool { registry.wasEndedRecently(callId) }

    func reportIncoming(_ decision: PushDecision, completion: @escaping () -> Void) {
        switch decision {
        case let .ring(payload):
            // The user id, as on every other path: the page's `shell.state` schema accepts no other
            // `Peer.id`, and Recents calls back with the handle, which `call:invite` takes as `to`.
            let caller = payload.peer
            let update = Self.update(handle: caller.id, name: caller.displayName)
            report(payload.callId, update: update, peer: caller, source: .push, ringsFor: payload.ringTimeout, completion: completion)
        case let .reportDuplicate(callId):
            // Reported again under the same UUID on purpose: PushKit needs a report for every push,
            // and CallKit refuses this one with "call UUID already exists" instead of ringing twice.
            report(callId, update: CXCallUpdate(), peer: nil, source: .duplicatePush, completion: completion)
        case let .reportThenEnd(callId, reason, why): // [F2.3]
            reportThenEnd(callId, reason: reason, why: why, completion: completion)
        case .drop:
            completion()
        }
    }
}

// MARK: - CXProviderDelegate

extension CallKitAdaptee: CXProviderDelegate {
    func providerDidBegin(_ provider: CXProvider) {
        Log.calls.notice("providerDidBegin")
    }

    /// CallKit dropped every call (callservicesd restarted, for one). Stop all audio, tell libwebrtc
    /// the session is gone (its activation count would otherwise stay at 1 and a later interruption
    /// end would activate a session with no call), and end every call on the server and in the page.
    func providerDidReset(_ provider: CXProvider) {
        Log.calls.notice("providerDidReset")
        watchdog.disarmAll()
        ringTimer.disarmAll()
        ignoreNextUnmute.removeAll()
        lastAudioOwner = nil
        audio.providerDidReset()
        for call in registry.removeAll() {
            delegate?.callKit(self, didEnd: call.id, server: serverAction(for: call))
            Log.calls.milestone(.ended, call.id, "providerDidReset")
            tellPage(.ended(callId: call.id, reason: .failed))
        }
    }

    func provider(_ provider: CXProvider, perform action: CXStartCallAction) {
        let callId = action.callUUID
        guard let call = registry[callId], call.systemState == .pending else {
            action.fail()
            return
        }
        // Configure the category now; call audio starts only once CallKit activates the session.
        audio.ensureProperAudioSession()
        registry.update(callId) {
            $0.systemState = .reported
            $0.answeredAt = Date()
        }
        audio.setCallWantsAudio(true)
        armActivationWatchdog(callId)
        ringTimer.arm(callId, after: ringTimeout) { [weak self] _ in self?.ringedOut(callId) }
        provider.reportOutgoingCall(with: callId, startedConnectingAt: nil)
        if let peer = call.peer {
            // The handle is a user id; without this update CallKit and Recents would show it.
            provider.reportCall(with: callId, updated: Self.update(handle: peer.id, name: peer.displayName))
        }
        Log.calls.milestone(.reported, callId, "CXStartCallAction")
        action.fulfill()
        delegate?.callKit(self, didReport: callId, direction: .outgoing)
        if let reason = registry[callId]?.endWhenReported { end(callId, reason: reason) }
    }

    func provider(_ provider: CXProvider, perform action: CXAnswerCallAction) {
        let callId = action.callUUID
        guard registry[callId]?.systemState == .reported else {
            action.fail()
            return
        }
        audio.ensureProperAudioSession()
        let now = Date()
        registry.update(callId) {
            $0.answeredAt = now
            $0.connectedAt = now
        }
        ringTimer.disarm(callId)
        audio.setCallWantsAudio(true)
        armActivationWatchdog(callId)
        Log.calls.milestone(.answered, callId, "CXAnswerCallAction")
        // Fulfilled now, not once the server confirms: CallKit activates the audio session only after
        // the answer is fulfilled, and the user is already waiting to talk (Signal does the same).
        action.fulfill()
        delegate?.callKit(self, didAnswer: callId)
        tellPage(.answered(callId: callId))
    }

    func provider(_ provider: CXProvider, perform action: CXEndCallAction) {
        let callId = action.callUUID
        guard let call = registry[callId], registry.isLive(callId) else {
            action.fail()
            return
        }
        // Fulfilled first: closing the peer connections (in finish, through the media engine) must
        // not hold up CallKit's end.
        action.fulfill() // [I12.9]
        finish(callId, detail: "CXEndCallAction", server: serverAction(for: call))
        tellPage(.ended(callId: callId, reason: .local))
    }

    /// Not requested by the shell (its calls don't support holding), but CallKit may still hold a
    /// call. The session is then spent: an unhold waits for `didActivate`, and the watchdog reports
    /// its absence like after an answer.
    func provider(_ provider: CXProvider, perform action: CXSetHeldCallAction) {
        let callId = action.callUUID
        guard registry.isLive(callId) else {
            action.fail()
            return
        }
        let ownedAudio = registry.audioOwner?.id == callId
        registry.update(callId) { $0.isOnHold = action.isOnHold }
        if action.isOnHold, ownedAudio {
            audio.callHeld()
        }
        audio.setCallWantsAudio(registry.audioOwner != nil)
        if !action.isOnHold, !audio.ledger.sessionActive {
            armActivationWatchdog(callId) // [F1.5]
        }
        Log.calls.notice("CXSetHeldCallAction held=\(action.isOnHold, privacy: .public) call=\(callId.wireString, privacy: .public)")
        tellPage(.held(callId: callId, held: action.isOnHold))
        action.fulfill()
    }

    /// The system's mute button, Siri, or the page's mute (through CallController).
    func provider(_ provider: CXProvider, perform action: CXSetMutedCallAction) {
        let callId = action.callUUID
        guard let call = registry[callId], registry.isLive(callId) else {
            action.fail()
            return
        }
        action.fulfill()
        if !action.isMuted, ignoreNextUnmute.remove(callId) != nil {
            Log.calls.notice("CallKit's automatic unmute at connect ignored call=\(callId.wireString, privacy: .public)")
            controller.setMuted(callId, true)
            return
        }
        guard call.isMuted != action.isMuted else { return }
        registry.update(callId) { $0.isMuted = action.isMuted }
        delegate?.callKit(self, setMuted: action.isMuted, for: callId)
        Log.calls.notice("CXSetMutedCallAction muted=\(action.isMuted, privacy: .public) call=\(callId.wireString, privacy: .public)")
        tellPage(.muted(callId: callId, muted: action.isMuted))
    }

    func provider(_ provider: CXProvider, timedOutPerforming action: CXAction) {
        Log.calls.error("timedOutPerforming \(String(describing: type(of: action)), privacy: .public)")
    }

    /// The only place call audio starts. The ledger clears any interruption here: a begin may have
    /// had no end, and CallKit activating the session proves it over.
    func provider(_ provider: CXProvider, didActivate audioSession: AVAudioSession) { // [F1.2]
        audio.didActivate(audioSession)
        watchdog.disarmAll()
        guard let owner = registry.audioOwner else {
            Log.audio.notice("didActivate with no call to own it")
            return
        }
        let now = Date()
        registry.update(owner.id) { $0.activatedAt = now }
        lastAudioOwner = owner.id
        let latency = owner.answeredAt.map { String(Int(now.timeIntervalSince($0) * 1000)) } ?? "?"
        Log.audio.milestone(.activated, owner.id, "didActivate answerToActivateMs=\(latency)") // [F1.4]
        delegate?.callKit(self, didActivate: owner.id, at: now)
        tellPage(.audioActivated(callId: owner.id))
    }

    /// Call audio stops here, on end and in `providerDidReset`.
    func provider(_ provider: CXProvider, didDeactivate audioSession: AVAudioSession) {
        audio.didDeactivate(audioSession)
        delegate?.callKitDidDeactivateAudio(self)
        if let owner = registry.audioOwner {
            // CallKit took the session from a call that still wants it.
            armActivationWatchdog(owner.id)
        }
        guard let callId = lastAudioOwner else {
            Log.audio.notice("didDeactivate")
            return
        }
        Log.audio.milestone(.deactivated, callId, "didDeactivate")
        tellPage(.audioDeactivated(callId: callId))
    }
}
