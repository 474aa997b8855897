import { readFileSync, writeFileSync } from 'node:fs';
import { withSchemas } from './schema-doc';

/** `npm run dock:docs`: rewrites the payload schemas in PROTOCOL.md from messages.ts. */
const path = new URL('./PROTOCOL.md', import.meta.url);
writeFileSync(path, withSchemas(readFileSync(path, 'utf8')));
process.stdout.write('devices/dock/PROTOCOL.md: payload schemas regenerated\n');
