/** The guest protocol's schema and notes, read for tests that compare the package against them. */
import { readFileSync } from 'node:fs';
import type { Spec } from '../scripts/generate.js';

const read = (file: string): unknown => JSON.parse(readFileSync(new URL(`../../../spec/${file}`, import.meta.url), 'utf8'));

/** spec/webmessaging-guest-protocol.json: Genesys' Swagger 2 schema of the guest WebSocket protocol. */
export const guestProtocol = read('webmessaging-guest-protocol.json') as Pick<Spec, 'definitions'>;

/** A frame of the notes: its name, and its JSON (as text and as a value; a captured frame may have only the text). */
export interface NotesFrame {
  readonly name: string;
  readonly text?: string;
  readonly json?: unknown;
}

interface Notes {
  readonly serverFrames: { readonly frames: readonly NotesFrame[] };
  readonly capturedServerFrames: readonly NotesFrame[];
  readonly clientFrames: { readonly frames: readonly NotesFrame[] };
  readonly errorCodes: { readonly serverCodes: Readonly<Record<string, string>> };
}

/** spec/webmessaging-guest-protocol.notes.json. */
export const notes = read('webmessaging-guest-protocol.notes.json') as Notes;

/** Every server frame of the notes: Genesys' fixtures, then the frames captured from live deployments. */
export const serverFrames: readonly NotesFrame[] = [...notes.serverFrames.frames, ...notes.capturedServerFrames];

/** The text of a frame: as the notes give it, else its JSON value's. */
export const textOf = (frame: NotesFrame): string => frame.text ?? JSON.stringify(frame.json);
