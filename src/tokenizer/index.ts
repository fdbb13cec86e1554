export {
  type DecodeOptions,
  type EncodeOptions,
  type Encoding,
  LLAMA2_TOKENIZER_PATH,
  Tokenizer,
  TokenizerError,
  type TokenizerFileOptions,
  llama2Tokenizer,
} from './tokenizer.js';
