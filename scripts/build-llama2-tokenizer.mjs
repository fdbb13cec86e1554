#!/usr/bin/env node
// (Re)builds assets/llama2-tokenizer.json: the Llama-2 tokenizer (meta-llama/Llama-2-7b-chat-hf) in
// Hugging Face's tokenizer.json format, offline.
//
// Source of the vocabulary and merges: the npm package llama-tokenizer-js (a devDependency), which
// carries the 32,000 pieces and 61,249 merges extracted from the tokenizer.json that Hugging Face
// distributes with the Llama models. Around them this script writes the pipeline of HF's
// LlamaTokenizerFast as it appears in that file: normalizer Prepend("▁") + Replace(" " -> "▁"), no
// pre-tokenizer, BPE with byte fallback and fused unknowns, the "<s> $A" template, and the
// Replace/ByteFallback/Fuse/Strip decoder.
//
//   node scripts/build-llama2-tokenizer.mjs                 write assets/llama2-tokenizer.json
//   node scripts/build-llama2-tokenizer.mjs --check         fail if the committed file differs
//   node scripts/build-llama2-tokenizer.mjs --verify-sentencepiece=tokenizer.model
//       also check, piece by piece, against Meta's original SentencePiece model (sha256 9e556afd...):
//       the vocabulary must equal its pieces in order, and the merges must equal those that HF's
//       converter derives from the pieces' scores.
//
// The vocabulary is Meta's (Llama 2 Community License): see NOTICE.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outPath = join(root, 'assets', 'llama2-tokenizer.json');
const args = process.argv.slice(2);
const check = args.includes('--check');
const spPath = args.find((a) => a.startsWith('--verify-sentencepiece='))?.slice('--verify-sentencepiece='.length);

const VOCAB_SIZE = 32000;
const MERGES = 61249;
const SPECIAL = [
  [0, '<unk>'],
  [1, '<s>'],
  [2, '</s>'],
];

async function loadSource() {
  let mod;
  try {
    mod = await import('llama-tokenizer-js');
  } catch (e) {
    throw new Error(`cannot import llama-tokenizer-js (run 'npm install' to get the devDependencies): ${e.message}`);
  }
  const src = mod.default;
  const vocab = src.vocabById;
  // The package keys each merge as "left right" in priority order; pieces never contain a space
  // (SentencePiece writes spaces as "▁"), so the split is unambiguous.
  const merges = [...src.merges.keys()];
  if (vocab.length !== VOCAB_SIZE) throw new Error(`llama-tokenizer-js: expected ${VOCAB_SIZE} pieces, got ${vocab.length}`);
  if (merges.length !== MERGES) throw new Error(`llama-tokenizer-js: expected ${MERGES} merges, got ${merges.length}`);
  for (const m of merges) if (m.split(' ').length !== 2) throw new Error(`llama-tokenizer-js: malformed merge ${JSON.stringify(m)}`);
  for (const [id, tok] of SPECIAL) if (vocab[id] !== tok) throw new Error(`llama-tokenizer-js: id ${id} is ${vocab[id]}, expected ${tok}`);
  return { vocab, merges };
}

function tokenizerJson({ vocab, merges }) {
  const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const vocabObj = {};
  vocab.forEach((piece, id) => {
    vocabObj[piece] = id;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(([id, t]) => special(id, t)),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab: vocabObj,
      merges,
    },
  };
}

/** Pieces (string, score, type) of a SentencePiece ModelProto (field 1, repeated SentencePiece). */
function readSentencePiece(buf) {
  let pos = 0;
  const varint = (b, end) => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw new Error('truncated varint');
      const byte = b[pos++];
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return v;
      shift += 7;
    }
  };
  const skip = (wire, end) => {
    if (wire === 0) varint(buf, end);
    else if (wire === 1) pos += 8;
    else if (wire === 2) {
      const n = varint(buf, end); // read before adding: `pos += varint()` would add to the old pos
      pos += n;
    }
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  };
  const pieces = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) // piece 30143 is U+FEFF itself;
  while (pos < buf.length) {
    const key = varint(buf, buf.length);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field !== 1 || wire !== 2) {
      skip(wire, buf.length);
      continue;
    }
    const len = varint(buf, buf.length);
    const end = pos + len;
    const p = { piece: '', score: 0, type: 1 };
    while (pos < end) {
      const k = varint(buf, end);
      const f = Math.floor(k / 8);
      const w = k & 7;
      if (f === 1 && w === 2) {
        const n = varint(buf, end);
        p.piece = dec.decode(buf.subarray(pos, pos + n));
        pos += n;
      } else if (f === 2 && w === 5) {
        p.score = dv.getFloat32(pos, true);
        pos += 4;
      } else if (f === 3 && w === 0) {
        p.type = varint(buf, end);
      } else skip(w, end);
    }
    pieces.push(p);
  }
  return pieces;
}

/**
 * The merges HF's SentencePiece converter derives from piece scores: every split of a piece into two
 * pieces of the vocabulary, ordered by the merged piece's score (highest first), ties by the ids of
 * the left then the right part. Pieces with score 0 (control and byte pieces) are never merge results.
 */
function mergesFromScores(pieces) {
  const id = new Map(pieces.map((p, i) => [p.piece, i]));
  const out = [];
  for (const p of pieces) {
    if (p.score === 0) continue;
    const chars = [...p.piece];
    for (let i = 1; i < chars.length; i++) {
      const l = chars.slice(0, i).join('');
      const r = chars.slice(i).join('');
      if (id.has(l) && id.has(r)) out.push({ l, r, score: p.score, il: id.get(l), ir: id.get(r) });
    }
  }
  out.sort((a, b) => b.score - a.score || a.il - b.il || a.ir - b.ir);
  return out.map((m) => `${m.l} ${m.r}`);
}

function verifySentencePiece(path, source) {
  const buf = new Uint8Array(readFileSync(path));
  const sha = createHash('sha256').update(buf).digest('hex');
  const pieces = readSentencePiece(buf);
  const problems = [];
  if (pieces.length !== source.vocab.length) problems.push(`${pieces.length} pieces, vocabulary has ${source.vocab.length}`);
  let vocabDiffs = 0;
  for (let i = 0; i < Math.min(pieces.length, source.vocab.length); i++) {
    if (pieces[i].piece !== source.vocab[i]) {
      if (vocabDiffs++ < 5) problems.push(`id ${i}: model has ${JSON.stringify(pieces[i].piece)}, vocabulary ${JSON.stringify(source.vocab[i])}`);
    }
  }
  const derived = mergesFromScores(pieces);
  let mergeDiffs = 0;
  if (derived.length !== source.merges.length) problems.push(`${derived.length} derived merges, the source has ${source.merges.length}`);
  for (let i = 0; i < Math.min(derived.length, source.merges.length); i++) {
    if (derived[i] !== source.merges[i] && mergeDiffs++ < 5) problems.push(`merge ${i}: derived ${JSON.stringify(derived[i])}, source ${JSON.stringify(source.merges[i])}`);
  }
  console.log(`sentencepiece model ${path}: sha256 ${sha}, ${pieces.length} pieces`);
  if (problems.length > 0) throw new Error(`the vocabulary does not match ${path}:\n  ${problems.join('\n  ')}`);
  console.log(`  vocabulary equals its ${pieces.length} pieces in order; the ${derived.length} merges equal those derived from its scores`);
}

const source = await loadSource();
const text = JSON.stringify(tokenizerJson(source), null, 2) + '\n';
if (spPath) verifySentencePiece(spPath, source);
if (check) {
  const current = readFileSync(outPath, 'utf8');
  if (current !== text) {
    console.error(`${outPath} differs from what this script builds; run node scripts/build-llama2-tokenizer.mjs`);
    process.exit(1);
  }
  console.log(`${outPath} is up to date`);
} else {
  writeFileSync(outPath, text);
  const sha = createHash('sha256').update(text).digest('hex');
  console.log(`wrote ${outPath}: ${source.vocab.length} pieces, ${source.merges.length} merges, ${text.length} bytes, sha256 ${sha}`);
}
