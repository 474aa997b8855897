/** `npm run contract:docs`: rewrites TOPICS.md from the topic contract. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderTopicsMarkdown } from './topics-md';

writeFileSync(fileURLToPath(new URL('./TOPICS.md', import.meta.url)), renderTopicsMarkdown());
