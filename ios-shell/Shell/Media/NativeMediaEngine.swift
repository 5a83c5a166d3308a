import Foundation
import WebRTC

protocol NativeMediaEngineDelegate: AnyObject {
    func media(_ engine: NativeMediaEngine, tellPage message: NativeToWeb)
    /// ICE restarts could not bring a live call's media back: the call ends with `media-lost`.
    func media(_ engine: NativeMediaEngine, lostMediaFor callId: UUID, why: String)
    /// A stats read found the call's selected candidate pair: its path, for the quality record.
    func media(_ engine: NativeMediaEngine, pathOf callId: UUID, is path: MediaPathKind)
}

/// The call media, in the app process where CallKit's audio session lives (field notes §3): per call
/// the two audio-only peer connections the page's BrowserMediaEngine would hold, negotiated with the
/// server over the shell's own socket (MediaNegotiation), so that they come up and recover while the
/// page is frozen.
///
/// The microphone track is attached when the server has the call (`join`), but nothing is captured
/// until CallAudioService turns call audio on, between CallKit's `didActivate` and the next event
/// that takes the session (`RTCAudioSession.useManualAudio`). `media.capture` tells the page when
/// the microphone feeds the upstream.
final class NativeMediaEngine {
    private final class Session {
        let callId: UUID
        var publisher: PeerConnectionLeg?
        var subscriber: PeerConnectionLeg?
        var sender: RTCRtpSender?
        var track: RTCAudioTrack?
        var muted = false
        var held = false
        var capturing = false
        let recovery: IceRecoveryDriver
        var reported: MediaConnectionState?
        /// Downstream offers not answered yet, oldest first, and whether one is being answered:
        /// `subscriberOffer` answers them one at a time.
        var pendingOffers: [String] = []
        var answeringOffer = false
        /// The last downstream offer applied: a resync after a reconnect carries it again.
        var lastOffer: String?
        /// The upstream's latest ICE restart: an answer to an earlier one (its request outlived its
        /// heal deadline) carries credentials the SFU has since replaced, and is dropped.
        var publisherRestart = 0

        init(callId: UUID, clock: RecoveryClock) {
            self.callId = callId
            recovery = IceRecoveryDriver(clock: clock)
        }

        var legs: [PeerConnectionLeg] { [publisher, subscriber].compactMap { $0 } }

        func leg(_ which: MediaLeg) -> PeerConnectionLeg? { which == .publisher ? publisher : subscriber }
    }

    weak var delegate: NativeMediaEngineDelegate?
    weak var negotiation: MediaNegotiation?

    private var factory: RTCPeerConnectionFactory
    private let audioDevice: RTCAudioDevice?
    private var sessions: [UUID: Session] = [:]
    private var audioEnabled = false
    private var iceServers: [IceServer] = []
    private let clock: RecoveryClock
    /// `RTCPeerConnection.close()` blocks until libwebrtc's signalling thread has torn the connection
    /// down: never on the main queue, never inside a CallKit action.
    private let closer = DispatchQueue(label: "app.softphone.shell.media.close", qos: .userInitiated)

    /// Create CallAudioService first (Shell does): manual audio must be on before any peer connection.
    /// `audioDevice`: QA builds' known-signal uplink (Shell/QA); nil is libwebrtc's own VPIO device.
    init(audioDevice: RTCAudioDevice? = nil, clock: RecoveryClock = MainQueueClock()) {
        RTCInitializeSSL()
        self.audioDevice = audioDevice
        self.clock = clock
        factory = Self.makeFactory(audioDevice)
    }

    private static func makeFactory(_ audioDevice: RTCAudioDevice?) -> RTCPeerConnectionFactory {
        let encoders = RTCDefaultVideoEncoderFactory()
        let decoders = RTCDefaultVideoDecoderFactory()
        guard let audioDevice else { return RTCPeerConnectionFactory(encoderFactory: encoders, decoderFactory: decoders) }
        return RTCPeerConnectionFactory(encoderFactory: encoders, decoderFactory: decoders, audioDevice: audioDevice)
    }

    // MARK: From the native socket

    /// The server has the call: negotiate the upstream now (transport up before the answer) with the
    /// microphone track attached; it captures only once call audio is on.
    func join(_ callId: UUID) {
        guard sessions[callId] == nil else { return }
        let session = Session(callId: callId, clock: clock)
        session.recovery.onRestart = { [weak self, weak session] leg, attempt, after in
            guard let self, let session else { return }
            Log.media.notice("ice restart \(leg.rawValue, privacy: .public) attempt=\(attempt, privacy: .public) after \(String(describing: after), privacy: .public) call=\(session.callId.wireString, privacy: .public)")
            self.report(session, .restarting)
            self.restartIce(session, leg)
        }
        session.recovery.onGiveUp = { [weak self, weak session] leg in
            guard let self, let session else { return }
            Log.media.error("media lost \(leg.rawValue, privacy: .public) call=\(session.callId.wireString, privacy: .public): ICE restarts did not reconnect")
            self.report(session, .lost)
            self.delegate?.media(self, lostMediaFor: session.callId, why: "\(leg.rawValue) ICE restarts did not reconnect")
        }
        sessions[callId] = session
        publish(session)
        updateCapture(session)
    }

    /// The partner's downstream offer: the first one makes the subscriber connection; a later one (the
    /// device that answered is not the one the caller first heard, a restart, a server change) is
    /// the same m-section (the server keeps its mid) answered on it. One at a time, in order, as the
    /// simulator's engine does: a second offer applied between the first's setRemote and its answer
    /// would leave the connection stable, and that answer would fail.
    func subscriberOffer(_ callId: UUID, sdp: String) {
        guard let session = sessions[callId] else { return }
        guard sdp != session.lastOffer, !session.pendingOffers.contains(sdp) else {
            Log.media.notice("downstream offer already answered call=\(callId.wireString, privacy: .public)")
            return
        }
        session.pendingOffers.append(sdp)
        answerNextOffer(session)
    }

    private func answerNextOffer(_ session: Session) {
        guard sessions[session.callId] === session, !session.answeringOffer, !session.pendingOffers.isEmpty else { return }
        let sdp = session.pendingOffers.removeFirst()
        let leg: PeerConnectionLeg
        if let existing = session.subscriber {
            leg = existing
        } else {
            guard let created = PeerConnectionLeg(leg: .subscriber, factory: factory, iceServers: iceServers) else {
                fail(session.callId, "no subscriber peer connection")
                return
            }
            created.delegate = self
            session.subscriber = created
            leg = created
        }
        session.answeringOffer = true
        session.lastOffer = sdp
        answer(offer: sdp, on: leg, session: session) { [weak self] _ in
            session.answeringOffer = false
            self?.answerNextOffer(session)
        }
    }

    // MARK: From CallKit and the page

    func setMuted(_ callId: UUID, _ muted: Bool) {
        guard let session = sessions[callId] else { return }
        session.muted = muted
        session.track?.isEnabled = !muted && !session.held
    }

    /// The page's hold: both directions paused in the media, the audio session left as it is.
    func setHeld(_ callId: UUID, _ held: Bool) {
        guard let session = sessions[callId] else { return }
        session.held = held
        session.track?.isEnabled = !session.muted && !held
        session.subscriber?.setRemoteAudioEnabled(!held)
    }

    func stop(_ callId: UUID) {
        guard let session = sessions.removeValue(forKey: callId) else { return }
        closeLegs(session)
        if session.capturing { tell(.capture(callId: callId, capturing: false)) }
    }

    var liveCallIds: [UUID] { Array(sessions.keys) }

    // MARK: ICE

    /// The server's ICE servers (TURN included), from the page's `media.ice-servers` or the shell's
    /// own welcome and renewals, whichever came last: for every leg from now on and the ones already up.
    func setIceServers(_ servers: [IceServer]) {
        iceServers = servers
        for session in sessions.values {
            for leg in session.legs { leg.setIceServers(servers) }
        }
        Log.media.notice("ice servers set count=\(servers.count, privacy: .public)")
    }

    /// The device changed network (Wi-Fi ↔ cellular, a new Wi-Fi): every connected leg restarts ICE
    /// at once instead of waiting for the old path to time out. It never ends a call: a leg that is
    /// healing keeps its deadline, one not yet connected its first negotiation (IceRecovery).
    func networkChanged() {
        for session in sessions.values {
            for leg in session.legs { recover(session, leg.leg, .networkChanged) } // [I12.10]
        }
    }

    /// Media services were reset: every audio object is gone, the audio device and the peer
    /// connections with them. A new factory (so a new audio device) and new connections for every
    /// call, negotiated again with the server: a new upstream publish, which the SFU takes in place
    /// of the old one; it closes the old transports, gives the partner the new producer and offers
    /// this device its downstream again on a new transport (MediaRoom `dropNativeMedia`), and that
    /// offer makes the new subscriber connection.
    func rebuildAfterMediaServicesReset() {
        let old = factory
        let rebuilt = Array(sessions.values)
        for session in rebuilt { closeLegs(session) }
        factory = Self.makeFactory(audioDevice)
        closer.async { withExtendedLifetime(old) {} }
        Log.media.notice("media rebuilt after media services reset calls=\(rebuilt.count, privacy: .public)")
        for session in rebuilt {
            session.track = nil
            session.sender = nil
            // Offers for the old subscriber connection are void; the server's next one is for the new.
            session.pendingOffers.removeAll()
            session.answeringOffer = false
            session.lastOffer = nil
            publish(session)
        }
    }

    // MARK: CallKit's audio (from CallAudioService)

    func setAudioEnabled(_ enabled: Bool) { // [F3.1]
        audioEnabled = enabled
        for session in sessions.values { updateCapture(session) }
    }

    // MARK: Stats

    func stats(_ callId: UUID, requestId: Int) {
        collectReports(callId) { [weak self] reports in
            guard let self else { return }
            // No session yet (the claim in flight): "no media yet", answered at once. Unanswered,
            // the page's audio monitor waited out its reply timeout and missed the call's first seconds.
            let stats = MediaStats(subscriber: reports?.downstream, publisher: reports?.upstream, at: Date())
            // The page polls stats through the call, so the path is read as often as the page reads
            // its own: the downstream leg's pair, as web/src/media/webrtc-stats.ts reads the page's.
            if let path = reports?.downstream?.selectedPath { self.delegate?.media(self, pathOf: callId, is: path) }
            self.tell(.stats(callId: callId, requestId: requestId, stats: stats))
        }
    }

    /// Both legs' libwebrtc reports, on the main queue; nil when the call has no session.
    func collectReports(_ callId: UUID, _ done: @escaping ((upstream: RTCStatisticsReport?, downstream: RTCStatisticsReport?)?) -> Void) {
        guard let session = sessions[callId] else {
            done(nil)
            return
        }
        let group = DispatchGroup()
        var downstream: RTCStatisticsReport?
        var upstream: RTCStatisticsReport?
        if let subscriber = session.subscriber {
            group.enter()
            subscriber.connection.statistics { report in
                DispatchQueue.main.async {
                    downstream = report
                    group.leave()
                }
            }
        }
        if let publisher = session.publisher {
            group.enter()
            publisher.connection.statistics { report in
                DispatchQueue.main.async {
                    upstream = report
                    group.leave()
                }
            }
        }
        group.notify(queue: .main) { done((upstream, downstream)) }
    }

    // MARK: Negotiation

    private func publish(_ session: Session) {
        let callId = session.callId
        guard let leg = PeerConnectionLeg(leg: .publisher, factory: factory, iceServers: iceServers) else {
            fail(callId, "no publisher peer connection")
            return
        }
        leg.delegate = self
        session.publisher = leg
        let transceiverInit = RTCRtpTransceiverInit()
        transceiverInit.direction = .sendOnly
        session.sender = leg.connection.addTransceiver(of: .audio, init: transceiverInit)?.sender
        let track = factory.audioTrack(with: factory.audioSource(with: nil), trackId: "mic-\(callId.wireString)")
        track.isEnabled = !session.muted && !session.held
        session.track = track
        session.sender?.track = track
        report(session, .connecting)
        leg.createOffer { [weak self] result in
            switch result {
            case let .success(sdp): self?.sendOffer(sdp, on: leg, session: session)
            case let .failure(error): self?.fail(callId, "publisher offer: \(error.localizedDescription)")
            }
        }
    }

    /// The upstream's offer to the server, and its answer back: `media:publish`.
    private func sendOffer(_ sdp: String, on leg: PeerConnectionLeg, session: Session) {
        let callId = session.callId
        negotiation?.publish(callId, offer: sdp) { [weak self] result in
            guard let self, self.sessions[callId] === session, session.publisher === leg else { return }
            switch result {
            case let .success(answer):
                leg.setRemote(.answer, sdp: answer) { error in
                    if let error { self.fail(callId, "publisher answer: \(error.localizedDescription)") }
                }
            case let .failure(error):
                self.fail(callId, "publisher publish: \(error.code)")
            }
        }
    }

    private func answer(offer sdp: String, on leg: PeerConnectionLeg, session: Session, done: @escaping (Bool) -> Void) {
        let callId = session.callId
        leg.setRemote(.offer, sdp: sdp) { [weak self] error in
            if let error {
                self?.fail(callId, "subscriber offer: \(error.localizedDescription)")
                done(false)
                return
            }
            // The remote track exists once the offer is applied: a held call keeps it paused.
            leg.setRemoteAudioEnabled(!session.held)
            leg.createAnswer { result in
                switch result {
                case let .success(local):
                    self?.negotiation?.answerSubscription(callId, sdp: local)
                    done(true)
                case let .failure(error):
                    self?.fail(callId, "subscriber answer: \(error.localizedDescription)")
                    done(false)
                }
            }
        }
    }

    // MARK: Recovery

    private func recover(_ session: Session, _ which: MediaLeg, _ event: IceRecovery.Event) {
        guard sessions[session.callId] === session else { return }
        session.recovery.handle(event, on: which)
        reportOverallState(session)
    }

    /// A real ICE restart on the SDP edge. The upstream offers again with new ICE credentials
    /// (`restartIce()` marks the next offer, RTCPeerConnection.h) and applies the SFU's answer with
    /// its restarted transport's; the downstream asks the SFU to restart and re-offer, and answers
    /// that offer like any other (in turn with earlier ones). A negotiation that fails is only
    /// logged: the heal deadline IceRecoveryDriver armed decides, and continual gathering may heal
    /// the leg without it. Nothing here tells the page `media.failed`, which would end the call.
    private func restartIce(_ session: Session, _ which: MediaLeg) {
        let callId = session.callId
        guard let leg = session.leg(which), let negotiation else { return }
        let failed: (String) -> Void = { why in
            Log.media.error("ice restart \(which.rawValue, privacy: .public) not negotiated call=\(callId.wireString, privacy: .public): \(why, privacy: .public)")
        }
        switch which {
        case .publisher:
            session.publisherRestart += 1
            let restart = session.publisherRestart
            leg.createOffer(iceRestart: true) { [weak self] result in
                switch result {
                case let .failure(error):
                    failed("offer: \(error.localizedDescription)")
                case let .success(offer):
                    negotiation.restartPublisher(callId, offer: offer) { answer in
                        guard let self, self.sessions[callId] === session, session.publisher === leg, session.publisherRestart == restart else { return }
                        switch answer {
                        case let .success(sdp):
                            leg.setRemote(.answer, sdp: sdp) { error in
                                if let error { failed("answer: \(error.localizedDescription)") }
                            }
                        case let .failure(error):
                            failed("media:publish-restart \(error.code)")
                        }
                    }
                }
            }
        case .subscriber:
            negotiation.restartSubscriber(callId) { [weak self] offer in
                switch offer {
                case let .success(sdp): self?.subscriberOffer(callId, sdp: sdp)
                case let .failure(error): failed("media:subscribe-restart \(error.code)")
                }
            }
        }
    }

    /// Connected when every leg that exists is; restarting while any recovery runs.
    private func reportOverallState(_ session: Session) {
        let legs = session.legs
        guard !legs.isEmpty, session.reported != .lost else { return }
        if session.recovery.restarting {
            report(session, .restarting)
        } else if legs.allSatisfy({ $0.state == .connected }) {
            report(session, .connected)
        }
    }

    private func report(_ session: Session, _ state: MediaConnectionState) {
        guard session.reported != state else { return }
        session.reported = state
        tell(.connection(callId: session.callId, state: state))
    }

    // MARK: Internals

    private func closeLegs(_ session: Session) {
        session.recovery.reset()
        let legs = session.legs
        for leg in legs { leg.markClosed() }
        session.publisher = nil
        session.subscriber = nil
        closer.async {
            for leg in legs { leg.closeConnection() }
        }
    }

    private func updateCapture(_ session: Session) {
        let capturing = session.track != nil && audioEnabled
        guard capturing != session.capturing else { return }
        session.capturing = capturing
        Log.media.notice("capture \(capturing ? "on" : "off", privacy: .public) call=\(session.callId.wireString, privacy: .public)")
        tell(.capture(callId: session.callId, capturing: capturing))
    }

    /// A media failure the call can't come back from (a publish refused or unacked, a downstream
    /// offer that can't be applied): the page hears why, and the call ends from here
    /// (`call:media-lost` on the shell's socket, CallKit `.failed`), not once a page that may be
    /// frozen on the lock screen runs again.
    private func fail(_ callId: UUID, _ why: String) {
        Log.media.error("media failed call=\(callId.wireString, privacy: .public): \(why, privacy: .public)")
        tell(.failed(callId: callId, why: String(why.prefix(500))))
        guard let session = sessions[callId], session.reported != .lost else { return }
        report(session, .lost)
        delegate?.media(self, lostMediaFor: callId, why: why)
    }

    private func tell(_ message: NativeToWeb) {
        delegate?.media(self, tellPage: message)
    }

    private func session(of leg: PeerConnectionLeg) -> Session? {
        sessions.values.first { $0.publisher === leg || $0.subscriber === leg }
    }
}

extension NativeMediaEngine: PeerConnectionLegDelegate {
    /// mediasoup is ICE-lite and needs none of our candidates: they travel in the offer.
    func leg(_ leg: PeerConnectionLeg, didGenerate candidate: IceCandidate?) {}

    func leg(_ leg: PeerConnectionLeg, didChange state: RTCPeerConnectionState) {
        guard let session = session(of: leg) else { return }
        switch state {
        case .connected: recover(session, leg.leg, .connected)
        case .disconnected: recover(session, leg.leg, .disconnected)
        case .failed: recover(session, leg.leg, .failed)
        default: reportOverallState(session)
        }
    }
}

extension MediaStats {
    /// The page's MediaStats from libwebrtc's reports: the same WebRTC stats names the browser reads.
    init(subscriber: RTCStatisticsReport?, publisher: RTCStatisticsReport?, at: Date) {
        let inboundRtp = subscriber?.audio("inbound-rtp")
        let outboundRtp = publisher?.audio("outbound-rtp")
        let source = publisher?.audio("media-source")
        let pair = publisher?.statistics.values.first {
            $0.type == "candidate-pair" && ($0.values["nominated"] as? NSNumber)?.boolValue == true
        }
        self.init(
            at: at.timeIntervalSince1970 * 1000,
            inbound: inboundRtp.map { s in
                Inbound(
                    packetsReceived: s.number("packetsReceived"),
                    packetsLost: s.number("packetsLost"),
                    totalSamplesReceived: s.number("totalSamplesReceived"),
                    concealedSamples: s.number("concealedSamples"),
                    totalAudioEnergy: s.number("totalAudioEnergy"),
                    totalSamplesDuration: s.number("totalSamplesDuration"),
                    jitter: s.number("jitter")
                )
            },
            outbound: outboundRtp.map { Outbound(packetsSent: $0.number("packetsSent")) },
            sourceLevel: (source?.values["audioLevel"] as? NSNumber)?.doubleValue,
            roundTripTime: (pair?.values["currentRoundTripTime"] as? NSNumber)?.doubleValue
        )
    }
}

extension RTCStatisticsReport {
    /// The audio entry of one stats type (`inbound-rtp`, `outbound-rtp`, `media-source`).
    func audio(_ type: String) -> RTCStatistics? {
        statistics.values.first { $0.type == type && ($0.values["kind"] as? String) == "audio" }
    }

    /// The path of the pair the media goes over, read as the page's `selectedPath`
    /// (web/src/media/selected-path.ts): the transport's `selectedCandidatePairId`, else the nominated
    /// succeeded pair; then its local candidate's `candidateType` and `relayProtocol` (W3C
    /// webrtc-stats names, which libwebrtc's RTCStatsCollector writes for the native SDK too).
    var selectedPath: MediaPathKind? {
        let all = statistics
        let selectedId = all.values.first { $0.type == "transport" }?.values["selectedCandidatePairId"] as? String
        let pair = selectedId.flatMap { all[$0] } ?? all.values.first {
            $0.type == "candidate-pair"
                && ($0.values["nominated"] as? NSNumber)?.boolValue == true
                && ($0.values["state"] as? String) == "succeeded"
        }
        guard let localId = pair?.values["localCandidateId"] as? String,
              let local = all[localId],
              let type = local.values["candidateType"] as? String
        else { return nil }
        return MediaPathKind(candidateType: type, relayProtocol: local.values["relayProtocol"] as? String)
    }
}

extension RTCStatistics {
    func number(_ key: String) -> Double { (values[key] as? NSNumber)?.doubleValue ?? 0 }
}
