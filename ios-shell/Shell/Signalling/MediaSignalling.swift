import Foundation

/// The native engine's negotiation with the media server: everything media-specific the native
/// socket says, in this one file, because it follows the server's media edge.
///
/// Today's protocol (`sfu/src/protocol/signalling.ts`): plain SDP offer/answer plus trickled local
/// candidates, two peer connections per party (the party's upstream, `publisher`, and the partner's
/// downstream, `subscriber`). The server is moving from relaying Janus's SDP to mediasoup behind a
/// server-side SDP edge that keeps speaking this; if that edge's messages change, only MediaWire and
/// MediaNegotiator change, not NativeMediaEngine.
enum MediaWire {
    // Client → server requests.
    static let publish = "media:publish"
    static let subscribeAnswer = "media:subscribe-answer"
    static let iceRestart = "media:ice-restart"
    static let trickle = "media:trickle"
    // Server → client.
    static let offer = "media:offer"

    struct Sdp: Codable, Equatable {
        let callId: String
        let sdp: String
    }

    struct SdpResult: Decodable, Equatable {
        let sdp: String
    }

    struct IceRestart: Encodable, Equatable {
        let callId: String
        let leg: MediaLeg
        /// The upstream's restart offer; absent for the downstream, whose new offer comes back.
        let sdp: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(callId, forKey: .callId)
            try c.encode(leg, forKey: .leg)
            // The server's schema has `sdp` optional, not nullable: leave the key out.
            try c.encodeIfPresent(sdp, forKey: .sdp)
        }
    }

    struct Trickle: Encodable, Equatable {
        let callId: String
        let leg: MediaLeg
        let candidate: IceCandidate?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(callId, forKey: .callId)
            try c.encode(leg, forKey: .leg)
            try c.encode(candidate, forKey: .candidate)
        }
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
    func trickle(_ callId: UUID, leg: MediaLeg, candidate: IceCandidate?)
    /// ICE restart: the upstream sends its new offer and gets the answer; the downstream sends
    /// nothing and gets the server's new offer, which it answers with `answerSubscription`.
    func restartIce(_ callId: UUID, leg: MediaLeg, offer sdp: String?, done: @escaping (Result<String, ProtocolError>) -> Void)
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
    }

    func publish(_ callId: UUID, offer sdp: String, done: @escaping (Result<String, ProtocolError>) -> Void) {
        client.request(MediaWire.publish, MediaWire.Sdp(callId: callId.wireString, sdp: sdp), as: MediaWire.SdpResult.self) { result in
            done(result.map(\.sdp))
        }
    }

    func answerSubscription(_ callId: UUID, sdp: String) {
        client.request(MediaWire.subscribeAnswer, MediaWire.Sdp(callId: callId.wireString, sdp: sdp), as: CallControlWire.Empty.self) { _ in }
    }

    func trickle(_ callId: UUID, leg: MediaLeg, candidate: IceCandidate?) {
        let payload = MediaWire.Trickle(callId: callId.wireString, leg: leg, candidate: candidate)
        client.request(MediaWire.trickle, payload, as: CallControlWire.Empty.self) { _ in }
    }

    func restartIce(_ callId: UUID, leg: MediaLeg, offer sdp: String?, done: @escaping (Result<String, ProtocolError>) -> Void) {
        let payload = MediaWire.IceRestart(callId: callId.wireString, leg: leg, sdp: sdp)
        client.request(MediaWire.iceRestart, payload, as: MediaWire.SdpResult.self) { result in
            done(result.map(\.sdp))
        }
    }
}
