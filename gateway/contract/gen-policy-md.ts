/** `npm run policy:docs`: rewrites the README's "Who can see and do what" table from the access policy. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withPolicySection } from './policy-md';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
writeFileSync(readme, withPolicySection(readFileSync(readme, 'utf8')));
