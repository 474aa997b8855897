/**
 * What the gateway MUST do on a dock's line: the other half of conformance/statements.ts. PROTOCOL.md
 * section 11 is generated from this list (`npm run dock:docs`, a test fails when they differ), and
 * each statement has exactly one test whose name starts with its id (`it('G4 …')`; a test scans the
 * test files for them), so the document, the code and the tests name the same promises.
 */
export const GATEWAY_STATEMENTS = [
  {
    id: 'G1 hello-ack',
    text: "The gateway MUST answer a valid HELLO naming its line's dock id with HELLO_ACK echoing the nonce and a `window` of 1–4, and a repeated HELLO with the current nonce with HELLO_ACK again, without resetting the link.",
  },
  {
    id: 'G2 hello-payload',
    text: 'The gateway MUST answer a HELLO whose payload does not match its schema with NAK 7, every time, and journal it once however often the dock retries it.',
  },
  {
    id: 'G3 hello-dock-id',
    text: 'The gateway MUST refuse a HELLO naming a dock id other than the one configured for the line with NAK 11, stay unlinked, and journal it once however often the dock retries it.',
  },
  { id: 'G4 data-chunk', text: "The gateway MUST refuse DATA longer than the offer's `chunk` with NAK 8 and `expect` past it, storing none of its bytes." },
  {
    id: 'G5 bay',
    text: "The gateway MUST refuse a FILE_OFFER or DOCK_EVENT naming a bay above the HELLO's `bays` with NAK 9 and `expect` past it, act on neither, and journal the refusal.",
  },
  {
    id: 'G6 one-at-a-time',
    text: 'The gateway MUST refuse an offer of another recording while one is in transfer (from its offer to its FILE_DONE, or the camera undocking) with NAK 10 and `expect` past it, requesting nothing, and serve that offer when it comes again after the FILE_DONE.',
  },
  {
    id: 'G7 seq-payload',
    text: 'The gateway MUST refuse a seq frame whose payload does not match its schema with NAK 7 and `expect` past it, and not apply it.',
  },
  { id: 'G8 no-transfer', text: 'The gateway MUST refuse DATA for a file that is not being received with NAK 12 and `expect` past it, storing nothing.' },
  {
    id: 'G9 nak-damaged',
    text: 'The gateway MUST answer a damaged frame at least a header long with NAK 1, 2 or 3 and the seq read from it, and a seq frame ahead of the next with NAK 4 and `expect`, once per gap.',
  },
  {
    id: 'G10 durable-ack',
    text: "The gateway MUST ask (FILE_REQ) from the durable offset of the offer's resume key, acknowledge DATA with the offset durable on its disk, and answer a repeated seq with the same answer without applying it again.",
  },
  {
    id: 'G11 erase-after-custody',
    text: 'The gateway MUST send ERASE_OK only after the SHA-256 and size of the bytes on its disk match the offer and custody is committed to the journal.',
  },
  {
    id: 'G12 mismatch',
    text: 'The gateway MUST answer a hash or size mismatch with FILE_DONE `ok:false` and the received `sha256`, quarantine the file, and never send ERASE_OK for it.',
  },
  {
    id: 'G13 re-offer',
    text: 'The gateway MUST answer a re-offer of a recording quarantined in the same docking with FILE_DONE `ok:false` without requesting it, and serve it again after the camera docks again.',
  },
  {
    id: 'G14 liveness',
    text: 'The gateway MUST declare the link down 3 heartbeat periods (15 s) after the last valid frame, at most a tenth of a period (0.5 s) later.',
  },
  {
    id: 'G15 not-linked',
    text: 'The gateway MUST answer seq frames while unlinked with HEARTBEAT `{linked:false}`, at most once per retransmit interval, and apply none of them.',
  },
  {
    id: 'G16 no-space',
    text: 'The gateway MUST refuse an offer it has no room for with NAK 6 before requesting any byte, and journal one alarm however often the offer comes.',
  },
  {
    id: 'G17 custody-per-exhibit',
    text: "The gateway MUST give each (camera, file) its own exhibit with its own `evidence.received` and `evidence.verified` before its ERASE_OK, even when its bytes equal a stored recording's.",
  },
  {
    id: 'G18 noise',
    text: 'The gateway MUST count every undecodable or malformed packet and journal at most the first of each fault and one summary per dock per window (a minute).',
  },
  {
    id: 'G19 progress',
    text: "The gateway MUST report each transfer's durable offset per bay and file at least every second while bytes arrive, the last durable offset always, and the final state after undocking.",
  },
  {
    id: 'G20 window',
    text: 'The gateway MUST NOT keep waiting for a window the dock no longer uses: a dock dropping to fewer frames in flight is served without a gather wait per frame.',
  },
  {
    id: 'G21 version',
    text: "The gateway MUST answer a HELLO without `versions` exactly as version 1 always was (HELLO_ACK `{nonce, window}`, window 1–4), and a HELLO listing `versions` with HELLO_ACK naming the highest version both speak, with that version's window, and journal the version of the link.",
  },
  {
    id: 'G22 no-version',
    text: 'The gateway MUST refuse a HELLO whose `versions` has none it speaks with NAK 13, stay unlinked, and journal it once however often the dock retries it.',
  },
  {
    id: 'G23 window-sync',
    text: 'On a version 2 link the gateway MUST make DATA durable with one fdatasync per half window or more (of the window the dock is seen to use), acknowledge each with one cumulative ACK carrying the durable offset, and not wait for the rest of the window to do so.',
  },
] as const;

export const GATEWAY_BEGIN =
  '<!-- gateway-statements:begin (generated by `npm run dock:docs` from conformance/gateway-statements.ts; a test fails when they differ) -->';
export const GATEWAY_END = '<!-- gateway-statements:end -->';

export function gatewaySection(): string {
  const rows = GATEWAY_STATEMENTS.map((s) => {
    const [id, name] = s.id.split(' ');
    return `| ${id} | \`${name}\` | ${s.text.replace(/\|/g, '\\|')} |`;
  });
  return `${GATEWAY_BEGIN}\n\n| # | name | statement |\n|---|---|---|\n${rows.join('\n')}\n\n${GATEWAY_END}`;
}

export function withGatewayStatements(doc: string): string {
  const from = doc.indexOf(GATEWAY_BEGIN);
  const to = doc.indexOf(GATEWAY_END);
  if (from < 0 || to < 0) throw new Error('PROTOCOL.md has no gateway-statements markers');
  return doc.slice(0, from) + gatewaySection() + doc.slice(to + GATEWAY_END.length);
}
