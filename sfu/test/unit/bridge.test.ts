/**
 * The bridge contract: every golden message in fixtures/bridge decodes with the schema of its
 * direction (and the invalid ones don't), and every message type has a golden message. The Swift
 * side's ShellTests decode the same files.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BRIDGE_VERSION,
  NativeToWebSchema,
  ShellInfoSchema,
  VOIP_PUSH_MAX_BYTES,
  VoipPushPayloadSchema,
  WebToNativeSchema,
} from '../../src/protocol/index.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/protocol/fixtures');
const read = (dir: string) =>
  fs
    .readdirSync(path.join(FIXTURES, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      file: f,
      json: JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, f), 'utf8')) as unknown,
    }));

const bridge = read('bridge');
const schemaOf = (file: string) =>
  file.includes('web-to-native.')
    ? WebToNativeSchema
    : file.includes('native-to-web.')
      ? NativeToWebSchema
      : null;

/** The `type` literals of a discriminated union's options. */
function typesOf(schema: typeof WebToNativeSchema | typeof NativeToWebSchema): string[] {
  return schema.def.options.flatMap((o) => o.shape.type.def.values);
}

describe('bridge fixtures', () => {
  it('has fixtures in both directions', () => {
    assert.ok(bridge.filter((f) => f.file.startsWith('web-to-native.')).length >= 10);
    assert.ok(bridge.filter((f) => f.file.startsWith('native-to-web.')).length >= 10);
  });

  for (const { file, json } of bridge.filter((f) => !f.file.startsWith('invalid.'))) {
    it(`decodes ${file}`, () => {
      if (file === 'shell-info.json') {
        assert.equal(ShellInfoSchema.parse(json).v, BRIDGE_VERSION);
        return;
      }
      const schema = schemaOf(file);
      assert.ok(schema, `${file}: name it web-to-native.* or native-to-web.*`);
      const msg = schema.parse(json);
      assert.ok(file.includes(`.${msg.type}.`), `${file} holds a ${msg.type}`);
      // Decoding drops nothing: the golden file is exactly the message.
      assert.deepEqual(msg, json);
    });
  }

  for (const { file, json } of bridge.filter((f) => f.file.startsWith('invalid.'))) {
    it(`refuses ${file}`, () => {
      const schema = schemaOf(file);
      assert.ok(schema);
      assert.equal(schema.safeParse(json).success, false);
    });
  }

  for (const [direction, schema] of [
    ['web-to-native', WebToNativeSchema],
    ['native-to-web', NativeToWebSchema],
  ] as const) {
    it(`has a golden message for every ${direction} type`, () => {
      const missing = typesOf(schema).filter(
        (t) => !bridge.some((f) => f.file.startsWith(`${direction}.${t}.`)),
      );
      assert.deepEqual(missing, []);
    });
  }

  it('refuses a message whose version is not the bridge version', () => {
    assert.equal(
      WebToNativeSchema.safeParse({ v: 1, type: 'callkit.answer', callId: crypto.randomUUID() }).success,
      false,
    );
    assert.equal(
      WebToNativeSchema.safeParse({ v: BRIDGE_VERSION, type: 'callkit.answer', callId: crypto.randomUUID() })
        .success,
      true,
    );
  });

  it('refuses unknown fields, so a renamed field fails loudly on the other side', () => {
    const r = NativeToWebSchema.safeParse({
      v: BRIDGE_VERSION,
      type: 'audio.activated',
      callId: crypto.randomUUID(),
      at: 1,
    });
    assert.equal(r.success, false);
  });
});

describe('VoIP push fixtures', () => {
  for (const { file, json } of read('voip-push')) {
    it(`${file.startsWith('invalid.') ? 'refuses' : 'decodes'} ${file}`, () => {
      assert.equal(VoipPushPayloadSchema.safeParse(json).success, !file.startsWith('invalid.'));
    });
  }

  it('keeps the valid payload well under the APNs VoIP limit', () => {
    const valid = read('voip-push').find((f) => f.file === 'valid.json');
    assert.ok(valid);
    assert.ok(Buffer.byteLength(JSON.stringify(valid.json)) < VOIP_PUSH_MAX_BYTES / 10);
  });
});
