/**
 * Tokenizers from Hugging Face `tokenizer.json` files, offline, through @huggingface/tokenizers.
 *
 * The Llama-2 tokenizer (meta-llama/Llama-2-7b-chat-hf) ships with the package as
 * assets/llama2-tokenizer.json (built by scripts/build-llama2-tokenizer.mjs; vocabulary checked
 * against Meta's tokenizer.model); its ids equal those of Hugging Face's fast tokenizer, which
 * test/tokenizer.test.ts checks against golden ids from the official `tokenizers` binding. Any other
 * tokenizer.json loads the same way with `Tokenizer.fromFile`.
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Llama-2 tokenizer.json shipped with this package. */
export const LLAMA2_TOKENIZER_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'assets', 'llama2-tokenizer.json');

/** Settings of Llama-2-7b-chat-hf's tokenizer_config.json that the runtime library reads. */
const LLAMA2_CONFIG = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', clean_up_tokenization_spaces: false, legacy: false };

/** An invalid tokenizer argument: names the function and the argument. */
export class TokenizerError extends Error {
  constructor(
    readonly fn: string,
    readonly argument: string,
    message: string,
  ) {
    super(`${fn}: ${message}`);
    this.name = 'TokenizerError';
  }
}

export interface EncodeOptions {
  /** Add the template's special tokens (Llama-2: a leading <s>, id 1); default true. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (<s>, </s>, <unk>) from the text; default false. */
  skipSpecialTokens?: boolean;
}

export interface Encoding {
  ids: number[];
  /** The token strings, one per id (SentencePiece writes a space as "▁"). */
  tokens: string[];
}

export interface TokenizerFileOptions {
  /**
   * The model's tokenizer_config.json (an object, or a path); default: the one beside the
   * tokenizer.json when there is one, else {}.
   */
  config?: Record<string, unknown> | string;
}

function short(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  if (x === null || x === undefined || typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return `a ${(x as object).constructor?.name ?? typeof x}`;
}

export class Tokenizer {
  private readonly tok: HfTokenizer;
  /** Number of ids (vocabulary plus added tokens). */
  readonly vocabSize: number;

  private constructor(
    json: Record<string, unknown>,
    config: Record<string, unknown>,
    /** Where the tokenizer came from, for messages. */
    readonly source: string,
  ) {
    try {
      this.tok = new HfTokenizer(json, config);
    } catch (e) {
      throw new TokenizerError('Tokenizer', 'tokenizer.json', `${source} is not a tokenizer.json the library can load: ${(e as Error).message}`);
    }
    let max = -1;
    for (const id of this.tok.get_vocab(true).values()) if (id > max) max = id;
    this.vocabSize = max + 1;
  }

  /** A tokenizer from the contents of a tokenizer.json (an object or its JSON text). */
  static fromJSON(json: Record<string, unknown> | string, config: Record<string, unknown> = {}, source = 'tokenizer.json'): Tokenizer {
    let obj: unknown = json;
    if (typeof json === 'string') {
      try {
        obj = JSON.parse(json);
      } catch (e) {
        throw new TokenizerError('Tokenizer.fromJSON', 'json', `${source} is not valid JSON: ${(e as Error).message}`);
      }
    }
    if (typeof obj !== 'object' || obj === null || typeof (obj as Record<string, unknown>).model !== 'object') {
      throw new TokenizerError('Tokenizer.fromJSON', 'json', `${source} must be a tokenizer.json object with a "model", got ${short(obj)}`);
    }
    return new Tokenizer(obj as Record<string, unknown>, config, source);
  }

  /** Loads a tokenizer.json file (and the tokenizer_config.json beside it, when present). */
  static fromFile(path: string, opts: TokenizerFileOptions = {}): Tokenizer {
    if (typeof path !== 'string' || !existsSync(path)) {
      throw new TokenizerError('Tokenizer.fromFile', 'path', `path must name an existing tokenizer.json, got ${short(path)}`);
    }
    let config: Record<string, unknown> = {};
    const cfg = opts.config ?? (existsSync(join(dirname(path), 'tokenizer_config.json')) ? join(dirname(path), 'tokenizer_config.json') : undefined);
    if (typeof cfg === 'string') config = JSON.parse(readFileSync(cfg, 'utf8')) as Record<string, unknown>;
    else if (cfg) config = cfg;
    return Tokenizer.fromJSON(readFileSync(path, 'utf8'), config, path);
  }

  /**
   * Text to ids and tokens.
   * @param text any string, the empty string included (Llama-2 gives [1], the <s> alone)
   */
  encode(text: string, opts: EncodeOptions = {}): Encoding {
    if (typeof text !== 'string') throw new TokenizerError('Tokenizer.encode', 'text', `text must be a string, got ${short(text)}`);
    const e = this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true });
    return { ids: e.ids, tokens: e.tokens };
  }

  /** Ids to text. Every id must be an integer in [0, vocabSize). */
  decode(ids: readonly number[] | Int32Array, opts: DecodeOptions = {}): string {
    const fn = 'Tokenizer.decode';
    if (!Array.isArray(ids) && !(ids instanceof Int32Array)) {
      throw new TokenizerError(fn, 'ids', `ids must be an array of integers, got ${short(ids)}`);
    }
    const list = Array.from(ids as ArrayLike<number>);
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= this.vocabSize) {
        throw new TokenizerError(fn, 'ids', `ids must be integers in [0, ${this.vocabSize - 1}], got ${short(v)} at position ${i}`);
      }
    }
    if (list.length === 0) return ''; // the library refuses an empty list
    return this.tok.decode(list, { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  /** The token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }

  /** The id of a token string, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }
}

let llama2: Tokenizer | undefined;

/**
 * The Llama-2 tokenizer (meta-llama/Llama-2-7b-chat-hf: 32,000 ids, <unk> 0, <s> 1, </s> 2), loaded
 * once from the package's assets. Its vocabulary is Meta's, under the Llama 2 Community License.
 */
export function llama2Tokenizer(): Tokenizer {
  if (!llama2) {
    if (!existsSync(LLAMA2_TOKENIZER_PATH)) {
      throw new TokenizerError(
        'llama2Tokenizer',
        'asset',
        `${LLAMA2_TOKENIZER_PATH} is missing; rebuild it with 'node scripts/build-llama2-tokenizer.mjs' (needs the devDependency llama-tokenizer-js)`,
      );
    }
    llama2 = Tokenizer.fromFile(LLAMA2_TOKENIZER_PATH, { config: LLAMA2_CONFIG });
  }
  return llama2;
}
