/** @jest-environment ./__tests__/helpers/browserEnvironment.cjs */
/**
 * Live changes in a page: the stream closes while the page is hidden or
 * offline and on dispose, resumes after its last cursor; an incoming change
 * to one shot re-renders that shot's component alone. The remote is in
 * memory (liveRemote); the HTTP side is in liveChanges.test.ts.
 */
import { act, render } from '@testing-library/react';
import { memo } from 'react';
import { Provider, useSelector } from 'react-redux';
import { makeProject, projectDocument, promptChanged, type Project, type TestState } from './helpers';
import { liveRemote } from './helpers/liveRemote';
import { createDevice, type Device } from './helpers/sync';

const devices: Device[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.autosave.dispose({ flush: false })));
  setPage('visible', true);
});

let visibility: DocumentVisibilityState = 'visible';
let onLine = true;
Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => onLine });

function setPage(nextVisibility: DocumentVisibilityState, nextOnLine: boolean): void {
  if (nextVisibility !== visibility) {
    visibility = nextVisibility;
    document.dispatchEvent(new Event('visibilitychange'));
  }
  if (nextOnLine !== onLine) {
    onLine = nextOnLine;
    window.dispatchEvent(new Event(nextOnLine ? 'online' : 'offline'));
  }
}

/** A device showing p1 (`shots` shots), loaded from the live remote, its stream open. */
async function watching(server: ReturnType<typeof liveRemote>, shots = 3, options: Parameters<typeof createDevice>[1] = {}) {
  server.write('project:p1', makeProject('p1', 'Trailer', shots), 'elsewhere');
  const device = createDevice(server.remote, options);
  devices.push(device);
  await device.autosave.load('project', 'p1');
  await device.until(() => server.open === 1 && device.status().remoteVersion !== null, 'the stream open');
  return device;
}

const withPrompt = (project: Project, index: number, prompt: string): Project => ({
  ...project,
  shots: project.shots.map((shot, i) => (i === index ? { ...shot, prompt } : shot)),
});

describe('the stream and the page', () => {
  it('closes while the page is hidden and, shown again, resumes after the last cursor it heard', async () => {
    const server = liveRemote();
    const b = await watching(server);
    server.write('project:p1', { ...b.project()!, title: 'Heard live' });
    await b.until(() => b.project()?.title === 'Heard live');
    const cursor = server.cursor;

    setPage('hidden', true);
    expect(server.open).toBe(0);
    const pulls = server.pulls.length;
    server.write('project:p1', { ...b.project()!, title: 'Written while hidden' });
    expect(server.pulls.length).toBe(pulls);

    setPage('visible', true);
    await b.until(() => b.project()?.title === 'Written while hidden');
    expect(server.open).toBe(1);
    expect(server.connections.map((c) => c.after)).toEqual([undefined, cursor]);
  });

  it('closes while offline and opens again online', async () => {
    const server = liveRemote();
    await watching(server);

    setPage('visible', false);
    expect(server.open).toBe(0);
    setPage('visible', true);
    expect(server.open).toBe(1);
    expect(server.connections).toHaveLength(2);
  });

  it('closes on dispose', async () => {
    const server = liveRemote();
    const b = await watching(server);
    await b.autosave.dispose({ flush: false });
    expect(server.open).toBe(0);
  });
});

describe('what an incoming change re-renders', () => {
  function renderShots(device: Device, count: number) {
    const renders = new Array<number>(count).fill(0);
    const Shot = memo(function Shot({ index }: { index: number }) {
      const shot = useSelector((state: TestState) => state.project.current!.shots[index]);
      renders[index]++;
      return <li>{shot.prompt}</li>;
    });
    function Shots() {
      const length = useSelector((state: TestState) => state.project.current?.shots.length ?? 0);
      return <ul>{Array.from({ length }, (_, index) => <Shot key={index} index={index} />)}</ul>;
    }
    render(
      <Provider store={device.store}>
        <Shots />
      </Provider>,
    );
    return renders;
  }

  it('re-renders the one shot another device changed, not the other 199', async () => {
    const server = liveRemote();
    const b = await watching(server, 200);
    const renders = renderShots(b, 200);
    const before = b.project()!;
    const statuses: string[] = [];
    b.store.subscribe(() => statuses.push(b.status().status));

    await act(async () => {
      server.write('project:p1', withPrompt(before, 3, 'Close on the harbour master'));
      await b.until(() => b.project()!.shots[3].prompt === 'Close on the harbour master' && !b.status().pendingSync);
    });

    expect(renders.filter((n) => n !== 1)).toEqual([2]);
    expect(renders[3]).toBe(2);
    const after = b.project()!;
    expect(after.shots.filter((shot, i) => shot !== before.shots[i])).toEqual([after.shots[3]]);
    expect(new Set(statuses)).toEqual(new Set(['saved']));
  });

  it('merges with an unsaved local edit, keeping every untouched shot the same object', async () => {
    const server = liveRemote();
    const b = await watching(server, 50, { documents: { project: projectDocument({ debounceMs: 60_000, maxWaitMs: 60_000 }) } });
    const renders = renderShots(b, 50);
    act(() => void b.store.dispatch(promptChanged({ shotId: 's1', prompt: 'Typed here, not saved yet' })));
    const local = b.project()!;
    expect(b.status().status).toBe('pending');

    await act(async () => {
      server.write('project:p1', withPrompt(server.documents.get('project:p1')!.data as Project, 7, 'From the other device'));
      await b.until(() => b.project()!.shots[7].prompt === 'From the other device');
    });

    const merged = b.project()!;
    expect(merged.shots[0]).toBe(local.shots[0]);
    expect(merged.shots.filter((shot, i) => shot !== local.shots[i])).toEqual([merged.shots[7]]);
    expect(renders.filter((n, i) => n !== 1 && i !== 0)).toEqual([2]);
    expect(renders[0]).toBe(2);
  });
});
