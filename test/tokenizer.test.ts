/**
 * The Llama-2 tokenizer against golden ids from Hugging Face's official `tokenizers` binding
 * (test/golden/llama2-tokenizer.json, made by scripts/golden-llama2-ids.mjs), round trips, loading
 * another tokenizer.json, and the error messages.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LLAMA2_TOKENIZER_PATH, Tokenizer, llama2Tokenizer } from '../src/tokenizer/index.js';

interface GoldenCase {
  label: string;
  text: string;
  addSpecialTokens: boolean;
  ids: number[];
  tokens: string[];
  decoded: string;
  decodedSkipSpecial: string;
}
const golden = JSON.parse(readFileSync(join(process.cwd(), 'test', 'golden', 'llama2-tokenizer.json'), 'utf8')) as {
  generator: string;
  cases: GoldenCase[];
};

describe('Llama-2 tokenizer matches the official tokenizers binding', () => {
  const tok = llama2Tokenizer();

  test('the golden file covers what the issue asks for', () => {
    assert.ok(golden.cases.length >= 30, `${golden.cases.length} cases`);
    assert.match(golden.generator, /^tokenizers \d+\.\d+\.\d+ \(npm, the official Hugging Face binding\)/);
    const texts = golden.cases.map((c) => c.text);
    for (const needle of ['\r\n', '[INST]', '<<SYS>>', '<s>', '</s>', '<unk>', '\u200d', '日本語', '   ']) {
      assert.ok(texts.some((t) => t.includes(needle)), `a case containing ${JSON.stringify(needle)}`);
    }
    assert.ok(texts.includes(''), 'the empty string');
  });

  test('"Hello world!" gives [1, 15043, 3186, 29991]', () => {
    assert.deepEqual(tok.encode('Hello world!').ids, [1, 15043, 3186, 29991]);
    assert.equal(tok.vocabSize, 32000);
    assert.equal(tok.idToToken(15043), '▁Hello');
    assert.equal(tok.tokenToId('</s>'), 2);
  });

  for (const c of golden.cases) {
    test(`encode and decode: ${c.label}`, () => {
      const e = tok.encode(c.text, { addSpecialTokens: c.addSpecialTokens });
      assert.deepEqual(e.ids, c.ids);
      assert.deepEqual(e.tokens, c.tokens);
      assert.equal(tok.decode(c.ids), c.decoded);
      assert.equal(tok.decode(Int32Array.from(c.ids), { skipSpecialTokens: true }), c.decodedSkipSpecial);
    });
  }

  test('encode then decode (skipping special tokens) round-trips text without special tokens, "▁" or spaces at the edges', () => {
    for (const c of golden.cases) {
      // A literal "▁" decodes as a space (it is SentencePiece's space), so it cannot round-trip.
      if (/<s>|<\/s>|<unk>|▁/.test(c.text) || c.text !== c.text.trim() || c.text === '') continue;
      assert.equal(tok.decode(tok.encode(c.text).ids, { skipSpecialTokens: true }), c.text, c.label);
    }
  });
});

describe('loading other tokenizers and bad input', () => {
  test('any tokenizer.json loads the same way (a tiny word-level one, with its tokenizer_config.json)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flash-attn-tok-'));
    const json = {
      version: '1.0',
      added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab: { '[UNK]': 0, hello: 1, world: 2, '!': 3 }, unk_token: '[UNK]' },
    };
    const path = join(dir, 'tokenizer.json');
    writeFileSync(path, JSON.stringify(json));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ unk_token: '[UNK]' }));
    const tok = Tokenizer.fromFile(path);
    assert.deepEqual(tok.encode('Hello WORLD ! again').ids, [1, 2, 3, 0]);
    assert.equal(tok.vocabSize, 4);
  });

  test('the Llama-2 file loads through the same public path', () => {
    const t = Tokenizer.fromFile(LLAMA2_TOKENIZER_PATH);
    assert.deepEqual(t.encode('Hello world!').ids, [1, 15043, 3186, 29991]);
  });

  test('errors name the function, the argument and what was received', () => {
    const tok = llama2Tokenizer();
    assert.throws(() => tok.encode(42 as unknown as string), /^TokenizerError: Tokenizer\.encode: text must be a string, got 42$/);
    assert.throws(() => tok.encode(undefined as unknown as string), /text must be a string, got undefined/);
    assert.throws(() => tok.decode([1, 32000]), /Tokenizer\.decode: ids must be integers in \[0, 31999\], got 32000 at position 1/);
    assert.throws(() => tok.decode([0.5]), /got 0\.5 at position 0/);
    assert.throws(() => tok.decode('abc' as unknown as number[]), /Tokenizer\.decode: ids must be an array of integers, got "abc"/);
    assert.equal(tok.decode([]), '');
    assert.throws(() => Tokenizer.fromFile('/nonexistent/tokenizer.json'), /Tokenizer\.fromFile: path must name an existing tokenizer\.json, got "\/nonexistent\/tokenizer\.json"/);
    assert.throws(() => Tokenizer.fromJSON('{not json'), /Tokenizer\.fromJSON: tokenizer\.json is not valid JSON/);
    assert.throws(() => Tokenizer.fromJSON({ version: '1.0' }), /must be a tokenizer\.json object with a "model"/);
  });
});
