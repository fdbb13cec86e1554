#!/usr/bin/env node
// The flash-attn command line: see `flash-attn help`.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
