/**
 * The emergency tone, made with WebAudio (no sound file to load or to go missing). Browsers
 * only allow audio after a user gesture, so the context is created or resumed on the login
 * click and on any later click or key press; until then the banner says sound is blocked.
 */
/** Where the breach tone's sweep starts (it falls an octave). */
const BREACH_HZ = 1040;

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

  /**
   * An order breach: its own tone, so a controller knows without looking that this is not an
   * emergency (square 880/660 repeating) nor a text (one sine chime). Two falling sawtooth
   * sweeps, once per new breach.
   */
  breach(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const t0 = ctx.currentTime;
    for (const i of [0, 1]) {
      const at = t0 + i * 0.45;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sawtooth';
      osc.frequency.setValueAtTime(BREACH_HZ, at);
      osc.frequency.exponentialRampToValueAtTime(BREACH_HZ / 2, at + 0.35);
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.38);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.4);
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
