#if QA
    import AudioToolbox
    import Foundation
    import WebRTC

    /// QA builds only, and only with `-SoftphoneKnownSignalUplink YES`: a libwebrtc audio device
    /// (`RTCAudioDevice`) whose "microphone" is a 1 kHz sine at -12 dBFS and whose "speaker" is a
    /// meter, so that the far end can check the uplink against a known signal and the syslog shows
    /// the downlink's level while the phone is locked.
    ///
    /// KNOWN-SIGNAL MODE IS NOT THE REAL AUDIO PATH: it bypasses the VoIP audio unit (no echo
    /// cancellation, nothing on the receiver or speaker), so it proves the network and the peer
    /// connections, not the microphone. It keeps the one audio rule, though: it delivers samples
    /// only while CallAudioService has call audio on (between CallKit's `didActivate` and the next
    /// event that takes the session), so nothing is "captured" before activation here either.
    ///
    /// Thread-safe by a lock that is never held while calling into libwebrtc.
    final class QAToneAudioDevice: NSObject, RTCAudioDevice {
        static let frequency = 1000.0
        /// -12 dBFS.
        static let amplitude = 0.25
        private static let rate = 48000.0
        private static let frames: UInt32 = 480 // 10 ms

        private let lock = NSLock()
        private let queue = DispatchQueue(label: "app.softphone.shell.qa.tone", qos: .userInteractive)
        private var timer: DispatchSourceTimer?
        private var delegate: RTCAudioDeviceDelegate?
        private var initialized = false
        private var playoutInitialized = false
        private var recordingInitialized = false
        private var playing = false
        private var recording = false
        private var gateOpen = false
        private var phase = 0.0
        private var sampleTime = 0.0
        private var playoutSquares = 0.0
        private var playoutCount = 0
        private var lastPlayoutRMS = 0.0

        /// CallAudioService's call audio: the tone flows only while it is on.
        func setAudioEnabled(_ enabled: Bool) {
            locked { gateOpen = enabled }
        }

        /// The downlink's RMS over the last second, 0…1 of full scale.
        var playoutRMS: Double { locked { lastPlayoutRMS } }

        // MARK: RTCAudioDevice

        var deviceInputSampleRate: Double { Self.rate }
        var inputIOBufferDuration: TimeInterval { 0.01 }
        var inputNumberOfChannels: Int { 1 }
        var inputLatency: TimeInterval { 0 }
        var deviceOutputSampleRate: Double { Self.rate }
        var outputIOBufferDuration: TimeInterval { 0.01 }
        var outputNumberOfChannels: Int { 1 }
        var outputLatency: TimeInterval { 0 }
        var isInitialized: Bool { locked { initialized } }
        var isPlayoutInitialized: Bool { locked { playoutInitialized } }
        var isPlaying: Bool { locked { playing } }
        var isRecordingInitialized: Bool { locked { recordingInitialized } }
        var isRecording: Bool { locked { recording } }

        func initialize(with delegate: RTCAudioDeviceDelegate) -> Bool {
            locked {
                self.delegate = delegate
                initialized = true
            }
            Log.qa.notice("KNOWN-SIGNAL UPLINK: 1 kHz tone instead of the microphone (QA build)")
            return true
        }

        func terminateDevice() -> Bool {
            stopTimer()
            locked {
                delegate = nil
                initialized = false
                playing = false
                recording = false
            }
            return true
        }

        func initializePlayout() -> Bool { locked { playoutInitialized = true }; return true }

        func startPlayout() -> Bool {
            locked { playing = true }
            startTimer()
            return true
        }

        func stopPlayout() -> Bool {
            locked { playing = false }
            stopTimerIfIdle()
            return true
        }

        func initializeRecording() -> Bool { locked { recordingInitialized = true }; return true }

        func startRecording() -> Bool {
            locked { recording = true }
            startTimer()
            return true
        }

        func stopRecording() -> Bool {
            locked { recording = false }
            stopTimerIfIdle()
            return true
        }

        // MARK: The 10 ms clock

        private func startTimer() {
            let start: Bool = locked {
                guard timer == nil else { return false }
                let source = DispatchSource.makeTimerSource(queue: queue)
                source.schedule(deadline: .now(), repeating: .milliseconds(10), leeway: .milliseconds(1))
                source.setEventHandler { [weak self] in self?.tick() }
                timer = source
                return true
            }
            if start { locked { timer }?.resume() }
        }

        private func stopTimerIfIdle() {
            if locked({ !playing && !recording }) { stopTimer() }
        }

        private func stopTimer() {
            let source: DispatchSourceTimer? = locked {
                defer { timer = nil }
                return timer
            }
            source?.cancel()
        }

        private func tick() {
            let (delegate, record, play) = locked { (self.delegate, recording && gateOpen, playing) }
            guard let delegate else { return }
            var timestamp = AudioTimeStamp()
            timestamp.mSampleTime = sampleTime
            timestamp.mFlags = .sampleTimeValid
            sampleTime += Double(Self.frames)
            if record { deliverTone(to: delegate, at: &timestamp) }
            if play { meterPlayout(from: delegate, at: &timestamp) }
        }

        private func deliverTone(to delegate: RTCAudioDeviceDelegate, at timestamp: inout AudioTimeStamp) {
            var samples = [Int16](repeating: 0, count: Int(Self.frames))
            let step = 2 * Double.pi * Self.frequency / Self.rate
            for i in samples.indices {
                samples[i] = Int16(sin(phase) * Self.amplitude * Double(Int16.max))
                phase += step
            }
            phase = phase.truncatingRemainder(dividingBy: 2 * Double.pi)
            samples.withUnsafeMutableBytes { raw in
                var list = AudioBufferList(
                    mNumberBuffers: 1,
                    mBuffers: AudioBuffer(mNumberChannels: 1, mDataByteSize: UInt32(raw.count), mData: raw.baseAddress)
                )
                var flags = AudioUnitRenderActionFlags()
                _ = delegate.deliverRecordedData(&flags, &timestamp, 1, Self.frames, &list, nil, nil)
            }
        }

        private func meterPlayout(from delegate: RTCAudioDeviceDelegate, at timestamp: inout AudioTimeStamp) {
            var samples = [Int16](repeating: 0, count: Int(Self.frames))
            let squares: Double = samples.withUnsafeMutableBytes { raw in
                var list = AudioBufferList(
                    mNumberBuffers: 1,
                    mBuffers: AudioBuffer(mNumberChannels: 1, mDataByteSize: UInt32(raw.count), mData: raw.baseAddress)
                )
                var flags = AudioUnitRenderActionFlags()
                guard delegate.getPlayoutData(&flags, &timestamp, 0, Self.frames, &list) == noErr else { return 0 }
                return raw.bindMemory(to: Int16.self).reduce(0.0) { sum, s in
                    let x = Double(s) / Double(Int16.max)
                    return sum + x * x
                }
            }
            locked {
                playoutSquares += squares
                playoutCount += Int(Self.frames)
                if playoutCount >= Int(Self.rate) {
                    lastPlayoutRMS = (playoutSquares / Double(playoutCount)).squareRoot()
                    playoutSquares = 0
                    playoutCount = 0
                }
            }
        }

        private func locked<T>(_ body: () -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body()
        }
    }
#endif
