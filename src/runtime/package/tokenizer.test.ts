import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../config';
import { PackageError } from '../errors';
import { createTokenizer } from './tokenizer';

const PACKAGE = new URL('../../../public/models/ufo-tiny/', import.meta.url);
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, PACKAGE), 'utf8'));

interface Fixture {
  encode: { text: string; ids: number[]; decoded: string }[];
  decode: { ids: number[]; decoded: string }[];
}
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/tokenizer.json', import.meta.url), 'utf8')) as Fixture;

const config = parseConfig(readJson('config.json'));
const build = (json = readJson('tokenizer.json'), cfg = readJson('tokenizer_config.json'), tokens = config.tokens) =>
  createTokenizer(json, cfg, tokens, config.model.vocabSize);

describe('tokenizer parity with models/tokenizer.py', () => {
  const tok = build();

  test.each(fixture.encode.map((c) => [JSON.stringify(c.text).slice(0, 70), c] as const))('encode %s', (_, c) => {
    expect(tok.encode(c.text)).toEqual(c.ids);
    expect(tok.decode(c.ids)).toBe(c.decoded);
  });

  test.each(fixture.decode.map((c) => [JSON.stringify(c.ids), c] as const))('decode %s', (_, c) => {
    expect(tok.decode(c.ids)).toBe(c.decoded);
  });

  test('the fixture covers every task prompt of ufo-tiny', () => {
    const texts = new Set(fixture.encode.map((c) => c.text));
    for (const task of Object.values(config.tasks)) {
      const prompt = task.prompt.replace('{expression}', 'the red circle');
      expect(texts.has(prompt), prompt).toBe(true);
    }
  });
});

describe('tokenizer checks against config.json', () => {
  test('a token id that disagrees with config.tokens names the field', () => {
    expect(() => build(undefined, undefined, { ...config.tokens, mask: 4 })).toThrow(
      expect.objectContaining({ name: 'PackageError', message: expect.stringContaining('tokens.mask') }),
    );
  });

  test('a vocabulary of another size is refused', () => {
    expect(() => createTokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'), config.tokens, 1000)).toThrow(/vocab_size/);
  });

  test('a tokenizer that is not BERT WordPiece is refused', () => {
    const cfg = { ...(readJson('tokenizer_config.json') as object), tokenizer_class: 'GPT2Tokenizer' };
    expect(() => build(undefined, cfg)).toThrow(PackageError);
    expect(() => build(undefined, cfg)).toThrow(/tokenizer_class/);
  });

  test('a broken tokenizer.json is a PackageError naming it', () => {
    const json = { ...(readJson('tokenizer.json') as object), model: { type: 'Nonsense' } };
    expect(() => build(json)).toThrow(/tokenizer\.json/);
  });
});
