/**
 * The emergency tone, made with WebAudio (no sound file to load or to go missing). Browsers
 * only allow audio after a user gesture, so the context is created or resumed on the login
 * click and on any later click or key press; until then the banner says sound is blocked.
 */
export class Alarm {
  private ctx: AudioContext | null = null;
  private timer: number | null = null;

  /** Call from a click or key handler. */
  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume();
    } catch {
      this.ctx = null; // no audio device: the banner still shows
    }
  }

  get blocked(): boolean {
    return !this.ctx || this.ctx.state !== 'running';
  }

  get sounding(): boolean {
    return this.timer !== null;
  }

  /** A two-tone beep now and every two seconds until `stop()`. */
  start(): void {
    if (this.timer !== null) return;
    this.beep();
    this.timer = window.setInterval(() => this.beep(), 2000);
  }

  stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }

  private beep(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const t0 = ctx.currentTime;
    for (const [i, freq] of [880, 660, 880].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + i * 0.22);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + i * 0.22 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.22 + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + i * 0.22);
      osc.stop(t0 + i * 0.22 + 0.21);
    }
  }

  /** One soft chime: an incoming text. Not the alarm, and not repeated. */
  chime(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const t0 = ctx.currentTime;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = 1320;
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.15, t0 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.35);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0);
    osc.stop(t0 + 0.36);
  }
}
