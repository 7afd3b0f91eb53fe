import { parseArguments, USAGE } from './cli/arguments';
import { storeFromSpec } from './cli/storeSpec';
import { bearerTokensFromFile } from './cli/tokens';
import { createSyncServer, migrate } from './index';

/**
 * `npx redux-autosave-server --store <memory | dir | postgres://… | redis://…> --port 8787 --host 127.0.0.1`:
 * prints the URL to give `httpRemote`, and stops cleanly on SIGINT/SIGTERM.
 */
async function main(argv: string[]): Promise<void> {
  const args = parseArguments(argv);
  if (args.command === 'help') return void console.log(USAGE);
  if (args.command === 'migrate') {
    if (args.store === 'memory' || !/^[a-z]+:\/\//.test(args.store)) return void console.log('redux-autosave-server: memory and directory stores need no migration');
    const { store, description } = storeFromSpec(args.store);
    try {
      await migrate(store);
    } finally {
      await store.close();
    }
    return void console.log(`redux-autosave-server: migrated; ${description}`);
  }
  const authorize = args.tokens ? bearerTokensFromFile(args.tokens) : 'anonymous';
  const { store, description } = storeFromSpec(args.store);
  let sync;
  try {
    sync = await createSyncServer({ store, authorize, port: args.port, host: args.host, basePath: args.basePath, cors: { origins: args.cors } });
  } catch (error) {
    await store.close();
    if (!args.tokens && /anonymous/.test((error as Error).message)) (error as Error).message += '\n(--tokens <file.json> gives each user a space of their own)';
    throw error;
  }
  console.log(`redux-autosave sync server: httpRemote({ url: '${sync.url}' })`);
  console.log(`${description}; ${args.tokens ? `users from the bearer tokens in ${args.tokens}` : 'no sign-in: one shared space, loopback only (--tokens adds users)'}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void sync.close().then(() => process.exit(0)));
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message.startsWith('redux-autosave') ? error.message : `redux-autosave-server: ${error.message}`);
  process.exit(1);
});
