import Foundation

/// The native engine's negotiation with the media server: everything media-specific the native
/// socket says, in this one file, because it follows the server's media edge.
///
/// The SFU is mediasoup behind a server-side SDP edge (`sfu/src/media/sdp-edge.ts`, requests in
/// `sfu/src/protocol/media.ts`): plain SDP offer/answer on two peer connections per party, the
/// party's upstream (`media:publish`: our offer in, the SFU's answer out) and the partner's
/// downstream (the server's `media:offer`, answered with `media:subscribe-answer`). mediasoup is
/// ICE-lite and puts its candidates in its SDP, so nothing is trickled. An ICE restart is SDP too:
/// the upstream's new offer (new ice-ufrag/ice-pwd) in `media:publish-restart`, answered with the
/// credentials of the SFU's restarted transport; for the downstream, `media:subscribe-restart` has
/// the SFU restart its transport and re-offer the same m-section, answered with
/// `media:subscribe-answer` (sfu/src/protocol/media.ts).
enum MediaWire {
    // Client → server requests.
    static let publish = "media:publish"
    static let subscribeAnswer = "media:subscribe-answer"
    static let publishRestart = "media:publish-restart"
    static let subscribeRestart = "media:subscribe-restart"
    // Server → client.
    static let offer = "media:offer"

    struct Sdp: Codable, Equatable {
        let callId: String
        let sdp: String
    }

    struct Call: Codable, Equatable {
        let callId: String
    }

    struct SdpResult: Decodable, Equatable {
        let sdp: String
    }

    struct OfferEvent: Decodable, Equatable {
        let callId: UUID
        let sdp: String
    }
}

/// What the native engine needs from the server to negotiate (NativeMediaEngine's only way out).
protocol MediaNegotiation: AnyObject {
    /// The upstream's offer; the server's answer comes back.
    func publish(_ callId: UUID, offer sdp: String, done: @escaping (Result<String, ProtocolError>) -> Void)
    /// The answer to the downstream's offer.
    func answerSubscription(_ callId: UUID, sdp: String)
    /// The upstream's ICE-restart offer; the answer of the SFU's restarted transport comes back.
    func restartPublisher(_ callId: UUID, offer sdp: String, done: @escaping (Result<String, ProtocolError>) -> Void)
    /// Has the SFU restart the downstream's transport; its new offer comes back.
    func restartSubscriber(_ callId: UUID, done: @escaping (Result<String, ProtocolError>) -> Void)
}

/// Where the server's media messages go.
protocol MediaNegotiatorDelegate: AnyObject {
    func negotiator(_ negotiator: MediaNegotiator, subscriberOffer sdp: String, for callId: UUID)
}

/// MediaNegotiation over the native socket.
final class MediaNegotiator: MediaNegotiation {
    weak var delegate: MediaNegotiatorDelegate?

    private let client: SignallingClient

    init(client: SignallingClient) {
        self.client = client
        client.on(MediaWire.offer, MediaWire.OfferEvent.self) { [weak self] offer in
            guard let self else { return }
            self.delegate?.negotiator(self, subscriberOffer: offer.sdp, for: offer.callId)
        }
        // A (re)connection's resync carries the partner's downstream as last sent to this device
        // (CallSession.deviceBack): an offer missed while away arrives here; one already answered
        // is recognised by the engine and left alone.
        client.on(CallControlWire.resync, CallResync.self) { [weak self] resync in
            guard let self, let sdp = resync.missedOffer else { return }
            self.delegate?.negotiator(self, subscriberOffer: sdp, for: resync.callId)
        }
    }

    func publish(_ callId: UUID, offer sdp: String, done: @escaping (Result<String, ProtocolError>) -> Void) {
        client.request(MediaWire.publish, MediaWire.Sdp(callId: callId.wireString, sdp: sdp), as: MediaWire.SdpResult.self) { result in
            done(result.map(\.sdp))
        }
    }

    func answerSubscription(_ callId: UUID, sdp: String) {
        client.request(MediaWire.subscribeAnswer, MediaWire.Sdp(callId: callId.wireString, sdp: sdp), as: CallControlWire.Empty.self) { _ in }
    }

    func restartPublisher(_ callId: UUID, offer sdp: String, done: @escaping (Result<String, ProtocolError>) -> Void) {
        client.request(MediaWire.publishRestart, MediaWire.Sdp(callId: callId.wireString, sdp: sdp), as: MediaWire.SdpResult.self) { result in
            done(result.map(\.sdp))
        }
    }

    func restartSubscriber(_ callId: UUID, done: @escaping (Result<String, ProtocolError>) -> Void) {
        client.request(MediaWire.subscribeRestart, MediaWire.Call(callId: callId.wireString), as: MediaWire.SdpResult.self) { result in
            done(result.map(\.sdp))
        }
    }
}
