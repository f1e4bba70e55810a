/**
 * The exporter's tokenizer files load through transformers.js' own AutoTokenizer from local files
 * (what any transformers.js user of a package would do), and agree with the runtime's tokenizer.
 */
import { readFileSync } from 'node:fs';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { expect, test } from 'vitest';
import { parseConfig } from '../config';
import { createTokenizer } from './tokenizer';

test('AutoTokenizer.from_pretrained loads a package offline and tokenizes like the runtime', async () => {
  env.allowRemoteModels = false;
  env.localModelPath = 'public/models/';
  const auto = await AutoTokenizer.from_pretrained('ufo-tiny');
  const dir = 'public/models/ufo-tiny';
  const config = parseConfig(JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')));
  const ours = createTokenizer(
    JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')),
    JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')),
    config.tokens,
    config.model.vocabSize,
  );
  for (const text of ['Task: grounding; Description: the leftmost red circle', 'two stars, a HEXAGON and a square']) {
    const ids = auto.encode(text, { add_special_tokens: false });
    expect(ids).toEqual(ours.encode(text));
    expect(ids).not.toContain(config.tokens.unk);
  }
  // UFO's added tokens keep their ids (spec §1.3: [DEC], [ENC], then <MASK>).
  expect(auto.encode('<MASK>', { add_special_tokens: false })).toEqual([config.tokens.mask]);
});
