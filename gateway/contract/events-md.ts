import { z } from 'zod';
import { EVENTS, type EventSpec } from './events';
import { fieldsOf, type JsonSchema } from './topics-md';

/** A payload's fields; a type two writers journal in two shapes lists each shape. */
function payloadFields(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  if (json.anyOf) return json.anyOf.map((alt, i) => `(${i + 1}) ${fieldsOf(alt)}`).join('<br>');
  return fieldsOf(json);
}

const files = (list: readonly string[]) => (list.length ? list.map((f) => `\`${f}\``).join('<br>') : '—');
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The event catalogue as Markdown, generated from gateway/contract/events.ts so the two cannot disagree. */
export function renderEventsMarkdown(): string {
  const row = ([type, spec]: [string, EventSpec]) =>
    `| \`${type}\` | ${cell(spec.description)} | ${payloadFields(spec.payload)} | ${files(spec.writers)} | ${files(spec.readers)} | ${spec.privacy.header} |`;
  return [
    '# Townwatch journal events',
    '',
    'Generated from `gateway/contract/events.ts` by `npm run events:docs`; a test fails when this file and the catalogue disagree,',
    'when the gateway journals a type the catalogue lacks, when a listed writer does not write its type, and when a real',
    "scenario's journal does not parse against these schemas. Every payload is JSON; it is `null` only after a retention",
    "erasure (`journal.payload-erased`). Inbound MQTT topics (`TOPICS.md`) journal their message with the topic's parameters",
    "added (a radio's `issi`, a shop's `premisesId`, a camera's `cameraId`). Header: what the event's `subject` names (`subject`:",
    'a person, `other`: a device, premises or account); the uplink minimises by it.',
    '',
    '| type | meaning | payload | written by | read by | header |',
    '|---|---|---|---|---|---|',
    ...(Object.entries(EVENTS) as Array<[string, EventSpec]>).map(row),
    '',
  ].join('\n');
}
