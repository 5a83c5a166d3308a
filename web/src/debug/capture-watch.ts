/**
 * QA builds only: when the microphone was asked for, measured where it happens — a wrap around
 * `navigator.mediaDevices.getUserMedia` — rather than inferred from the engine's own state. The rig
 * compares the first capture of a call with the call's audio-activation mark (`activatedAt` in the
 * page; CallKit's `didActivate` on the simulated iPhone, whose native engine captures in the
 * simulator's window, which installs a watch of its own): capture before activation is a failure
 * (on an iPhone it takes the audio session CallKit has not handed over, and the call is one-way).
 */

/** Epoch-ms times at which audio capture was asked for, in order. */
export class CaptureWatch {
  private readonly times: number[] = [];

  /** Wraps `devices.getUserMedia` (once: a second watch on the same object would count twice). */
  constructor(devices: MediaDevices, now: () => number = Date.now) {
    const getUserMedia = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints?: MediaStreamConstraints) => {
      if (constraints?.audio) this.times.push(now());
      return getUserMedia(constraints);
    };
  }

  /** The capture starts at or after `from` (epoch ms). */
  since(from: number): number[] {
    return this.times.filter((t) => t >= from);
  }
}

/**
 * Whether a call's first capture came before its audio activation: `captures` are the capture
 * starts since the call began, `activatedAt` the activation mark (undefined: never activated, so any
 * capture is too early).
 */
export function capturedBeforeActivation(
  captures: readonly number[],
  activatedAt: number | undefined,
): boolean {
  const first = captures.length ? Math.min(...captures) : undefined;
  if (first === undefined) return false;
  return activatedAt === undefined || first < activatedAt;
}
