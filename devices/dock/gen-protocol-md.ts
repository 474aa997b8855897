import { readFileSync, writeFileSync } from 'node:fs';
import { withGatewayStatements } from './conformance/gateway-statements';
import { withConformance } from './conformance/statements';
import { withSchemas } from './schema-doc';

/** `npm run dock:docs`: rewrites the payload schemas (from messages.ts), the dock's conformance statements (conformance/statements.ts) and the gateway's (conformance/gateway-statements.ts) in PROTOCOL.md. */
const path = new URL('./PROTOCOL.md', import.meta.url);
writeFileSync(path, withGatewayStatements(withConformance(withSchemas(readFileSync(path, 'utf8')))));
process.stdout.write('devices/dock/PROTOCOL.md: payload schemas, dock and gateway conformance statements regenerated\n');
