import { z } from 'zod';
import { EXTERNAL_TOPICS, TOPICS, type TopicSpec } from './topics';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  format?: string;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array' && s.items) return `${typeOf(s.items)}[]`;
  if (s.format === 'date-time') return 'ISO time';
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

export function fields(schema: z.ZodType): string {
  return fieldsOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
}

/** An object schema's fields, `name?: type`, as one line. */
export function fieldsOf(json: JsonSchema): string {
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {})
    .map(([name, s]) => `\`${name}${required.has(name) ? '' : '?'}\`: ${typeOf(s)}`)
    .join(', ');
}

/** The topic table as Markdown, generated from the contract so the two cannot disagree. */
export function renderTopicsMarkdown(): string {
  const row = (t: TopicSpec) =>
    `| \`${t.pattern}\` | ${t.direction === 'in' ? 'device → gateway' : 'gateway → device'} | ${t.qos} | ${t.retained ? 'yes' : 'no'} | ${t.roles.join(', ')} | ${t.description} | ${fields(t.schema)} |`;
  const rows = TOPICS.map(row);
  return [
    '# Townwatch MQTT topics (`tw/v1/`)',
    '',
    'Generated from `gateway/contract/topics.ts` by `npm run contract:docs`; a test fails when this file and the schemas disagree.',
    'Inbound payloads are JSON, validated against these schemas (unknown fields are rejected); an invalid message is acknowledged,',
    'quarantined with its reason (`GET /api/quarantine`) and never forwarded. Roles: who may publish an inbound topic, or subscribe to an outbound one.',
    '',
    '| topic | direction | QoS | retained | roles | meaning | payload |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Topics outside `tw/v1/`',
    '',
    'Third-party products that fix their own topic names. Unknown fields in these payloads are dropped, not refused (the products add fields between versions).',
    '',
    '| topic | direction | QoS | retained | roles | meaning | payload |',
    '|---|---|---|---|---|---|---|',
    ...EXTERNAL_TOPICS.map(row),
    '',
  ].join('\n');
}
