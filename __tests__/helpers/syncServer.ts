import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface SyncServer {
  /** The endpoint to give httpRemote. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const script = join(__dirname, '../../examples/sync-server/server.mjs');

/**
 * Runs the reference sync server as its own process on 127.0.0.1, as a
 * deployment would; `port: 0` picks a free one. Resolves once it listens.
 */
export function startSyncServer({ dir, port = 0 }: { dir: string; port?: number }): Promise<SyncServer> {
  const child: ChildProcess = spawn(process.execPath, [script, '--port', String(port), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /url: '([^']+)'/.exec(output);
      if (!match) return;
      child.stdout!.off('data', onData);
      const url = match[1];
      resolve({
        url,
        port: Number(new URL(url).port),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`sync server exited (${code}) before listening:\n${output}`)));
  });
}
