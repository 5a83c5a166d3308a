import AVFoundation
import CallKit

/// Where CallKit's news goes: the page (through the bridge), the media engine and the web view.
protocol CallKitAdapteeDelegate: AnyObject {
    func callKit(_ adaptee: CallKitAdaptee, tellPage message: NativeToWeb)
    /// The call is over on CallKit's side: stop its media.
    func callKit(_ adaptee: CallKitAdaptee, didEnd callId: UUID)
    /// CallKit took the audio session back: no capture may go on, in the app or in the page.
    func callKitDidDeactivateAudio(_ adaptee: CallKitAdaptee)
    func callKit(_ adaptee: CallKitAdaptee, setMuted muted: Bool, for callId: UUID)
}

/// The only `CXProviderDelegate`, and the only owner of the `CXProvider`.
///
/// Flow (Signal's CallKitCallUIAdaptee, SpeakerBox's ProviderDelegate): the page or a VoIP push asks
/// for something → this class reports to CallKit or asks for a transaction (CallController) →
/// CallKit performs the action → the consequences run in the `CXProviderDelegate` methods, which
/// fulfil quickly. Call audio runs only between `didActivate` and `didDeactivate` (CallAudioService).
///
/// The rules this class implements are rows of docs/callkit-decision-table.md; the TypeScript
/// simulator (web/src/shell-simulator) implements the same table for the browser e2e runs.
final class CallKitAdaptee: NSObject {
    /// Assigned again, unchanged, before every report and start: the configuration carries the audio
    /// session id, and re-assigning it is DTS's workaround for the `SessionID 0x0` state in which
    /// `didActivate` never comes (forum thread 783870; Signal and flutter_callkit_incoming do it too).
    static let providerConfiguration: CXProviderConfiguration = {
        let configuration = CXProviderConfiguration()
        configuration.supportsVideo = false
        configuration.maximumCallGroups = 1
        configuration.maximumCallsPerCallGroup = 1
        configuration.supportedHandleTypes = [.generic]
        configuration.includesCallsInRecents = true
        return configuration
    }()

    weak var delegate: CallKitAdapteeDelegate?

    private let provider: CXProvider
    private let controller: CallController
    private let registry: CallRegistry
    private let audio: CallAudioService
    private let watchdog: ActivationWatchdog
    /// The call that last got `didActivate`; `didDeactivate` often arrives after it has ended.
    private var lastAudioOwner: UUID?

    init(registry: CallRegistry, audio: CallAudioService, watchdog: ActivationWatchdog, controller: CallController) {
        self.registry = registry
        self.audio = audio
        self.watchdog = watchdog
        self.controller = controller
        provider = CXProvider(configuration: Self.providerConfiguration)
        super.init()
        // nil: the main queue, which PushKit's delegate also uses, so a push is reported synchronously.
        provider.setDelegate(self, queue: nil)
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
        report(callId, update: Self.update(handle: caller.id, name: caller.displayName), source: "page") {}
    }

    func startOutgoing(_ callId: UUID, callee: Peer) {
        guard registry[callId] == nil else { return }
        registry.insert(callId, direction: .outgoing)
        registry.setSystemState(callId, .pending)
        assignConfiguration("before CXStartCallAction")
        controller.startCall(callId, to: callee)
    }

    func outgoingConnected(_ callId: UUID) {
        guard registry.isLive(callId) else { return }
        provider.reportOutgoingCall(with: callId, connectedAt: nil)
    }

    /// The user answered in the page: CallKit must perform the answer, or it never activates audio.
    func answerFromPage(_ callId: UUID) {
        guard let call = registry[callId], call.systemState == .reported, call.answeredAt == nil else { return }
        controller.answer(callId)
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

    func holdFromPage(_ callId: UUID, held: Bool) {
        guard registry.isLive(callId), registry[callId]?.isOnHold != held else { return }
        controller.setHeld(callId, held)
    }

    func muteFromPage(_ callId: UUID, muted: Bool) {
        guard registry.isLive(callId) else { return }
        controller.setMuted(callId, muted)
    }

    /// Calls a push rang that are still live: a page that has just loaded must claim them.
    var liveCallsFromPush: [UUID] {
        registry.liveCalls.filter(\.fromPush).map(\.id)
    }

    // MARK: App → CallKit (from the media engine)

    /// The media connection closed: the server closed the call's SFU transports because the other
    /// party hung up. The page may be suspended and never hear it, so the shell ends the CallKit call itself.
    func mediaEnded(_ callId: UUID, why: String) { // [F3.2]
        guard registry.isLive(callId) else { return }
        Log.calls.notice("media ended call=\(callId.wireString, privacy: .public): \(why, privacy: .public)")
        end(callId, reason: .remoteEnded)
    }

    // MARK: - Util

    private func assignConfiguration(_ why: String) {
        provider.configuration = Self.providerConfiguration
        Log.calls.info("provider configuration assigned: \(why, privacy: .public)")
    }

    private static func update(handle: String, name: String) -> CXCallUpdate {
        let update = CXCallUpdate()
        update.remoteHandle = CXHandle(type: .generic, value: handle)
        update.localizedCallerName = name
        update.hasVideo = false
        update.supportsHolding = true
        update.supportsGrouping = false
        update.supportsUngrouping = false
        update.supportsDTMF = false
        return update
    }

    /// `reportNewIncomingCall`, with the configuration assigned right before it.
    private func report(_ callId: UUID, update: CXCallUpdate, source: String, completion: @escaping () -> Void) {
        let duplicate = registry.isLive(callId)
        if !duplicate {
            registry.insert(callId, direction: .incoming)
            registry.setSystemState(callId, .pending)
        }
        assignConfiguration("before reportNewIncomingCall")
        provider.reportNewIncomingCall(with: callId, update: update) { [weak self] error in
            DispatchQueue.main.async {
                self?.reported(callId, error: error, duplicate: duplicate, source: source)
                completion()
            }
        }
    }

    private func reported(_ callId: UUID, error: Error?, duplicate: Bool, source: String) {
        if let error {
            if duplicate || (error as? CXErrorCodeIncomingCallError)?.code == .callUUIDAlreadyExists {
                Log.calls.notice("duplicate report call=\(callId.wireString, privacy: .public): the first ring stands")
                return
            }
            // Do Not Disturb, a block list, or a system refusal: the page must end its side too.
            Log.calls.error("report refused call=\(callId.wireString, privacy: .public): \(error.localizedDescription, privacy: .public)")
            registry.remove(callId)
            tellPage(.ended(callId: callId, reason: .failed))
            return
        }
        registry.setSystemState(callId, .reported)
        Log.calls.milestone(.reported, callId, "reportNewIncomingCall source=\(source)")
        if source == "push" {
            registry.update(callId) { $0.fromPush = true }
            tellPage(.reported(callId: callId))
        }
        if let reason = registry[callId]?.endWhenReported {
            end(callId, reason: reason)
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
    /// method cleans up); any other end is reported.
    private func end(_ callId: UUID, reason: CallKitEndReason) {
        guard let reported = Self.endedReason(reason) else {
            controller.end(callId)
            return
        }
        provider.reportCall(with: callId, endedAt: nil, reason: reported)
        finish(callId, detail: "reportCall endedAt reason=\(reason.rawValue)")
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

    /// Everything that must happen when a call leaves CallKit, whichever way it left.
    private func finish(_ callId: UUID, detail: String) {
        watchdog.disarm(callId)
        registry.remove(callId)
        audio.setCallWantsAudio(registry.audioOwner != nil)
        delegate?.callKit(self, didEnd: callId)
        Log.calls.milestone(.ended, callId, detail)
    }

    /// No `didActivate` in time. Report, re-assign the configuration so that the next call gets a
    /// session, and do nothing else: no `setActive`, no audio (DTS: a "repair" that activates the
    /// session masks the failure and causes it again later).
    private func activationMissing(_ callId: UUID, waited: TimeInterval) {
        guard registry.isLive(callId) else { return }
        let waitedMs = Int(waited * 1000)
        Log.audio.milestone(.activationFailed, callId, "no didActivate within \(waitedMs) ms")
        assignConfiguration("backstop after a missing didActivate") // [F1.3]
        tellPage(.audioActivationFailed(callId: callId, waitedMs: waitedMs))
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
            let update = Self.update(handle: payload.caller.handle, name: payload.caller.displayName)
            report(payload.callId, update: update, source: "push", completion: completion)
        case let .reportDuplicate(callId):
            // Reported again under the same UUID on purpose: PushKit needs a report for every push,
            // and CallKit refuses this one with "call UUID already exists" instead of ringing twice.
            report(callId, update: CXCallUpdate(), source: "duplicate push", completion: completion)
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
        Log.calls.info("providerDidBegin")
    }

    /// CallKit dropped every call (callservicesd restarted, for one). Stop all audio and tell the page.
    func providerDidReset(_ provider: CXProvider) {
        Log.calls.notice("providerDidReset")
        watchdog.disarmAll()
        audio.reset()
        for call in registry.removeAll() {
            delegate?.callKit(self, didEnd: call.id)
            Log.calls.milestone(.ended, call.id, "providerDidReset")
            tellPage(.ended(callId: call.id, reason: .failed))
        }
    }

    func provider(_ provider: CXProvider, perform action: CXStartCallAction) {
        guard registry[action.callUUID]?.systemState == .pending else {
            action.fail()
            return
        }
        // Configure the category now; call audio starts only once CallKit activates the session.
        audio.ensureProperAudioSession()
        registry.update(action.callUUID) {
            $0.systemState = .reported
            $0.answeredAt = Date()
        }
        audio.setCallWantsAudio(true)
        watchdog.arm(action.callUUID) { [weak self] waited in self?.activationMissing(action.callUUID, waited: waited) }
        provider.reportOutgoingCall(with: action.callUUID, startedConnectingAt: nil)
        Log.calls.milestone(.reported, action.callUUID, "CXStartCallAction")
        action.fulfill()
    }

    func provider(_ provider: CXProvider, perform action: CXAnswerCallAction) {
        let callId = action.callUUID
        guard registry[callId]?.systemState == .reported else {
            action.fail()
            return
        }
        audio.ensureProperAudioSession()
        registry.update(callId) { $0.answeredAt = Date() }
        audio.setCallWantsAudio(true)
        watchdog.arm(callId) { [weak self] waited in self?.activationMissing(callId, waited: waited) }
        Log.calls.milestone(.answered, callId, "CXAnswerCallAction")
        tellPage(.answered(callId: callId))
        // Fulfilled now, not once the server confirms: CallKit activates the audio session only after
        // the answer is fulfilled, and the user is already waiting to talk (Signal does the same).
        action.fulfill()
    }

    func provider(_ provider: CXProvider, perform action: CXEndCallAction) {
        let callId = action.callUUID
        guard registry.isLive(callId) else {
            action.fail()
            return
        }
        finish(callId, detail: "CXEndCallAction")
        tellPage(.ended(callId: callId, reason: .local))
        action.fulfill()
    }

    func provider(_ provider: CXProvider, perform action: CXSetHeldCallAction) {
        let callId = action.callUUID
        guard registry.isLive(callId) else {
            action.fail()
            return
        }
        registry.update(callId) { $0.isOnHold = action.isOnHold }
        audio.setCallWantsAudio(registry.audioOwner != nil)
        if !action.isOnHold && !audio.gate.sessionActive {
            // After an unhold CallKit sometimes never calls didActivate again (flutter_callkit_incoming
            // #869; Twilio re-enables its audio device on unhold). If the session stayed active through
            // the hold, the gate has just resumed audio; if CallKit deactivated it, wait for didActivate
            // and report its absence like after an answer.
            watchdog.arm(callId) { [weak self] waited in self?.activationMissing(callId, waited: waited) } // [F1.5]
        }
        Log.calls.notice("CXSetHeldCallAction held=\(action.isOnHold, privacy: .public) call=\(callId.wireString, privacy: .public)")
        tellPage(.held(callId: callId, held: action.isOnHold))
        action.fulfill()
    }

    func provider(_ provider: CXProvider, perform action: CXSetMutedCallAction) {
        guard registry.isLive(action.callUUID) else {
            action.fail()
            return
        }
        delegate?.callKit(self, setMuted: action.isMuted, for: action.callUUID)
        tellPage(.muted(callId: action.callUUID, muted: action.isMuted))
        action.fulfill()
    }

    func provider(_ provider: CXProvider, timedOutPerforming action: CXAction) {
        Log.calls.error("timedOutPerforming \(String(describing: type(of: action)), privacy: .public)")
    }

    /// The only place call audio starts.
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
        tellPage(.audioActivated(callId: owner.id))
    }

    /// Call audio stops here, on end and in `providerDidReset`.
    func provider(_ provider: CXProvider, didDeactivate audioSession: AVAudioSession) {
        audio.didDeactivate(audioSession)
        delegate?.callKitDidDeactivateAudio(self)
        guard let callId = lastAudioOwner else {
            Log.audio.notice("didDeactivate")
            return
        }
        Log.audio.milestone(.deactivated, callId, "didDeactivate")
        tellPage(.audioDeactivated(callId: callId))
    }
}
