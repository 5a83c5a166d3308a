import Foundation
import WebRTC

protocol NativeMediaEngineDelegate: AnyObject {
    func media(_ engine: NativeMediaEngine, tellPage message: NativeToWeb)
    /// A connection closed for good while its call was live: the far end hung up (decision table A8).
    func media(_ engine: NativeMediaEngine, connectionEndedFor callId: UUID, why: String)
}

/// The call media, in the app process where CallKit's audio session lives (field notes §3): per call
/// the two audio-only peer connections the page's BrowserMediaEngine would hold, driven over the
/// bridge by the page (SDP in, offers, answers, candidates and stats out).
///
/// Capture is gated twice: the page's activation step must have sent `media.start` (the microphone
/// track is attached then), and the audio unit runs only while CallAudioService has call audio on,
/// between `didActivate` and `didDeactivate` (`RTCAudioSession.useManualAudio`). `media.capture`
/// tells the page when both hold.
final class NativeMediaEngine {
    private final class Session {
        let callId: UUID
        var publisher: PeerConnectionLeg?
        var subscriber: PeerConnectionLeg?
        var sender: RTCRtpSender?
        var track: RTCAudioTrack?
        var started = false
        var muted = false
        var capturing = false

        init(callId: UUID) {
            self.callId = callId
        }

        func close() {
            publisher?.close()
            subscriber?.close()
        }
    }

    weak var delegate: NativeMediaEngineDelegate?

    private let factory: RTCPeerConnectionFactory
    private var sessions: [UUID: Session] = [:]
    private var audioEnabled = false

    /// Create CallAudioService first (Shell does): manual audio must be on before any peer connection.
    init() {
        RTCInitializeSSL()
        factory = RTCPeerConnectionFactory(
            encoderFactory: RTCDefaultVideoEncoderFactory(),
            decoderFactory: RTCDefaultVideoDecoderFactory()
        )
    }

    // MARK: Page → engine

    /// The upstream, negotiated while ringing with a sender and no track: transport is up before the
    /// answer, and nothing is captured.
    func prepare(_ callId: UUID) {
        guard sessions[callId] == nil else { return }
        let session = Session(callId: callId)
        sessions[callId] = session
        guard let leg = PeerConnectionLeg(leg: .publisher, factory: factory) else {
            fail(callId, "no peer connection")
            return
        }
        leg.delegate = self
        session.publisher = leg
        let transceiverInit = RTCRtpTransceiverInit()
        transceiverInit.direction = .sendOnly
        session.sender = leg.connection.addTransceiver(of: .audio, init: transceiverInit)?.sender
        leg.createOffer { [weak self] result in
            switch result {
            case let .success(sdp): self?.tell(.localOffer(callId: callId, sdp: sdp))
            case let .failure(error): self?.fail(callId, "publisher offer: \(error.localizedDescription)")
            }
        }
    }

    func publisherAnswer(_ callId: UUID, sdp: String) {
        sessions[callId]?.publisher?.setRemote(.answer, sdp: sdp) { [weak self] error in
            if let error { self?.fail(callId, "publisher answer: \(error.localizedDescription)") }
        }
    }

    func subscriberOffer(_ callId: UUID, sdp: String) {
        guard let session = sessions[callId], session.subscriber == nil,
              let leg = PeerConnectionLeg(leg: .subscriber, factory: factory)
        else { return }
        leg.delegate = self
        session.subscriber = leg
        leg.setRemote(.offer, sdp: sdp) { [weak self] error in
            if let error {
                self?.fail(callId, "subscriber offer: \(error.localizedDescription)")
                return
            }
            leg.createAnswer { result in
                switch result {
                case let .success(local): self?.tell(.localAnswer(callId: callId, sdp: local))
                case let .failure(error): self?.fail(callId, "subscriber answer: \(error.localizedDescription)")
                }
            }
        }
    }

    /// The page's activation step passed: attach the microphone. It captures once audio is on.
    func start(_ callId: UUID) {
        guard let session = sessions[callId] else { return }
        session.started = true
        if session.track == nil {
            let track = factory.audioTrack(with: factory.audioSource(with: nil), trackId: "mic-\(callId.wireString)")
            track.isEnabled = !session.muted
            session.track = track
            session.sender?.track = track
        }
        updateCapture(session)
    }

    func setMuted(_ callId: UUID, _ muted: Bool) {
        guard let session = sessions[callId] else { return }
        session.muted = muted
        session.track?.isEnabled = !muted
    }

    func stats(_ callId: UUID, requestId: Int) {
        guard let session = sessions[callId] else { return }
        let group = DispatchGroup()
        var inbound: RTCStatisticsReport?
        var outbound: RTCStatisticsReport?
        if let subscriber = session.subscriber {
            group.enter()
            subscriber.connection.statistics { report in
                DispatchQueue.main.async {
                    inbound = report
                    group.leave()
                }
            }
        }
        if let publisher = session.publisher {
            group.enter()
            publisher.connection.statistics { report in
                DispatchQueue.main.async {
                    outbound = report
                    group.leave()
                }
            }
        }
        group.notify(queue: .main) { [weak self] in
            let stats = MediaStats(subscriber: inbound, publisher: outbound, at: Date())
            self?.tell(.stats(callId: callId, requestId: requestId, stats: stats))
        }
    }

    func stop(_ callId: UUID) {
        guard let session = sessions.removeValue(forKey: callId) else { return }
        session.close()
        if session.capturing { tell(.capture(callId: callId, capturing: false)) }
    }

    // MARK: CallKit's audio (from CallAudioService)

    func setAudioEnabled(_ enabled: Bool) { // [F3.1]
        audioEnabled = enabled
        for session in sessions.values { updateCapture(session) }
    }

    // MARK: Internals

    private func updateCapture(_ session: Session) {
        let capturing = session.started && audioEnabled
        guard capturing != session.capturing else { return }
        session.capturing = capturing
        Log.media.notice("capture \(capturing ? "on" : "off", privacy: .public) call=\(session.callId.wireString, privacy: .public)")
        tell(.capture(callId: session.callId, capturing: capturing))
    }

    private func fail(_ callId: UUID, _ why: String) {
        Log.media.error("media failed call=\(callId.wireString, privacy: .public): \(why, privacy: .public)")
        tell(.failed(callId: callId, why: String(why.prefix(500))))
    }

    private func tell(_ message: NativeToWeb) {
        delegate?.media(self, tellPage: message)
    }

    private func session(of leg: PeerConnectionLeg) -> Session? {
        sessions.values.first { $0.publisher === leg || $0.subscriber === leg }
    }
}

extension NativeMediaEngine: PeerConnectionLegDelegate {
    func leg(_ leg: PeerConnectionLeg, didGenerate candidate: IceCandidate?) {
        guard let session = session(of: leg) else { return }
        tell(.candidate(callId: session.callId, leg: leg.leg, candidate: candidate))
    }

    func leg(_ leg: PeerConnectionLeg, didEnd why: String) {
        guard let session = session(of: leg) else { return }
        delegate?.media(self, connectionEndedFor: session.callId, why: why)
    }
}

extension MediaStats {
    /// The page's MediaStats from libwebrtc's reports: the same WebRTC stats names the browser reads.
    init(subscriber: RTCStatisticsReport?, publisher: RTCStatisticsReport?, at: Date) {
        func number(_ s: RTCStatistics, _ key: String) -> Double { (s.values[key] as? NSNumber)?.doubleValue ?? 0 }
        let inboundRtp = subscriber?.statistics.values.first {
            $0.type == "inbound-rtp" && ($0.values["kind"] as? String) == "audio"
        }
        let outboundRtp = publisher?.statistics.values.first {
            $0.type == "outbound-rtp" && ($0.values["kind"] as? String) == "audio"
        }
        let source = publisher?.statistics.values.first {
            $0.type == "media-source" && ($0.values["kind"] as? String) == "audio"
        }
        let pair = publisher?.statistics.values.first {
            $0.type == "candidate-pair" && ($0.values["nominated"] as? NSNumber)?.boolValue == true
        }
        self.init(
            at: at.timeIntervalSince1970 * 1000,
            inbound: inboundRtp.map { s in
                Inbound(
                    packetsReceived: number(s, "packetsReceived"),
                    packetsLost: number(s, "packetsLost"),
                    totalSamplesReceived: number(s, "totalSamplesReceived"),
                    concealedSamples: number(s, "concealedSamples"),
                    totalAudioEnergy: number(s, "totalAudioEnergy"),
                    totalSamplesDuration: number(s, "totalSamplesDuration"),
                    jitter: number(s, "jitter")
                )
            },
            outbound: outboundRtp.map { Outbound(packetsSent: number($0, "packetsSent")) },
            sourceLevel: (source?.values["audioLevel"] as? NSNumber)?.doubleValue,
            roundTripTime: (pair?.values["currentRoundTripTime"] as? NSNumber)?.doubleValue
        )
    }
}
