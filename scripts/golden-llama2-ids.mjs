#!/usr/bin/env node
// Regenerates test/golden/llama2-tokenizer.json: token ids, tokens and decodings of the Llama-2
// tokenizer (assets/llama2-tokenizer.json) produced by the official Hugging Face `tokenizers`
// binding (the Rust core behind Python's fast tokenizer; an npm devDependency). The tests check our
// runtime tokenizer (@huggingface/tokenizers) against this file: golden data from the reference
// implementation, never from our own output.
//
//   node scripts/golden-llama2-ids.mjs           write the golden file
//   node scripts/golden-llama2-ids.mjs --check   fail if the committed file differs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tokenizerPath = join(root, 'assets', 'llama2-tokenizer.json');
const outPath = join(root, 'test', 'golden', 'llama2-tokenizer.json');
const check = process.argv.includes('--check');

// The chat template of Llama-2-7b-chat-hf, spelled out for one system prompt and one user turn.
const CHAT = '<s>[INST] <<SYS>>\nYou are a helpful, respectful and honest assistant.\n<</SYS>>\n\nHello, how are you? [/INST]';

/** [label, text, addSpecialTokens] */
const CASES = [
  ['known Llama-2 ids', 'Hello world!', true],
  ['the demo sentence', 'Hello, how are you?', true],
  ['empty string', '', true],
  ['empty string without BOS', '', false],
  ['one space', ' ', true],
  ['leading spaces', '   leading spaces', true],
  ['trailing spaces', 'trailing spaces   ', true],
  ['runs of spaces inside', 'runs    of     spaces', true],
  ['tabs', 'tab\tseparated\t\tvalues', true],
  ['newlines', 'line one\nline two\n\nline four', true],
  ['CRLF', 'first line\r\nsecond line\r\n', true],
  ['only newlines', '\n\n\n', true],
  ['ideographic space', 'mixed\u3000ideographic space', true],
  ['NBSP', 'no\u00a0break', true],
  ['zero-width space', 'zero\u200bwidth', true],
  ['NUL byte', 'NUL\u0000byte', true],
  ['ligatures', 'ligatures \ufb01 \ufb02', true],
  ['accents', 'café naïve résumé', true],
  ['Japanese', '日本語のテキストです。', true],
  ['Chinese', '中文分词测试，标点符号。', true],
  ['Korean', '한국어 문장입니다', true],
  ['Greek and Cyrillic', 'Ελληνικά και русский', true],
  ['Hebrew and Arabic', 'עברית ועربي', true],
  ['emoji', 'emoji 😀 and 🦙', true],
  ['emoji ZWJ family', 'family 👨‍👩‍👧‍👦 here', true],
  ['emoji flag ZWJ', 'flag 🏳️‍🌈', true],
  ['skin tones', 'thumbs 👍🏽👋🏿', true],
  ['[INST] turn', '[INST] What is the capital of France? [/INST]', true],
  ['<<SYS>> block', '<<SYS>>\nBe brief.\n<</SYS>>', true],
  ['chat template', CHAT, true],
  ['chat template without BOS', CHAT, false],
  ['literal <s>', '<s>', true],
  ['literal </s>', '</s>', true],
  ['literal <unk>', '<unk>', true],
  ['</s> mid-text', 'end of turn </s> next', true],
  ['special tokens back to back', '<s><s></s><unk>', true],
  ['metaspace character', '▁ literal ▁▁ metaspace', true],
  ['byte-token spelling', '<0x0A> is not a newline', true],
  ['code', 'function f(x) { return x * 2; }', true],
  ['numbers', 'numbers 1234567890 3.14159 -42', true],
  ['URL', 'https://example.com/path?query=1&b=2', true],
  ['one letter', 'a', true],
  ['without BOS', 'Hello world!', false],
  [
    'paragraph',
    'FlashAttention computes exact attention with far fewer memory reads and writes, by tiling the ' +
      'softmax so that the full attention matrix is never materialized in GPU high-bandwidth memory.',
    true,
  ],
];

const require = createRequire(import.meta.url);
let Tokenizer;
try {
  ({ Tokenizer } = require('tokenizers'));
} catch (e) {
  console.error(`cannot load the official 'tokenizers' binding (npm install --include=dev): ${e.message}`);
  process.exit(1);
}
const tok = Tokenizer.fromFile(tokenizerPath);
const cases = [];
for (const [label, text, addSpecialTokens] of CASES) {
  const enc = await tok.encode(text, null, { addSpecialTokens });
  const ids = enc.getIds();
  cases.push({
    label,
    text,
    addSpecialTokens,
    ids,
    tokens: enc.getTokens(),
    decoded: await tok.decode(ids, false),
    decodedSkipSpecial: await tok.decode(ids, true),
  });
}
const version = JSON.parse(readFileSync(require.resolve('tokenizers/package.json'), 'utf8')).version;
const golden = {
  generator: `tokenizers ${version} (npm, the official Hugging Face binding) on assets/llama2-tokenizer.json`,
  cases,
};
const text = JSON.stringify(golden, null, 1) + '\n';
if (check) {
  if (readFileSync(outPath, 'utf8') !== text) {
    console.error(`${outPath} differs from what the official binding produces; run node scripts/golden-llama2-ids.mjs`);
    process.exit(1);
  }
  console.log(`${outPath} is up to date (${cases.length} cases)`);
} else {
  writeFileSync(outPath, text);
  console.log(`wrote ${outPath}: ${cases.length} cases from ${golden.generator}`);
}
