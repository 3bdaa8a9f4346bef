#!/usr/bin/env node
/** LLUDP packet inspector: `decode <file|hex|->` prints a packet as JSON, `encode <json|file|->` writes it back. */
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  decodePacket,
  encodePacket,
  fromHex,
  LludpError,
  type PacketJson,
  packetFromJson,
  packetToJson,
  toHex,
} from '../shared/lludp';
import { renderGeneratedSources } from '../shared/lludp/render-generated-sources';

const USAGE = `usage: lludp <command> [arguments]

  decode <file|hex|->        print a packet as JSON (header, acks, message, blocks, fields)
                             a file is read as raw bytes, or as hex text when it ends in .hex or .txt;
                             a hex file with one datagram per line prints a JSON array
  encode <json|file|-> [--out <file>]
                             print the packet's bytes as hex (an array: one line per packet),
                             or write a single packet's bytes raw to --out
  generate                   rewrite shared/lludp/template-source.ts and message-types.ts from
                             shared/lludp/data/message_template.msg

Errors go to stderr; the exit status is 1 for a bad packet and 2 for bad usage.`;

class UsageError extends Error {}

/** Reads an argument that is a file path, "-" (stdin), or the value itself. */
function readArgument(arg: string): { text: string; bytes: Uint8Array; fromFile: boolean } {
  if (arg === '-') {
    const bytes = readFileSync(0);
    return { text: bytes.toString('utf8'), bytes, fromFile: true };
  }
  if (existsSync(arg)) {
    const bytes = readFileSync(arg);
    return { text: bytes.toString('utf8'), bytes, fromFile: true };
  }
  return { text: arg, bytes: new Uint8Array(0), fromFile: false };
}

/** Hex text with optional spaces, colons, commas and 0x prefixes, as bytes. */
function parseHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  const bytes = fromHex(clean);
  if (!bytes) throw new UsageError(`lludp: not hex and not an existing file: ${JSON.stringify(text.slice(0, 60))}`);
  return bytes;
}

/** Decodes one datagram to its JSON form; notes on stderr when it would not re-encode byte for byte. */
function decodeOne(datagram: Uint8Array, label: string): PacketJson {
  const packet = decodePacket(datagram);
  if (toHex(encodePacket(packet)) !== toHex(datagram)) {
    process.stderr.write(`lludp: note: ${label}does not re-encode byte for byte (non-canonical zero-coding or BOOL bytes)\n`);
  }
  return packetToJson(packet);
}

function decodeCommand(arg: string): void {
  const input = readArgument(arg);
  const hexText = /\.(hex|txt)$/i.test(arg) || (arg === '-' && /^[0-9a-fA-Fx\s:,]*$/.test(input.text));
  if (input.fromFile && !hexText) {
    process.stdout.write(`${JSON.stringify(decodeOne(input.bytes, ''), null, 2)}\n`);
    return;
  }
  // A hex file may hold one datagram per line (a capture): then the output is a JSON array, in order.
  const lines = input.fromFile ? input.text.split('\n').filter((l) => l.trim()) : [input.text];
  const json = lines.map((line, i) => {
    try {
      return decodeOne(parseHex(line), lines.length > 1 ? `line ${i + 1} ` : '');
    } catch (e) {
      if (e instanceof LludpError && lines.length > 1)
        throw new LludpError(e.code, `line ${i + 1}: ${e.message.slice('lludp: '.length)}`);
      throw e;
    }
  });
  process.stdout.write(`${JSON.stringify(lines.length === 1 ? json[0] : json, null, 2)}\n`);
}

function encodeCommand(arg: string, out: string | undefined): void {
  const input = readArgument(arg);
  let json: unknown;
  try {
    json = JSON.parse(input.text);
  } catch (e) {
    throw new LludpError('lludp_bad_json', `input is not JSON: ${(e as Error).message}`);
  }
  // An array (as decode prints for a capture) encodes to one hex line per packet; --out then takes one packet.
  if (Array.isArray(json)) {
    if (out) throw new UsageError('lludp: --out takes a single packet, not an array');
    process.stdout.write(json.map((p) => `${toHex(encodePacket(packetFromJson(p)))}\n`).join(''));
    return;
  }
  const bytes = encodePacket(packetFromJson(json));
  if (out) writeFileSync(out, bytes);
  else process.stdout.write(`${toHex(bytes)}\n`);
}

function generateCommand(): void {
  const dir = fileURLToPath(new URL('../shared/lludp/', import.meta.url));
  const text = readFileSync(`${dir}data/message_template.msg`, 'utf8');
  for (const [file, source] of Object.entries(renderGeneratedSources(text))) {
    writeFileSync(`${dir}${file}`, source);
    process.stderr.write(`lludp: wrote shared/lludp/${file}\n`);
  }
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit status. */
export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    if (command === 'decode' && rest.length === 1 && rest[0] !== undefined) decodeCommand(rest[0]);
    else if (command === 'encode' && rest[0] !== undefined && (rest.length === 1 || (rest.length === 3 && rest[1] === '--out'))) {
      encodeCommand(rest[0], rest[2]);
    } else if (command === 'generate' && rest.length === 0) generateCommand();
    else if (command === 'help' || command === '--help' || command === '-h') process.stdout.write(`${USAGE}\n`);
    else throw new UsageError(USAGE);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof LludpError) {
      process.stderr.write(`${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}

/** True when this file is the program being run (not imported by a test). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = main(process.argv.slice(2));
