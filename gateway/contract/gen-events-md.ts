/** `npm run events:docs`: rewrites EVENTS.md from the event catalogue. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEventsMarkdown } from './events-md';

writeFileSync(fileURLToPath(new URL('./EVENTS.md', import.meta.url)), renderEventsMarkdown());
