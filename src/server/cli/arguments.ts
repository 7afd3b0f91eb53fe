import { parseArgs } from 'node:util';

export interface CliArguments {
  command: 'serve' | 'migrate' | 'help';
  store: string;
  port: number;
  host: string;
  tokens?: string;
  cors: string[];
  basePath: string;
}

export const USAGE = `Usage: redux-autosave-server [migrate] [options]

  --store <where>          where documents are kept (default ./.sync-data):
                           memory, a directory, postgres://…[?schema=name] or redis://…
  --port <n>               default 8787; 0 picks a free port
  --host <address>         default 127.0.0.1
  --tokens <file.json>     bearer tokens, { "<token>": "<userId>" }: each user gets a space of their own.
                           Without it everyone shares one space, and only loopback addresses are allowed.
  --cors <origin>          a browser origin allowed to call it (repeatable)
  --base-path <path>       default /api/autosave
  migrate                  create or upgrade a database store's tables (--store postgres://…), then exit`;

/** Reads argv; throws with the usage on anything it does not know. */
export function parseArguments(argv: string[]): CliArguments {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      store: { type: 'string', default: './.sync-data' },
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      tokens: { type: 'string' },
      cors: { type: 'string', multiple: true, default: [] },
      'base-path': { type: 'string', default: '/api/autosave' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command = 'serve', ...rest] = positionals;
  if (rest.length > 0 || !['serve', 'migrate'].includes(command)) throw new Error(`unknown command ${JSON.stringify(positionals.join(' '))}\n\n${USAGE}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, received ${JSON.stringify(values.port)}`);
  return {
    command: values.help ? 'help' : (command as 'serve' | 'migrate'),
    store: values.store!,
    port,
    host: values.host!,
    tokens: values.tokens,
    cors: values.cors as string[],
    basePath: values['base-path']!,
  };
}
