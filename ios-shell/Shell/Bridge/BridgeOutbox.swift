import Foundation

/// The shell → page messages that wait for a page to take them, in order.
///
/// `window.__softphoneNative.receive` is a no-op until the page installs it, so anything sent before
/// `bridge.ready` is lost: after a lock-screen answer during a cold launch that was `callkit.answered`
/// and `audio.activated`, and the call stayed silent with nothing reported. Every message is queued
/// until the page says `bridge.ready`; when the page goes away (a navigation, a reload, the web
/// content process killed) the outbox is closed again until the next page's `bridge.ready`. The page
/// that has just become ready then gets the queue, the token and a snapshot of every live call
/// (ShellCoordinator), because what the previous page was told died with it.
///
/// Pure and main-queue only; ShellTests/BridgeOutboxTests runs it.
struct BridgeOutbox<Message> {
    /// A page that never loads must not grow the queue without bound: past this the oldest goes.
    static var capacity: Int { 512 }

    private(set) var isOpen = false
    private(set) var queued: [Message] = []
    private(set) var dropped = 0

    /// A message to deliver now (the page is ready), or nil when it was queued.
    mutating func send(_ message: Message) -> Message? {
        guard isOpen else {
            if queued.count >= Self.capacity {
                queued.removeFirst()
                dropped += 1
            }
            queued.append(message)
            return nil
        }
        return message
    }

    /// `bridge.ready`: everything queued, oldest first, for delivery now.
    mutating func open() -> [Message] {
        isOpen = true
        defer { queued.removeAll() }
        return queued
    }

    /// The page is gone: queue from now on.
    mutating func close() {
        isOpen = false
    }
}
