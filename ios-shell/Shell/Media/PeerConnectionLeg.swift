import Foundation
import WebRTC

protocol PeerConnectionLegDelegate: AnyObject {
    func leg(_ leg: PeerConnectionLeg, didGenerate candidate: IceCandidate?)
    /// The connection is gone for good: failed, or closed by the far end.
    func leg(_ leg: PeerConnectionLeg, didEnd why: String)
}

/// One of a call's two plain-SDP peer connections to the SFU (the server's SDP edge turns them into
/// mediasoup transports): the party's upstream (`publisher`, send-only) or the partner's downstream
/// (`subscriber`). libwebrtc calls its
/// delegate on its signalling thread; everything here is handed to the main queue.
final class PeerConnectionLeg: NSObject {
    let leg: MediaLeg
    let connection: RTCPeerConnection
    weak var delegate: PeerConnectionLegDelegate?

    /// ICE "disconnected" often recovers by itself; this long without recovery, the far end is gone.
    static let disconnectedGrace: TimeInterval = 10

    private var closedByUs = false
    private var disconnectTimer: DispatchWorkItem?

    init?(leg: MediaLeg, factory: RTCPeerConnectionFactory) {
        let configuration = RTCConfiguration()
        configuration.sdpSemantics = .unifiedPlan
        configuration.bundlePolicy = .maxBundle
        configuration.rtcpMuxPolicy = .require
        configuration.iceServers = []
        configuration.continualGatheringPolicy = .gatherOnce
        let constraints = RTCMediaConstraints(mandatoryConstraints: nil, optionalConstraints: nil)
        guard let connection = factory.peerConnection(with: configuration, constraints: constraints, delegate: nil) else {
            return nil
        }
        self.leg = leg
        self.connection = connection
        super.init()
        connection.delegate = self
    }

    func createOffer(_ done: @escaping (Result<String, Error>) -> Void) {
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

    func close() {
        closedByUs = true
        disconnectTimer?.cancel()
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

    private func stateChanged(_ state: RTCPeerConnectionState) {
        guard !closedByUs else { return }
        switch state {
        case .failed:
            delegate?.leg(self, didEnd: "\(leg.rawValue) connection failed")
        case .closed:
            delegate?.leg(self, didEnd: "\(leg.rawValue) connection closed by the far end")
        case .disconnected:
            let timer = DispatchWorkItem { [weak self] in
                guard let self, !self.closedByUs else { return }
                self.delegate?.leg(self, didEnd: "\(self.leg.rawValue) connection lost")
            }
            disconnectTimer = timer
            DispatchQueue.main.asyncAfter(deadline: .now() + Self.disconnectedGrace, execute: timer)
        case .connected:
            disconnectTimer?.cancel()
        default:
            break
        }
    }
}

enum MediaError: Error {
    case noDescription
    case noPeerConnection
}

extension PeerConnectionLeg: RTCPeerConnectionDelegate {
    func peerConnection(_ peerConnection: RTCPeerConnection, didChange stateChanged: RTCSignalingState) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didAdd stream: RTCMediaStream) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didRemove stream: RTCMediaStream) {}

    func peerConnectionShouldNegotiate(_ peerConnection: RTCPeerConnection) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didChange newState: RTCIceConnectionState) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didChange newState: RTCIceGatheringState) {
        guard newState == .complete else { return }
        DispatchQueue.main.async { self.delegate?.leg(self, didGenerate: nil) }
    }

    func peerConnection(_ peerConnection: RTCPeerConnection, didGenerate candidate: RTCIceCandidate) {
        let wire = IceCandidate(candidate: candidate.sdp, sdpMid: candidate.sdpMid, sdpMLineIndex: Int(candidate.sdpMLineIndex))
        DispatchQueue.main.async { self.delegate?.leg(self, didGenerate: wire) }
    }

    func peerConnection(_ peerConnection: RTCPeerConnection, didRemove candidates: [RTCIceCandidate]) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didOpen dataChannel: RTCDataChannel) {}

    func peerConnection(_ peerConnection: RTCPeerConnection, didChange newState: RTCPeerConnectionState) {
        DispatchQueue.main.async { self.stateChanged(newState) }
    }
}
