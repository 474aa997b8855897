/**
 * ffmpeg command lines. The transcode follows node-rtsp-stream's mpeg1muxer.js
 * (`-i <rtsp> -f mpegts -codec:v mpeg1video … -`), with the input options it cannot express
 * (they must come before `-i`) and the output options a shared, low-latency relay needs.
 */

export type RtspTransport = 'udp' | 'tcp';

export interface TranscodeSettings {
  url: string;
  transport: RtspTransport;
  /** Socket I/O timeout: with no packets for this long, ffmpeg gives up and exits. */
  ioTimeoutMs: number;
  /**
   * The frame rate written in the MPEG-1 sequence header. MPEG-1 only knows 23.976…60 fps, and
   * CCTV often runs at 10 or 12.5; frames pass through at the camera's own rate (no duplicates,
   * no extra encoding), so this must only be at least the camera's rate.
   */
  declaredFps: number;
  /** mpeg1video quantiser, 2 (best) to 31: constant quality, whatever the real frame rate. */
  quality: number;
  /** Pictures per group: a viewer who joins or falls behind waits at most this long for a picture. */
  gopFrames: number;
}

export function transcodeArgs(s: TranscodeSettings): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-rtsp_transport',
    s.transport,
    '-timeout',
    String(Math.round(s.ioTimeoutMs * 1000)), // microseconds
    '-fflags',
    'nobuffer',
    '-i',
    s.url,
    '-an',
    '-sn',
    '-dn',
    '-f',
    'mpegts',
    '-codec:v',
    'mpeg1video',
    '-q:v',
    String(s.quality),
    '-bf',
    '0',
    '-g',
    String(s.gopFrames),
    '-r',
    String(s.declaredFps),
    '-fps_mode',
    'passthrough',
    // Each packet goes out as soon as it is muxed: a 32 KB output buffer is a second of video.
    '-flush_packets',
    '1',
    '-',
  ];
}

export interface ProbeSettings {
  url: string;
  transport: RtspTransport;
  ioTimeoutMs: number;
}

export function probeArgs(s: ProbeSettings): string[] {
  return [
    '-v',
    'error',
    '-rtsp_transport',
    s.transport,
    '-timeout',
    String(Math.round(s.ioTimeoutMs * 1000)),
    '-probesize',
    '65536',
    '-analyzeduration',
    '1000000',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height',
    '-of',
    'json',
    s.url,
  ];
}

/** Legal MPEG-1 picture rates (ISO/IEC 11172-2, picture_rate 1-8). */
export const MPEG1_RATES = [23.976, 24, 25, 29.97, 30, 50, 59.94, 60] as const;
