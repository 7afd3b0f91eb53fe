import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const root = resolve(__dirname, '../../..');
let bundle: string | undefined;
let probe: string | undefined;

/** The CLI as `npx redux-autosave-server` runs it, bundled from the sources once per test file. */
function cliBundle(): string {
  if (bundle) return bundle;
  // Inside the repository, so that the database drivers, left out of the bundle as the published
  // CLI leaves them, are found in node_modules when a store loads one.
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = join(mkdtempSync(join(cache, 'autosave-cli-')), 'cli.mjs');
  buildSync({ entryPoints: [join(root, 'src/server/cli.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node18', outfile: out, logLevel: 'silent', external: ['pg', 'ioredis'] });
  return (bundle = out);
}

/**
 * Preloaded into the server: on SIGUSR2 it collects garbage and prints the heap
 * in use, so a test can see what the server keeps per request without a
 * hook in the server itself — the same for today's server and the old one.
 */
function heapProbe(): string {
  if (probe) return probe;
  probe = join(mkdtempSync(join(tmpdir(), 'autosave-probe-')), 'probe.mjs');
  writeFileSync(probe, "process.on('SIGUSR2', () => { globalThis.gc(); globalThis.gc(); process.stdout.write(`heap ${process.memoryUsage().heapUsed}\\n`); });\n");
  return probe;
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The process's peak resident memory so far (VmHWM), in bytes. */
  peakRss(): number;
  /** The heap in use after a full collection, in bytes. */
  heapAfterGc(): Promise<number>;
  close(): Promise<void>;
  kill9(): Promise<void>;
}

export interface SpawnOptions {
  /** `memory` or a directory. */
  store: string;
  args?: string[];
  /** Runs the server under `ulimit -n`. */
  fdLimit?: number;
}

/**
 * Runs the sync server in a process of its own on 127.0.0.1, as a
 * deployment does. With `LEGACY_SYNC_SERVER=<path to the old
 * examples/sync-server/server.mjs>` in the environment it runs that one
 * instead: that is how the hardening tests were shown to fail on it.
 */
export function spawnServer({ store, args = [], fdLimit }: SpawnOptions): Promise<ServerProcess> {
  const legacy = process.env.LEGACY_SYNC_SERVER;
  const script = legacy ?? cliBundle();
  const storeArgs = legacy ? (store === 'memory' ? ['--memory'] : ['--dir', store]) : ['--store', store];
  const nodeArgs = ['--expose-gc', '--import', heapProbe(), script, '--port', '0', ...storeArgs, ...args];
  const command = fdLimit ? 'bash' : process.execPath;
  const argv = fdLimit ? ['-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`, process.execPath, ...nodeArgs] : nodeArgs;
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const heapWaiters: ((bytes: number) => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const match of chunk.toString().matchAll(/^heap (\d+)$/gm)) heapWaiters.shift()?.(Number(match[1]));
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // A server that does not stop within 5 s of SIGTERM is killed: a test never hangs on it.
  const stop = (signal: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolveStart, reject) => {
    const onData = () => {
      const url = /url: '([^']+)'/.exec(stdout)?.[1];
      if (!url) return;
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolveStart({
        url,
        pid: child.pid!,
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        peakRss: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
        heapAfterGc: () =>
          new Promise((done) => {
            heapWaiters.push(done);
            child.kill('SIGUSR2');
          }),
        close: stop('SIGTERM'),
        kill9: stop('SIGKILL'),
      });
    };
    const onExit = (code: number | null) => reject(Object.assign(new Error(`the server exited (${code}) before listening:\n${stdout}${stderr}`), { stdout, stderr, code }));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** A PUT of a JSON body (a create unless `headers` say otherwise), given up after `timeoutMs`. */
export const putDocument = (url: string, key: string, body: string, headers: Record<string, string> = { 'if-none-match': '*' }, timeoutMs = 10_000) =>
  fetch(`${url}/${encodeURIComponent(key)}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });

/** Lines of a stack trace in a process's output: what a server facing hostile clients must not print. */
export function stackLines(output: string): string[] {
  return output.split('\n').filter((line) => /^\s+at /.test(line));
}

const agents = new Map<string, Agent>();

/**
 * One request over a kept-alive connection with node:http: for loops of
 * thousands of requests, where fetch inside jest costs more than the server.
 */
export function request(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string }> {
  const { origin } = new URL(url);
  let agent = agents.get(origin);
  if (!agent) agents.set(origin, (agent = new Agent({ keepAlive: true, maxSockets: 16 })));
  return new Promise((resolve, reject) => {
    const sent = httpRequest(url, { method, headers, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, text }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

afterAll(() => {
  for (const agent of agents.values()) agent.destroy();
});
