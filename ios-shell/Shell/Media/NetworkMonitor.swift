import Foundation
import Network

/// Tells the media engine when the device moves to another network (Wi-Fi ↔ cellular, one Wi-Fi to
/// another), so that ICE restarts at once instead of waiting for the old path to time out.
final class NetworkMonitor {
    var onChange: ((_ description: String) -> Void)?

    private let monitor = NWPathMonitor()
    private let queue = DispatchQueue(label: "app.softphone.shell.network")
    private var last: String?

    func start() {
        monitor.pathUpdateHandler = { [weak self] path in
            let description = Self.describe(path)
            DispatchQueue.main.async { self?.update(description, satisfied: path.status == .satisfied) }
        }
        monitor.start(queue: queue)
    }

    /// `wifi:en0` or `cellular:pdp_ip0`: the interface the system routes through first.
    private static func describe(_ path: NWPath) -> String {
        guard let first = path.availableInterfaces.first else { return "none" }
        let kind: String
        switch first.type {
        case .wifi: kind = "wifi"
        case .cellular: kind = "cellular"
        case .wiredEthernet: kind = "wired"
        case .loopback: kind = "loopback"
        case .other: kind = "other"
        @unknown default: kind = "unknown"
        }
        return "\(kind):\(first.name)"
    }

    private func update(_ description: String, satisfied: Bool) {
        defer { last = description }
        guard satisfied, let last, last != description else { return }
        Log.media.notice("network changed from=\(last, privacy: .public) to=\(description, privacy: .public)")
        onChange?(description)
    }
}
