import { readFileSync, writeFileSync } from 'node:fs';
import { withConformance } from './conformance/statements';
import { withSchemas } from './schema-doc';

/** `npm run dock:docs`: rewrites the payload schemas (from messages.ts) and the conformance statements (from conformance/statements.ts) in PROTOCOL.md. */
const path = new URL('./PROTOCOL.md', import.meta.url);
writeFileSync(path, withConformance(withSchemas(readFileSync(path, 'utf8'))));
process.stdout.write('devices/dock/PROTOCOL.md: payload schemas and conformance statements regenerated\n');
