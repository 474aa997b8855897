// `npm run sim -- cctv [--cameras N] [--port 8554] [--source-port 8555] [--size 640x360] [--fps 10] [--down cam-03,…]`
// RTSP test cameras cam-01…cam-NN on loopback (the demo town's rtspUrls), with commands on
// stdin to take a camera down and bring it back, as a fault would.
import { createInterface } from 'node:readline';
import { MissingDependencyError, RtspCameraSim } from './rtsp-sim';

const HELP = `commands:
  down <camera> | up <camera> | list | help | quit`;

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
}

export const cameraNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `cam-${String(i + 1).padStart(2, '0')}`);

export async function runCctvSimCli(argv: string[]): Promise<void> {
  const cameras = cameraNames(Number(arg(argv, 'cameras', '8')));
  const port = Number(arg(argv, 'port', '8554'));
  const sim = new RtspCameraSim({
    cameras,
    clientPort: port,
    sourcePort: Number(arg(argv, 'source-port', String(port + 1))),
    size: arg(argv, 'size', '640x360'),
    fps: Number(arg(argv, 'fps', '10')),
    log: (l) => console.log(`[cctv] ${l}`),
  });
  try {
    await sim.start();
  } catch (err) {
    if (err instanceof MissingDependencyError) {
      console.error(`sim: ${err.message}`);
      process.exit(3);
    }
    throw err;
  }
  for (const c of arg(argv, 'down', '').split(',').filter(Boolean)) await sim.down(c);
  console.log(`viewers: ffmpeg -rtsp_transport udp -i ${sim.url(cameras[0] ?? 'cam-01')} …`);
  console.log(HELP);

  const rl = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => {
    const quit = (): void => {
      rl.close();
      sim.stop().then(resolve, resolve);
    };
    process.once('SIGINT', quit);
    process.once('SIGTERM', quit);
    rl.on('line', (input) => {
      const [cmd = '', camera = ''] = input.trim().split(/\s+/);
      const report = (err: unknown) => console.log(`! ${err instanceof Error ? err.message : String(err)}`);
      if (cmd === 'quit') return quit();
      if (cmd === 'list') return console.log(cameras.map((c) => `${c} ${sim.isUp(c) ? 'up' : 'DOWN'}`).join('\n'));
      if ((cmd === 'down' || cmd === 'up') && cameras.includes(camera)) {
        void (cmd === 'down' ? sim.down(camera) : sim.up(camera)).then(() => console.log(`${camera} ${cmd}`), report);
        return;
      }
      console.log(HELP);
    });
  });
}
