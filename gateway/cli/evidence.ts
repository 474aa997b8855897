/**
 * `npm run evidence -- bundle --incident <id> --out <file.tar> [--url URL] [--user NAME]`
 * Asks the running gateway (it alone writes the journal) to export an incident's evidence
 * bundle into its export folder, then downloads the archive to `--out` here (the download is
 * journaled as custody). The password comes from TW_PASSWORD, so it is not left in the shell history.
 */
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    incident: { type: 'string' },
    out: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    user: { type: 'string', default: process.env.TW_USER ?? 'secmgr' },
  },
});

async function main(): Promise<number> {
  if (positionals[0] !== 'bundle' || !values.incident || !values.out) {
    process.stderr.write('usage: TW_PASSWORD=… npm run evidence -- bundle --incident <id> --out <file.tar> [--url URL] [--user NAME]\n');
    return 2;
  }
  const password = process.env.TW_PASSWORD;
  if (!password) {
    process.stderr.write('evidence: set TW_PASSWORD to the password of --user\n');
    return 2;
  }
  const login = await fetch(`${values.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: values.user, password }),
  });
  if (login.status !== 200) {
    process.stderr.write(`evidence: login as ${values.user} failed (${login.status})\n`);
    return 1;
  }
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { data: me } = (await login.json()) as { data: { csrfToken: string } };
  const headers = { cookie, 'x-csrf-token': me.csrfToken };
  const res = await fetch(`${values.url}/api/evidence/bundles`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ incidentId: values.incident }),
  });
  const body = (await res.json()) as { data?: { bundleId: string; files: number; download: string }; error?: { message: string } };
  if (!body.data) {
    process.stderr.write(`evidence: ${body.error?.message ?? res.status}\n`);
    return 1;
  }
  const archive = await fetch(`${values.url}${body.data.download}`, { headers });
  if (archive.status !== 200 || !archive.body) {
    process.stderr.write(`evidence: download of bundle ${body.data.bundleId} failed (${archive.status})\n`);
    return 1;
  }
  const out = resolve(values.out);
  await pipeline(Readable.fromWeb(archive.body as ReadableStream<Uint8Array>), createWriteStream(out, { flags: 'wx' }));
  process.stdout.write(`saved ${body.data.files} file(s) in ${out}; check with: tar -xf ${out} && cd ${body.data.bundleId} && sha256sum -c SHA256SUMS\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`evidence: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
