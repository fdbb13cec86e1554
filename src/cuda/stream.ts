/** Streams and events. Each device has one library stream, used when an op is given none. */
import { CU_STREAM_NON_BLOCKING, check, driver } from './driver.js';
import { useDevice } from './device.js';

export class Stream {
  private disposed = false;
  private constructor(
    /** CUstream handle. */
    readonly handle: bigint,
    readonly device: number,
    private readonly owned: boolean,
  ) {}

  /** A new stream on `device` that does not synchronize with the legacy NULL stream. */
  static create(device = 0): Stream {
    useDevice(device);
    const out: [bigint | null] = [null];
    check('cuStreamCreate', driver().cuStreamCreate(out, CU_STREAM_NON_BLOCKING));
    return new Stream(out[0]!, device, true);
  }

  /** Wraps a stream created elsewhere (e.g. by PyTorch); it is not destroyed by dispose(). */
  static fromHandle(handle: bigint, device = 0): Stream {
    return new Stream(handle, device, false);
  }

  /** Blocks until all work enqueued on this stream has finished. */
  synchronize(): void {
    this.assertLive();
    useDevice(this.device);
    check('cuStreamSynchronize', driver().cuStreamSynchronize(this.handle));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  assertLive(): void {
    if (this.disposed) throw new Error('Stream: this stream was disposed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.owned) {
      useDevice(this.device);
      check('cuStreamDestroy_v2', driver().cuStreamDestroy(this.handle));
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

const libraryStreams = new Map<number, Stream>();

/** The library stream of `device`: created on first use, never destroyed. */
export function defaultStream(device = 0): Stream {
  let s = libraryStreams.get(device);
  if (!s) {
    s = Stream.create(device);
    libraryStreams.set(device, s);
  }
  return s;
}

/** The stream an op runs on: the one given, else the library stream of `device`. */
export function resolveStream(stream: Stream | undefined, device: number): Stream {
  if (!stream) return defaultStream(device);
  stream.assertLive();
  if (stream.device !== device) {
    throw new Error(`cuda: stream belongs to device ${stream.device}, but the operation runs on device ${device}`);
  }
  return stream;
}

/** A CUDA event with timing, for measuring GPU time between two points of a stream. */
export class Event {
  private disposed = false;
  private constructor(
    readonly handle: bigint,
    readonly device: number,
  ) {}

  static create(device = 0): Event {
    useDevice(device);
    const out: [bigint | null] = [null];
    check('cuEventCreate', driver().cuEventCreate(out, 0));
    return new Event(out[0]!, device);
  }

  /** Records the event at the current end of `stream` (default: the library stream). */
  record(stream?: Stream): this {
    this.assertLive();
    const s = resolveStream(stream, this.device);
    useDevice(this.device);
    check('cuEventRecord', driver().cuEventRecord(this.handle, s.handle));
    return this;
  }

  synchronize(): void {
    this.assertLive();
    useDevice(this.device);
    check('cuEventSynchronize', driver().cuEventSynchronize(this.handle));
  }

  /** Milliseconds from `start` to this event; both must have been recorded and completed. */
  elapsedSince(start: Event): number {
    this.assertLive();
    start.assertLive();
    const ms: [number] = [0];
    useDevice(this.device);
    check('cuEventElapsedTime', driver().cuEventElapsedTime(ms, start.handle, this.handle));
    return ms[0];
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('Event: this event was disposed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    useDevice(this.device);
    check('cuEventDestroy_v2', driver().cuEventDestroy(this.handle));
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
