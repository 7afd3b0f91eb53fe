// The four stories of the browser tests. Each gets `t` from run.mjs: fresh
// servers, `open()` for a page in a browser context of its own (so its own
// IndexedDB), `pushed()` to wait for a push to reach the sync server, and
// `screenshot()`. Waits are Playwright's, on the page: no fixed sleeps.

const PROJECT = 'project:harbour-teaser';
const prompt = (n) => `Shot ${n} prompt`;

/** Waits until the header's indicator shows `status` (its data-status). */
function indicator(page, status) {
  return page.waitForSelector(`.save-status[data-status="${status}"]`);
}

/** Waits until the field labelled `label` holds `value`. */
function holds(page, label, value) {
  return page.waitForFunction(
    ([label, value]) => document.querySelector(`[aria-label="${label}"]`)?.value === value,
    [label, value],
  );
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const shotsOf = (project) => Object.fromEntries(project.shots.map((shot, i) => [i + 1, shot.prompt]));

export const scenarios = [
  {
    name: 'typing shows "Saving…" then "Saved", and the text is back after a reload, from IndexedDB',
    async run(t) {
      const page = await t.open();
      await indicator(page, 'saved');
      // Every wording the status region takes from here on.
      await page.evaluate(() => {
        const region = document.querySelector('.save-status [role="status"]');
        window.shownStatuses = [];
        new MutationObserver(() => window.shownStatuses.push(region.textContent)).observe(region, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      const text = 'Wide shot: the fleet slips out past the breakwater, first light on the sails';
      const box = page.getByLabel(prompt(1));
      await box.fill('');
      await box.pressSequentially(text);
      await page.getByRole('status').filter({ hasText: 'Saving…' }).waitFor();
      await page.getByRole('status').filter({ hasText: /^Saved/ }).waitFor();
      const shown = await page.evaluate(() => window.shownStatuses);
      check(
        shown.indexOf('Saving…') !== -1 && shown.lastIndexOf('Saved just now') > shown.indexOf('Saving…'),
        `the indicator showed ${JSON.stringify(shown)}`,
      );
      await t.screenshot(page, 'saved');

      // The sync server is out of reach for the reload: what comes back can only come from IndexedDB.
      await page.route(`${t.servers.syncUrl}/**`, (route) => route.abort('connectionrefused'));
      await page.reload();
      await page.waitForSelector('html[data-ready="true"]');
      await holds(page, prompt(1), text);
      const stored = await page.evaluate(
        (key) =>
          new Promise((resolve, reject) => {
            const open = indexedDB.open('redux-autosave-dashboard');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const get = open.result.transaction('keyvaluepairs').objectStore('keyvaluepairs').get(key);
              get.onsuccess = () => resolve(get.result);
              get.onerror = () => reject(get.error);
            };
          }),
        PROJECT,
      );
      check(stored?.data?.shots?.[0]?.prompt === text, `IndexedDB holds ${JSON.stringify(stored)}`);
      await t.screenshot(page, 'reloaded');
    },
  },
  {
    name: 'with the sync server stopped an edit is "Offline — changes kept", and reaches the server once it is back',
    async run(t) {
      const page = await t.open();
      await t.pushed(page, PROJECT);
      await t.servers.stopSync();

      const text = 'Close-up: rope coiled while the server is away';
      await page.getByLabel(prompt(2)).fill(text);
      await page.getByRole('status').filter({ hasText: 'Offline — changes kept' }).waitFor();
      await indicator(page, 'offline');
      await t.screenshot(page, 'offline');

      await t.servers.startSync();
      await t.pushed(page, PROJECT, text);
      await indicator(page, 'saved');
      const project = await t.onServer(PROJECT);
      check(shotsOf(project)[2] === text, `the server holds ${JSON.stringify(project)}`);
      await t.screenshot(page, 'back-online');
    },
  },
  {
    name: 'two browsers edit different shots of one project, and both edits survive on both',
    async run(t) {
      const a = await t.open('?poll=500');
      await t.pushed(a, PROJECT);
      const b = await t.open('?poll=500');
      const fromA = 'A: establishing shot from the harbour wall';
      const fromB = 'B: hands knot the rope, shallow focus';
      await Promise.all([a.getByLabel(prompt(1)).fill(fromA), b.getByLabel(prompt(2)).fill(fromB)]);
      for (const page of [a, b]) {
        await holds(page, prompt(1), fromA);
        await holds(page, prompt(2), fromB);
        await indicator(page, 'saved');
      }
      const project = await t.onServer(PROJECT);
      check(shotsOf(project)[1] === fromA && shotsOf(project)[2] === fromB, `the server holds ${JSON.stringify(project)}`);
      await t.screenshot(a, 'browser-a');
      await t.screenshot(b, 'browser-b');
    },
  },
  {
    name: 'the same shot edited in two browsers with conflict: manual shows "Conflict", and each button resolves it',
    async run(t) {
      // No polling: the second browser must not see the first one's edit before it makes its own.
      const query = '?conflict=manual&poll=3600000';
      const rounds = [
        ['Keep local', (start, a, b) => ({ 1: b[1], 2: start[2], 3: b[3] })],
        ['Keep remote', (start, a) => ({ 1: a[1], 2: a[2], 3: start[3] })],
        ['Keep merged', (start, a, b) => ({ 1: b[1], 2: a[2], 3: b[3] })],
      ];
      for (const [round, [button, expected]] of rounds.entries()) {
        const a = await t.open(query);
        if (round === 0) await t.pushed(a, PROJECT);
        const b = await t.open(query);
        const start = shotsOf(await t.onServer(PROJECT));
        // Both change shot 1; each also changes a shot the other leaves alone.
        const edits = { a: { 1: `A${round}: low angle on the bow`, 2: `A${round}: gulls` }, b: { 1: `B${round}: over the shoulder`, 3: `B${round}: lighthouse` } };
        for (const [n, text] of Object.entries(edits.a)) await a.getByLabel(prompt(n)).fill(text);
        await t.pushed(a, PROJECT, edits.a[2]);
        for (const [n, text] of Object.entries(edits.b)) await b.getByLabel(prompt(n)).fill(text);

        await indicator(b, 'conflict');
        await b.getByRole('status').filter({ hasText: 'Conflict' }).waitFor();
        await t.screenshot(b, `conflict-${button.toLowerCase().replace(' ', '-')}`);
        await b.getByRole('button', { name: button }).click();
        await indicator(b, 'saved');

        const want = expected(start, edits.a, edits.b);
        for (const n of [1, 2, 3]) await holds(b, prompt(n), want[n]);
        if (button !== 'Keep remote') await t.pushed(b, PROJECT, edits.b[1]);
        const onServer = shotsOf(await t.onServer(PROJECT));
        check([1, 2, 3].every((n) => onServer[n] === want[n]), `${button}: the server holds ${JSON.stringify(onServer)}, expected ${JSON.stringify(want)}`);
        await t.close(a);
        await t.close(b);
      }
    },
  },
];
