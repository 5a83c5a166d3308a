import Foundation
import WebRTC

protocol PeerConnectionLegDelegate: AnyObject {
    func leg(_ leg: PeerConnectionLeg, didGenerate candidate: IceCandidate?)
    func leg(_ leg: PeerConnectionLeg, didChange state: RTCPeerConnectionState)
}

/// One of a call's two peer connections to the media server, as in the page's BrowserMediaEngine:
/// the party's upstream (`publisher`, send-only) or the partner's downstream (`subscriber`).
/// libwebrtc calls its delegate on its signalling thread; everything here is handed to the main
/// queue, and nothing is reported once the shell has closed the leg.
final class PeerConnectionLeg: NSObject {
    let leg: MediaLeg
    let connection: RTCPeerConnection
    weak var delegate: PeerConnectionLegDelegate?

    private(set) var state: RTCPeerConnectionState = .new
    /// Set on the main queue before `close()` runs (off it): nothing after that reaches the delegate.
    private var closedByUs = false

    init?(leg: MediaLeg, factory: RTCPeerConnectionFactory, iceServers: [IceServer]) {
        let constraints = RTCMediaConstraints(mandatoryConstraints: nil, optionalConstraints: nil)
        guard let connection = factory.peerConnection(with: Self.configuration(iceServers), constraints: constraints, delegate: nil) else {
            return nil
        }
        self.leg = leg
        self.connection = connection
        super.init()
        connection.delegate = self
    }

    /// TURN from the page (`media.ice-servers`); gathering goes on after the first pass so that a new
    /// network's candidates are found without waiting for a restart.
    static func configuration(_ iceServers: [IceServer]) -> RTCConfiguration {
        let configuration = RTCConfiguration()
        configuration.sdpSemantics = .unifiedPlan
        configuration.bundlePolicy = .maxBundle
        configuration.rtcpMuxPolicy = .require
        configuration.continualGatheringPolicy = .gatherContinually
        configuration.iceServers = iceServers.map {
            RTCIceServer(urlStrings: $0.urls, username: $0.username, credential: $0.credential)
        }
        return configuration
    }

    func setIceServers(_ iceServers: [IceServer]) {
        if !connection.setConfiguration(Self.configuration(iceServers)) {
            Log.media.error("\(self.leg.rawValue, privacy: .public): ICE servers not applied")
        }
    }

    /// `iceRestart`: new ICE credentials in this offer. `restartIce()` "triggers a need for
    /// negotiation and subsequent offerForConstraints:completionHandler call will act as if
    /// RTCOfferAnswerOptions::ice_restart is true" (WebRTC's sdk/objc/api/peerconnection/RTCPeerConnection.h).
    func createOffer(iceRestart: Bool = false, _ done: @escaping (Result<String, Error>) -> Void) {
        if iceRestart { connection.restartIce() }
        connection.offer(for: Self.noConstraints) { [weak self] description, error in
            self?.setLocal(description, error, done)
        }
    }

    func createAnswer(_ done: @escaping (Result<String, Error>) -> Void) {
        connection.answer(for: Self.noConstraints) { [weak self] description, error in
            self?.setLocal(description, error, done)
        }
    }

    func setRemote(_ type: RTCSdpType, sdp: String, _ done: @escaping (Error?) -> Void) {
        connection.setRemoteDescription(RTCSessionDescription(type: type, sdp: sdp)) { error in
            DispatchQueue.main.async { done(error) }
        }
    }

    /// The remote audio this leg plays (the downstream's receiver track).
    func setRemoteAudioEnabled(_ enabled: Bool) {
        for transceiver in connection.transceivers {
            (transceiver.receiver.track as? RTCAudioTrack)?.isEnabled = enabled
        }
    }

    /// Main queue: stops all reporting. The blocking `RTCPeerConnection.close()` is the caller's to
    /// run off the main queue (`closeConnection`).
    func markClosed() {
        closedByUs = true
    }

    func closeConnection() {
        connection.close()
    }

    private static let noConstraints = RTCMediaConstraints(mandatoryConstraints: nil, optionalConstraints: nil)

    private func setLocal(_ description: RTCSessionDescription?, _ error: Error?, _ done: @escaping (Result<String, Error>) -> Void) {
        guard let description else {
            DispatchQueue.main.async { done(.failure(error ?? MediaError.noDescription)) }
            return
        }
        connection.setLocalDescription(description) { error in
            DispatchQueue.main.async { done(error.map { .failure($0) } ?? .success(description.sdp)) }
        }
    }
}

enum MediaError: Error {
    case noDescription
}

extension PeerConnectionLeg: RTCPeerConnectionDelegate {
    func peerConnection(_ peerConnection: RTCPeerConnection, didChange stateChanged: RTCSignalingState) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didAdd stream: RTCMediaStream) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didRemove stream: RTCMediaStream) {}

    func peerConnectionShouldNegotiate(_ peerConnection: RTCPeerConnection) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didChange newState: RTCIceConnectionState) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didChange newState: RTCIceGatheringState) {
        guard newState == .complete else { return }
        DispatchQueue.main.async {
            guard !self.closedByUs else { return }
            self.delegate?.leg(self, didGenerate: nil)
        }
    }

    func peerConnection(_ peerConnection: RTCPeerConnection, didGenerate candidate: RTCIceCandidate) {
        let wire = IceCandidate(candidate: candidate.sdp, sdpMid: candidate.sdpMid, sdpMLineIndex: Int(candidate.sdpMLineIndex))
        DispatchQueue.main.async {
            guard !self.closedByUs else { return }
            self.delegate?.leg(self, didGenerate: wire)
        }
    }

    func peerConnection(_ peerConnection: RTCPeerConnection, didRemove candidates: [RTCIceCandidate]) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didOpen dataChannel: RTCDataChannel) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didChange newState: RTCPeerConnectionState) {
        DispatchQueue.main.async {
            guard !self.closedByUs else { return }
            self.state = newState
            Log.media.notice("\(self.leg.rawValue, privacy: .public) connection \(Self.name(newState), privacy: .public)")
            self.delegate?.leg(self, didChange: newState)
        }
    }

    static func name(_ state: RTCPeerConnectionState) -> String {
        switch state {
        case .new: return "new"
        case .connecting: return "connecting"
        case .connected: return "connected"
        case .disconnected: return "disconnected"
        case .failed: return "failed"
        case .closed: return "closed"
        @unknown default: return "unknown"
        }
    }
}
