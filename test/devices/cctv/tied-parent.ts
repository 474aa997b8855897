// A parent for the death-guard test: starts `sleep` tied to itself, prints its pid, waits to be killed.
import { spawnTied, type DeathGuard } from '../../../devices/cctv/child';

const child = spawnTied('sleep', ['300'], { guard: process.argv[2] as DeathGuard });
child.once('spawn', () => process.stdout.write(`${child.pid}\n`));
setInterval(() => undefined, 60_000);
