/**
 * R21 — how long this node's SMS gateway usually takes to accept a message, so that a code "sent" to
 * a phone nobody holds (no message goes out) answers after about as long as a real send: without it
 * the response time alone would tell a registered phone from an unregistered one. A moving average of
 * accepted sends; the decoy wait is that average ±20 %, never more than 5 s.
 */
export class GatewayPace {
  private typicalMs: number;
  private samples: number;

  /** `initialMs`: the guess before the first real send (0 for the console gateway, which is instant). */
  constructor(initialMs: number) {
    this.typicalMs = initialMs;
    this.samples = initialMs > 0 ? 1 : 0;
  }

  observe(ms: number): void {
    this.samples += 1;
    const weight = Math.max(1 / this.samples, 0.1); // the first few count fully, then an average over ~10
    this.typicalMs += weight * (ms - this.typicalMs);
  }

  decoyDelayMs(): number {
    return Math.min(5000, Math.max(0, this.typicalMs * (0.8 + Math.random() * 0.4)));
  }
}
