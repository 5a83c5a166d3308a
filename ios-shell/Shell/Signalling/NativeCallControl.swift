import Foundation

protocol NativeCallControlDelegate: AnyObject {
    func callControl(_ control: NativeCallControl, tellPage message: NativeToWeb)
    /// The server knows this device is in the call (claimed, or invited by it): the native engine
    /// may negotiate. `peer` is the server's name for the other party, when it gave one.
    func callControl(_ control: NativeCallControl, joined callId: UUID, peer: Peer?)
    /// `call:invite` succeeded: CallKit starts the outgoing call under the server's id.
    func callControl(_ control: NativeCallControl, placed callId: UUID, callee: Peer)
    func callControl(_ control: NativeCallControl, outgoingConnected callId: UUID)
    /// The server says the call is over (`call:ended`, or a claim or answer it refused as over).
    func callControl(_ control: NativeCallControl, serverEnded callId: UUID, reason: CallKitEndReason, why: String)
    func callControl(_ control: NativeCallControl, noAnswerTimeout: TimeInterval)
    /// The server's ICE servers for this device (the welcome's, then each renewal).
    func callControl(_ control: NativeCallControl, iceServers: [IceServer])
}

/// Call control over the shell's own socket, for the life of every CallKit call: the page may be
/// frozen from the moment the app leaves the foreground, so nothing here waits for it. The page
/// stays the UI and, in the foreground, the source of the user's intents, which reach this class
/// through CallKit's actions, never directly.
///
/// Per call: a pushed or page-reported incoming call is first claimed (`call:reported`, which joins
/// this device to the ringing call); everything else about the call waits for the claim. An
/// outgoing call is the socket's own (`call:invite`). The socket opens with the first call and
/// closes when the last one has been settled with the server.
///
/// Reconnects: every (re)connection is a new socket on the server, which gives each call this
/// device was settled in back as `call:resync` (or `call:ended`) before its welcome. The resync is
/// applied (an answer missed while away connects the outgoing call, so its ring timer never hangs it
/// up; MediaNegotiator re-delivers a missed downstream offer); a call the welcome comes without is
/// over and ends here. A claim or answer whose ack does not come while connected is sent again
/// (AckRetry); a request that can't reach the server within its deadline fails as offline.
final class NativeCallControl {
    weak var delegate: NativeCallControlDelegate?

    private enum Claim { case needed, inFlight, done }

    private struct Link {
        let direction: CallRegistry.Direction
        var claim: Claim
        var afterClaim: [() -> Void] = []
        var claimRetry = AckRetry()
        /// The server said the call is answered (`call:state`, or a resync).
        var answered = false
    }

    private let client: SignallingClient
    private let credentials: SessionCredentials
    private var links: [UUID: Link] = [:]
    private var resync = ResyncLedger()
    /// Requests that keep the socket open without a call of their own (an invite in flight, a
    /// token unregistration).
    private var errands = 0

    init(client: SignallingClient, credentials: SessionCredentials) {
        self.client = client
        self.credentials = credentials
        client.delegate = self
        client.on(CallControlWire.welcome, CallControlWire.Welcome.self) { [weak self] welcome in
            guard let self else { return }
            self.delegate?.callControl(self, noAnswerTimeout: CallDeadline.ringTimeout(noAnswerTimeoutMs: welcome.noAnswerTimeoutMs))
            self.delegate?.callControl(self, iceServers: welcome.iceServers)
            self.welcomed()
        }
        client.on(CallControlWire.iceServers, CallControlWire.IceServersEvent.self) { [weak self] event in
            guard let self else { return }
            self.delegate?.callControl(self, iceServers: event.iceServers)
        }
        client.on(CallControlWire.resync, CallResync.self) { [weak self] event in self?.resynced(event) }
        client.on(CallControlWire.state, CallControlWire.StateEvent.self) { [weak self] event in self?.stateChanged(event) }
        client.on(CallControlWire.ended, CallControlWire.EndedEvent.self) { [weak self] event in self?.ended(event) }
        client.on(CallControlWire.holdChanged, CallControlWire.HoldEvent.self) { event in
            Log.signalling.notice("call:hold held=\(event.held, privacy: .public) by=\(event.by, privacy: .public) call=\(event.callId.wireString, privacy: .public)")
        }
        client.on(CallControlWire.requestError, CallControlWire.RequestError.self) { event in
            Log.signalling.error("request:error \(event.event, privacy: .public): \(event.error.code, privacy: .public)")
        }
    }

    /// The page's identity, for every later connection (cold launches included).
    func setIdentity(_ identity: SessionCredentials.Identity) {
        credentials.identity = identity
    }

    // MARK: CallKit → server

    /// CallKit has the call: the socket carries it from now on.
    func track(_ callId: UUID, direction: CallRegistry.Direction) {
        guard links[callId] == nil else { return }
        links[callId] = Link(direction: direction, claim: direction == .incoming ? .needed : .done) // [I12.7]
        Log.signalling.notice("tracking call=\(callId.wireString, privacy: .public) direction=\(String(describing: direction), privacy: .public)")
        // Queued before connecting: a connection that can't be made fails what is queued.
        claimIfNeeded(callId)
        ensureConnected()
    }

    func answer(_ callId: UUID) {
        afterClaim(callId) { [weak self] in self?.sendAnswer(callId, retry: AckRetry()) }
    }

    /// The answer, sent again while its ack does not come: dropped, the caller would ring on while
    /// the callee sits in a silent "answered" call.
    private func sendAnswer(_ callId: UUID, retry: AckRetry) {
        client.request(CallControlWire.answer, CallControlWire.CallRef(callId), as: CallControlWire.Empty.self) { [weak self] result in
            guard let self, case let .failure(error) = result, self.links[callId] != nil else { return }
            var retry = retry
            if error == .noAck, let decision = retry.noAck(connected: self.client.isConnected) {
                switch decision {
                case let .retry(attempt):
                    Log.signalling.notice("answer unacked call=\(callId.wireString, privacy: .public): sending again attempt=\(attempt, privacy: .public)")
                    self.sendAnswer(callId, retry: retry)
                case .giveUp:
                    self.lost(callId, why: "answer unacked after \(retry.attempts) attempts")
                }
                return
            }
            self.refusedAsOver(callId, error, request: "answer")
        }
    }

    /// The call left CallKit here; the server hears `action` (nil: the end came from the server).
    func end(_ callId: UUID, server action: ServerCallAction?) {
        guard let action else {
            untrack(callId)
            return
        }
        if links[callId] == nil { track(callId, direction: action == .decline ? .incoming : .outgoing) }
        let event = action == .decline ? CallControlWire.decline : CallControlWire.hangup
        afterClaim(callId) { [weak self] in
            self?.client.request(event, CallControlWire.CallRef(callId), as: CallControlWire.Empty.self) { _ in
                self?.untrack(callId)
            }
        }
    }

    /// The user held the call in the page.
    func hold(_ callId: UUID, held: Bool) {
        afterClaim(callId) { [weak self] in
            self?.client.request(CallControlWire.hold, CallControlWire.Hold(callId: callId.wireString, held: held), as: CallControlWire.Empty.self) { _ in }
        }
    }

    /// No `didActivate` in time: logged on the server at once, with the call id.
    func activationFailed(_ callId: UUID) {
        afterClaim(callId) { [weak self] in
            self?.client.request(CallControlWire.activationFailed, CallControlWire.ActivationFailed(callId: callId.wireString), as: CallControlWire.Empty.self) { _ in }
        }
    }

    /// The permission to record as this device joins the call: kept with the call on the server, so
    /// that a silent uplink from a device that may not record is not taken for a network fault.
    func micPermission(_ callId: UUID, _ state: MicrophonePermission) {
        afterClaim(callId) { [weak self] in
            self?.client.request(CallControlWire.micPermission, CallControlWire.MicPermission(callId: callId.wireString, state: state), as: CallControlWire.Empty.self) { _ in }
        }
    }

    /// What this iPhone is and how the call's activation went, for the call's quality record.
    func deviceReport(_ callId: UUID, _ report: DeviceReport) {
        afterClaim(callId) { [weak self] in
            self?.client.request(CallControlWire.deviceReport, CallControlWire.DeviceReportPayload(callId: callId.wireString, report: report), as: CallControlWire.Empty.self) { _ in }
        }
    }

    /// ICE restarts did not bring the media back: the server ends the call with `media-lost`.
    func mediaLost(_ callId: UUID) {
        afterClaim(callId) { [weak self] in
            self?.client.request(CallControlWire.mediaLost, CallControlWire.CallRef(callId), as: CallControlWire.Empty.self) { _ in }
        }
    }

    // MARK: Errands

    /// The user placed a call (the page's `call.place`, or Recents/Siri).
    func place(requestId: Int?, callee: Peer) {
        errands += 1
        defer { ensureConnected() }
        client.request(CallControlWire.invite, CallControlWire.Invite(to: callee.id), as: CallControlWire.CallRef.self, timeout: ShellPolicy.inviteTimeout) { [weak self] result in
            guard let self else { return }
            self.errands -= 1
            switch result {
            case let .success(ref):
                guard let callId = UUID(uuidString: ref.callId) else {
                    self.placeFailed(requestId, .undecodable)
                    return
                }
                Log.signalling.notice("invited call=\(callId.wireString, privacy: .public)")
                self.links[callId] = Link(direction: .outgoing, claim: .done)
                if let requestId { self.tellPage(.placed(requestId: requestId, callId: callId)) }
                self.delegate?.callControl(self, placed: callId, callee: callee)
                self.delegate?.callControl(self, joined: callId, peer: callee)
            case let .failure(error):
                self.placeFailed(requestId, error)
            }
            self.disconnectIfIdle()
        }
    }

    /// PushKit invalidated `token`: the server must stop pushing to it. Only that token: the page may
    /// already have registered its successor on its own socket, and this request often comes later
    /// (this socket connects lazily), so a device-wide unregister would delete the new token too.
    func unregisterPush(token: String) {
        errands += 1
        defer { ensureConnected() }
        client.request(CallControlWire.pushUnregister, CallControlWire.PushUnregister(token: token), as: CallControlWire.Empty.self) { [weak self] result in
            guard let self else { return }
            self.errands -= 1
            if case .success = result { Log.push.notice("invalidated VoIP token unregistered on the server") }
            self.disconnectIfIdle()
        }
    }

    // MARK: Internals

    private func claimIfNeeded(_ callId: UUID) {
        guard links[callId]?.claim == .needed else { return }
        links[callId]?.claim = .inFlight
        client.request(CallControlWire.reported, CallControlWire.CallRef(callId), as: CallControlWire.ReportedCall.self) { [weak self] result in
            guard let self, self.links[callId] != nil else { return }
            switch result {
            case let .success(reported):
                Log.signalling.notice("claimed call=\(callId.wireString, privacy: .public)")
                self.links[callId]?.claim = .done
                self.delegate?.callControl(self, joined: callId, peer: reported.call.from)
                let waiting = self.links[callId]?.afterClaim ?? []
                self.links[callId]?.afterClaim.removeAll()
                for work in waiting { work() }
            case let .failure(error):
                self.links[callId]?.claim = .needed
                if error.meansCallIsOver || error == .offline {
                    self.refusedAsOver(callId, error, request: "claim")
                } else if error == .noAck, let decision = self.links[callId]?.claimRetry.noAck(connected: self.client.isConnected) {
                    switch decision {
                    case let .retry(attempt):
                        Log.signalling.notice("claim unacked call=\(callId.wireString, privacy: .public): sending again attempt=\(attempt, privacy: .public)")
                        self.claimIfNeeded(callId)
                    case .giveUp:
                        self.lost(callId, why: "claim unacked after \(ShellPolicy.ackAttempts) attempts")
                    }
                } else {
                    // Retried at the next connection (the ack was lost with a socket that dropped).
                    Log.signalling.notice("claim not settled call=\(callId.wireString, privacy: .public): \(error.code, privacy: .public)")
                }
            }
        }
    }

    private func afterClaim(_ callId: UUID, _ work: @escaping () -> Void) {
        guard let link = links[callId] else { return }
        if link.claim == .done {
            work()
        } else {
            links[callId]?.afterClaim.append(work)
        }
    }

    /// The server can't be made to hear this call: CallKit ends it as failed, and its afterClaim
    /// work (an answer, a hang-up) goes with it.
    private func lost(_ callId: UUID, why: String) {
        untrack(callId)
        delegate?.callControl(self, serverEnded: callId, reason: .failed, why: why)
    }

    /// The server refused a claim or an answer because the call is over.
    private func refusedAsOver(_ callId: UUID, _ error: ProtocolError, request: String) {
        guard error.meansCallIsOver || error == .offline else { return }
        let reason: CallKitEndReason = error == .offline ? .failed : .remoteEnded
        untrack(callId)
        delegate?.callControl(self, serverEnded: callId, reason: reason, why: "\(request) refused: \(error.code)")
    }

    private func stateChanged(_ event: CallControlWire.StateEvent) {
        guard links[event.callId] != nil else { return }
        tellPage(.callState(callId: event.callId, ServerCallState(state: event.state, reason: nil, by: nil)))
        if event.state == .answered { markAnswered(event.callId) }
    }

    /// An answer the device hears of once: an outgoing call connects in CallKit (which disarms its
    /// ring timer).
    private func markAnswered(_ callId: UUID) {
        guard let link = links[callId], !link.answered else { return }
        links[callId]?.answered = true
        if link.direction == .outgoing { delegate?.callControl(self, outgoingConnected: callId) }
    }

    /// The call as the server has it now, after this socket (re)connected: what was missed while
    /// away is applied. The missed downstream offer is MediaNegotiator's.
    private func resynced(_ event: CallResync) {
        resync.heard(event.callId)
        guard links[event.callId] != nil else { return }
        Log.signalling.notice("call:resync call=\(event.callId.wireString, privacy: .public) state=\(event.state.rawValue, privacy: .public) answered=\(event.answered, privacy: .public)")
        tellPage(.callState(callId: event.callId, ServerCallState(state: event.state, reason: nil, by: nil)))
        if event.answered { markAnswered(event.callId) }
    }

    /// The welcome closes what the server had to say before it: a settled call it did not give back
    /// is over on the server.
    private func welcomed() {
        for callId in resync.welcomed() where links[callId] != nil {
            Log.signalling.notice("call gone from the server while away call=\(callId.wireString, privacy: .public)")
            tellPage(.callState(callId: callId, ServerCallState(state: .ended, reason: nil, by: nil)))
            untrack(callId)
            delegate?.callControl(self, serverEnded: callId, reason: .failed, why: "not resynced after reconnecting")
        }
    }

    private func ended(_ event: CallControlWire.EndedEvent) {
        resync.heard(event.callId)
        guard links[event.callId] != nil else { return }
        tellPage(.callState(callId: event.callId, ServerCallState(state: .ended, reason: event.reason, by: event.by)))
        untrack(event.callId)
        let reason = CallControlWire.callKitReason(serverReason: event.reason, by: event.by)
        delegate?.callControl(self, serverEnded: event.callId, reason: reason, why: "call:ended \(event.reason) by \(event.by)")
    }

    private func untrack(_ callId: UUID) {
        guard links.removeValue(forKey: callId) != nil else { return }
        disconnectIfIdle()
    }

    private func ensureConnected() {
        guard !client.isActive else { return }
        guard let identity = credentials.identity else {
            Log.signalling.error("no device identity yet (the page has not sent signalling.identity): calls can't be signalled natively")
            client.disconnect()
            return
        }
        credentials.sessionCookie { [weak self] cookie in
            guard let self, !self.client.isActive else { return }
            guard let cookie else {
                Log.signalling.error("no session cookie (signed out, or before first unlock)")
                self.client.disconnect()
                return
            }
            guard !self.links.isEmpty || self.errands > 0 else { return }
            self.client.connect(cookie: cookie, identity: identity)
        }
    }

    private func disconnectIfIdle() {
        guard links.isEmpty, errands == 0, client.isActive else { return }
        client.disconnect()
    }

    private func placeFailed(_ requestId: Int?, _ error: ProtocolError) {
        Log.signalling.notice("invite failed: \(error.code, privacy: .public)")
        if let requestId { tellPage(.placeFailed(requestId: requestId, code: error.code, message: error.message)) }
    }

    private func tellPage(_ message: NativeToWeb) {
        delegate?.callControl(self, tellPage: message)
    }
}

extension NativeCallControl: SignallingClientDelegate {
    /// A new connection is a new socket on the server: claims that did not settle are made again,
    /// and every settled call waits for its resync (the server sends it before the welcome).
    func signallingDidConnect(_ client: SignallingClient) {
        resync.connected(settled: links.filter { $0.value.claim == .done }.map(\.key))
        for id in Array(links.keys) {
            links[id]?.claimRetry = AckRetry()
            claimIfNeeded(id)
        }
    }

    func signalling(_ client: SignallingClient, didDisconnect why: String) {}

    func signalling(_ client: SignallingClient, refused error: ProtocolError) {
        // Signed out or the device moved account: no call of ours can go on.
        endAll(why: "socket refused: \(error.code)")
    }

    func signalling(_ client: SignallingClient, sessionEnded reason: String) {
        // The server has ended our calls with the session; its `call:ended` can't reach us any more.
        endAll(why: "session ended: \(reason)")
    }

    private func endAll(why: String) {
        for id in Array(links.keys) {
            untrack(id)
            delegate?.callControl(self, serverEnded: id, reason: .failed, why: why)
        }
    }
}
