/**
 * The package's BERT WordPiece tokenizer, built in memory from tokenizer.json and
 * tokenizer_config.json with transformers.js, so no hub, file system or network is involved.
 * models/tokenizer.py is its Python twin (tokenizer.test.ts checks they agree).
 */
import { BertTokenizer, env } from '@huggingface/transformers';
import type { TokenIds } from '../config';
import { PackageError } from '../errors';

// Packages reach transformers.js as JSON objects; it must never look for files on the hub itself.
env.allowRemoteModels = false;

// Importing transformers.js in the browser points onnxruntime-web's wasm at a CDN when no path is
// set. The app works offline and Vite serves ORT's wasm itself, so undo that default; a path the
// engine set on purpose (anything not on the CDN) is left alone.
const ortWasm = env.backends.onnx.wasm;
if (ortWasm) {
  const paths = ortWasm.wasmPaths;
  const mjs = typeof paths === 'object' ? (paths.mjs ?? paths.wasm) : paths;
  if (mjs?.toString().startsWith('https://cdn.jsdelivr.net/')) ortWasm.wasmPaths = undefined;
}

export interface UfoTokenizer {
  /** Word pieces of `text`, without [CLS]/[SEP]; "<MASK>" in the text is the mask token. */
  encode(text: string): number[];
  /** Text of `ids`, skipping special tokens and cleaning up spaces as Hugging Face does. */
  decode(ids: number[]): string;
}

const TOKEN_ROLES: readonly [keyof TokenIds, string][] = [
  ['pad', '[PAD]'], ['unk', '[UNK]'], ['cls', '[CLS]'], ['sep', '[SEP]'], ['comma', ','],
  ['mask', '<MASK>'], ['dec', '[DEC]'], ['enc', '[ENC]'],
];

function asObject(json: unknown, file: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PackageError(`${file} is not a JSON object.`, { file });
  }
  return json as Record<string, unknown>;
}

/**
 * Builds the tokenizer and checks it against config.json: the ids the runtime takes from
 * `config.tokens` must name the same tokens, and every id must fit the model's embedding table,
 * or prompts would silently mean something else.
 */
export function createTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig: unknown,
  tokens: TokenIds,
  vocabSize: number,
): UfoTokenizer {
  const json = asObject(tokenizerJson, 'tokenizer.json');
  const config = asObject(tokenizerConfig, 'tokenizer_config.json');
  if (config.tokenizer_class !== 'BertTokenizer') {
    throw new PackageError(
      `tokenizer_config.json: field "tokenizer_class" must be BertTokenizer (UFO uses BERT WordPiece), not ${JSON.stringify(config.tokenizer_class)}.`,
      { file: 'tokenizer_config.json', field: 'tokenizer_class' },
    );
  }
  let tok: BertTokenizer;
  try {
    tok = new BertTokenizer(json, config);
  } catch (err) {
    throw new PackageError(`tokenizer.json could not be read: ${(err as Error).message}`, { file: 'tokenizer.json' });
  }

  const size = tok.get_vocab().size;
  if (size !== vocabSize) {
    throw new PackageError(
      `tokenizer.json has ${size} tokens but config.json says model.vocab_size is ${vocabSize}: the files come from different packages.`,
      { file: 'tokenizer.json', field: 'model.vocab_size' },
    );
  }
  for (const [role, token] of TOKEN_ROLES) {
    const want = tokens[role];
    if (want === null) continue;
    const got = tok.convert_tokens_to_ids(token);
    if (got !== want) {
      throw new PackageError(
        `config.json says tokens.${role} is ${want}, but tokenizer.json gives "${token}" the id ${got ?? 'none'}.`,
        { file: 'config.json', field: `tokens.${role}` },
      );
    }
  }

  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }),
    // transformers.js refuses an empty list; an empty answer is legitimately empty text.
    decode: (ids) => (ids.length === 0 ? '' : tok.decode(ids, { skip_special_tokens: true })),
  };
}
