#if QA
    import Foundation
    import WebRTC

    /// QA builds only, with `-SoftphoneQAStatsLog YES`: once a second while a call has media, one
    /// `.notice` public line per direction in the `qa` category, so a device farm's syslog capture
    /// sees whether audio flows both ways even while the phone is locked and the page is frozen:
    ///
    ///     qa-stats dir=up call=6f1c… packets=2450 level=0.031 energy=0.84 uplink=microphone category=AVAudioSessionCategoryPlayAndRecord mode=AVAudioSessionModeVoiceChat active=true rtcActive=true route=receiver
    ///     qa-stats dir=down call=6f1c… packets=2448 lost=0 level=0.020 energy=0.51 concealed=960 samples=1176000 category=… mode=… active=true rtcActive=true route=receiver
    ///
    /// `packets`, `energy`, `concealed` and `samples` are libwebrtc's cumulative counters (a rising
    /// `packets` with a flat `energy` is silence on the wire); `level` is the last audioLevel.
    final class QACallStatsLog {
        private let media: NativeMediaEngine
        private let audio: CallAudioService
        private let tone: QAToneAudioDevice?
        private var timer: Timer?

        init(media: NativeMediaEngine, audio: CallAudioService, tone: QAToneAudioDevice?) {
            self.media = media
            self.audio = audio
            self.tone = tone
        }

        /// Runs while any call has media; call after a call joins or stops.
        func update() {
            let wanted = QASwitches.statsLog && !media.liveCallIds.isEmpty
            if wanted, timer == nil {
                let timer = Timer(timeInterval: 1, repeats: true) { [weak self] _ in self?.tick() }
                // .common: keeps firing while the UI tracks a touch.
                RunLoop.main.add(timer, forMode: .common)
                self.timer = timer
            } else if !wanted, let timer {
                timer.invalidate()
                self.timer = nil
            }
        }

        private func tick() {
            let session = audio.sessionSummary
            let uplink = tone == nil ? "microphone" : "known-signal"
            for callId in media.liveCallIds {
                media.collectReports(callId) { [weak self] reports in
                    guard let reports else { return }
                    let call = callId.wireString
                    let up = reports.upstream?.audio("outbound-rtp")
                    let source = reports.upstream?.audio("media-source")
                    Log.qa.notice(
                        "qa-stats dir=up call=\(call, privacy: .public) packets=\(Int(up?.number("packetsSent") ?? 0), privacy: .public) level=\(Self.format(source?.number("audioLevel")), privacy: .public) energy=\(Self.format(source?.number("totalAudioEnergy")), privacy: .public) uplink=\(uplink, privacy: .public) \(session, privacy: .public)"
                    )
                    let down = reports.downstream?.audio("inbound-rtp")
                    let playout = self?.tone.map { " playoutRms=\(Self.format($0.playoutRMS))" } ?? ""
                    Log.qa.notice(
                        "qa-stats dir=down call=\(call, privacy: .public) packets=\(Int(down?.number("packetsReceived") ?? 0), privacy: .public) lost=\(Int(down?.number("packetsLost") ?? 0), privacy: .public) level=\(Self.format(down?.number("audioLevel")), privacy: .public) energy=\(Self.format(down?.number("totalAudioEnergy")), privacy: .public) concealed=\(Int(down?.number("concealedSamples") ?? 0), privacy: .public) samples=\(Int(down?.number("totalSamplesReceived") ?? 0), privacy: .public)\(playout, privacy: .public) \(session, privacy: .public)"
                    )
                }
            }
        }

        private static func format(_ value: Double?) -> String {
            guard let value else { return "-" }
            return String(format: "%.3f", value)
        }
    }
#endif
