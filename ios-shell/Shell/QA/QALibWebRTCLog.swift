#if QA
    import Foundation
    import WebRTC

    /// QA builds only, with `-SoftphoneQAStatsLog YES`: libwebrtc's own warnings and errors (audio
    /// unit, ICE, DTLS) as `.notice` lines in the `media` category, which syslog capture otherwise
    /// never sees (libwebrtc logs to stderr).
    final class QALibWebRTCLog {
        private let logger = RTCCallbackLogger()

        init() {
            logger.severity = .warning
            logger.start { message in
                Log.media.notice("libwebrtc \(message.trimmingCharacters(in: .whitespacesAndNewlines), privacy: .public)")
            }
        }

        deinit {
            logger.stop()
        }
    }
#endif
