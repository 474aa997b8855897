/** Vite bundles CSS imported from TypeScript. */
declare module '*.css';

/** The parts of @cycjimmy/jsmpeg-player (which ships no types) that the camera wall uses. */
declare module '@cycjimmy/jsmpeg-player' {
  export interface PlayerOptions {
    canvas?: HTMLCanvasElement;
    autoplay?: boolean;
    audio?: boolean;
    video?: boolean;
    /** Canvas 2D instead of WebGL: works without a GPU and lets the canvas be read back. */
    disableGl?: boolean;
    disableWebAssembly?: boolean;
    pauseWhenHidden?: boolean;
    /** Seconds between reconnect attempts of the WebSocket source; 0 = never. */
    reconnectInterval?: number;
    videoBufferSize?: number;
    onSourceEstablished?: (source: unknown) => void;
    onVideoDecode?: (decoder: unknown, time: number) => void;
  }
  export class Player {
    constructor(url: string, options?: PlayerOptions, hooks?: Record<string, () => void>);
    play(): void;
    pause(): void;
    destroy(): void;
    readonly paused: boolean;
  }
  const JSMpeg: { Player: typeof Player };
  export default JSMpeg;
}
