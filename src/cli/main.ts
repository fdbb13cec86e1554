/**
 * `flash-attn` command line. Subcommands: info, bench (more arrive with the demo).
 */
import { runBenchCommand } from './bench/command.js';
import { runDemoCommand } from './demo.js';
import { runInfo } from './info.js';

const USAGE = `usage: flash-attn <command> [options]

commands:
  info [--json] [--shape BxSxHxD ...]   library, Node, driver, GPU, clocks, built kernels,
                                         and which backend runs each shape
  bench [options]                        time attention over the FA3 paper's grid (see bench --help)
  bench compare FILE.json...             ratio table and chart of ours against the peers
  bench hostcost                         host cost of one attention call, in microseconds
  demo [text] [--device cpu|cuda]       Llama-2 tokenizer + SimpleTransformer forward (see demo --help)
  help                                   this text`;

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'info':
        return runInfo(rest);
      case 'bench':
        return runBenchCommand(rest);
      case 'demo':
        return runDemoCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        console.error(`flash-attn: unknown command '${cmd}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    console.error(`flash-attn ${cmd}: ${(e as Error).message}`);
    return 1;
  }
}
