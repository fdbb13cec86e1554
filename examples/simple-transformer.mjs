// The FlashAttention seed example, as it was meant: a Llama-2 tokenizer, a SimpleTransformer whose
// attention calls flashAttnQkvpackedFunc on a packed qkv tensor, and one forward pass.
//
//   npm install && node examples/simple-transformer.mjs
//
// Copy it into your project with `import ... from 'flash-attn-ts'` (the same names).
import { SimpleTransformer, cuda, formatAttentionPath, llama2Tokenizer } from 'flash-attn-ts';

// 1. Tokenize. The Llama-2 tokenizer ships with the package (no download) and gives the ids that
//    Hugging Face's AutoTokenizer("meta-llama/Llama-2-7b-chat-hf") gives, <s> (id 1) first.
const tokenizer = llama2Tokenizer();
const { ids, tokens } = tokenizer.encode('Hello, how are you?');
console.log('ids   ', JSON.stringify(ids)); // [1,15043,29892,920,526,366,29973]
console.log('tokens', JSON.stringify(tokens));

// 2. Build the model. Token ids go through an Embedding (not a Linear); each block's attention
//    projects x to one packed tensor [batch, seqlen, 3, heads, headDim] and hands that strided view
//    to flashAttnQkvpackedFunc: the heads are split, q/k/v are never copied. bfloat16 weights,
//    seeded, the same bits on the CPU and the GPU.
const device = cuda.isAvailable() ? 'cuda' : 'cpu';
const model = new SimpleTransformer({
  vocabSize: tokenizer.vocabSize, // 32000
  embedSize: 512,
  heads: 8, // head dim 64
  layers: 4,
  causal: true,
  dtype: 'bfloat16',
  device,
  seed: 0,
});

// 3. Forward: ids [seqlen] (or [batch, seqlen]) -> logits [batch, seqlen, vocabSize].
const t0 = performance.now();
const logits = model.forward(ids);
const values = logits.toHost().toFloat32Array(); // waits for the GPU
console.log('logits', JSON.stringify(logits.dims), logits.dtype, 'on', device, `${(performance.now() - t0).toFixed(1)} ms`);
console.log('first values', Array.from(values.slice(0, 5), (v) => v.toFixed(4)).join(' '));
console.log('attention ran on', formatAttentionPath(model.attentionPath)); // sm90 on an H100, cpu without a GPU

// Device memory is freed at once, not when the garbage collector gets to it.
logits.dispose();
model.dispose();
