/** TypeScript layouts of the foundation's test kernels' parameter structs (kernels/test/test_params.h). */
import { defineStruct } from '../../src/cuda/index.js';

export const IOTA_PARAMS = defineStruct('IotaParams', [
  ['out', 'ptr'],
  ['count', 'i64'],
  ['start', 'f32'],
  ['step', 'f32'],
] as const);

export const TMA_COPY_PARAMS = defineStruct('TmaCopyParams', [
  ['src', 'tensormap'],
  ['out', 'ptr'],
  ['rows', 'i32'],
  ['cols', 'i32'],
  ['boxRows', 'i32'],
  ['boxCols', 'i32'],
] as const);
