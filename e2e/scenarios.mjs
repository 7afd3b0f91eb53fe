// The stories of the browser tests. Each gets `t` from run.mjs: fresh
// servers, `open()` for a page in a browser context of its own (so its own
// IndexedDB), `tab()` for another page in the same context as one already
// open (a second tab: same IndexedDB, BroadcastChannel and Web Locks),
// `pushed()` to wait for a push to reach the sync server, and `screenshot()`.
// Waits are Playwright's, on the page: no fixed sleeps (the one 100 ms pause
// of the tab closed before its save is what that story is about).

import { deltaPushes } from './delta.mjs';

const PROJECT = 'project:harbour-teaser';
const prompt = (n) => `Shot ${n} prompt`;
// The sample project's shots, as a new browser seeds it.
const SEED = {
  1: 'Wide shot: fishing boats leave a misty harbour at dawn, gulls overhead',
  2: 'Close-up: weathered hands coil a wet rope on the deck',
  3: 'Drone shot rising over the lighthouse as the sun breaks through',
};
// Tabs of one browser: no polling of the sync server (an hour), so what one
// tab learns from another comes through IndexedDB and BroadcastChannel.
const TABS = '?poll=3600000';

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

/**
 * The envelope stored in IndexedDB at `key` (the dashboard's localforage
 * database and store), decoded whatever its format (`decodeEnvelope`), or
 * undefined.
 */
async function stored(page, key) {
  return decodeEnvelope(await storedRaw(page, key));
}

/** The value stored in IndexedDB at `key`, as IndexedDB holds it, or undefined. */
function storedRaw(page, key) {
  return page.evaluate(
    (key) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('redux-autosave-dashboard');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('keyvaluepairs').objectStore('keyvaluepairs').get(key);
          get.onsuccess = () => {
            open.result.close();
            resolve(get.result);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    key,
  );
}

/** Records in the page every wording the status region takes from now on, with the page's Date.now() when shown. */
function recordStatuses(page) {
  return page.evaluate(() => {
    const region = document.querySelector('.save-status [role="status"]');
    window.statusLog = [];
    new MutationObserver(() => window.statusLog.push([region.textContent, Date.now()])).observe(region, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
}

/** Waits until the page shows "Saved" after a "Saving…" recorded by recordStatuses(); the page's time it did. */
async function savedAt(page) {
  const handle = await page.waitForFunction(() => {
    const log = window.statusLog;
    const saving = log.findIndex(([text]) => text === 'Saving…');
    const saved = saving === -1 ? undefined : log.slice(saving + 1).find(([text]) => text.startsWith('Saved'));
    return saved ? saved[1] : false;
  });
  return handle.jsonValue();
}

/** Waits (every frame) until the field labelled `label` holds `value`; the page's Date.now() when it was seen. */
async function shownAt(page, label, value, options = {}) {
  const handle = await page.waitForFunction(
    ([label, value]) => document.querySelector(`[aria-label="${label}"]`)?.value === value && Date.now(),
    [label, value],
    { polling: 'raf', ...options },
  );
  return handle.jsonValue();
}

/**
 * Types `value` into the field labelled `label` at `at` (Date.now() of the
 * page, the same clock in every tab), the way React sees typing: the value
 * set through the element's own setter, then an input event.
 */
function editAt(page, label, value, at) {
  return page.evaluate(
    ([label, value, at]) => {
      const field = document.querySelector(`[aria-label="${label}"]`);
      const setValue = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(field), 'value').set;
      setTimeout(() => {
        setValue.call(field, value);
        field.dispatchEvent(new Event('input', { bubbles: true }));
      }, at - Date.now());
    },
    [label, value, at],
  );
}

/**
 * A stored envelope with its document as `data`, whatever the format:
 * format 2 (what saves write by default) keeps the document as its JSON text
 * in `json` (or, stored as one string, after a header line), parsed here;
 * format 1 keeps it as a plain value in `data`. Anything else is returned as it is.
 */
function decodeEnvelope(value) {
  let envelope = value;
  if (typeof value === 'string') {
    const newline = value.indexOf('\n');
    try {
      envelope = newline === -1 ? JSON.parse(value) : { ...JSON.parse(value.slice(0, newline)), json: value.slice(newline + 1) };
    } catch {
      return value;
    }
  }
  if (envelope?.format === 2 && typeof envelope.json === 'string') {
    try {
      return { ...envelope, data: JSON.parse(envelope.json) };
    } catch {
      return envelope;
    }
  }
  return envelope;
}

/**
 * A decoded envelope as redux-autosave stores it, in `format` (2 unless told:
 * what the dashboard's saves write): format 2 `{ format, version, savedAt,
 * checksum (u3:), json }`, format 1 `{ format, version, savedAt, checksum (m3:), data }`.
 */
function checkEnvelope(envelope, where, format = 2) {
  const checksum = format === 2 ? /^u3:[0-9a-f]{8}$/ : /^m3:[0-9a-f]{8}$/;
  check(
    envelope?.format === format &&
      Number.isInteger(envelope.version) &&
      Number.isFinite(envelope.savedAt) &&
      checksum.test(envelope.checksum) &&
      (format === 2 ? typeof envelope.json === 'string' : !('json' in envelope)) &&
      typeof envelope.data === 'object' &&
      envelope.data !== null,
    `${where} is not a format-${format} envelope: ${JSON.stringify(envelope)}`,
  );
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const shotsOf = (project) => Object.fromEntries(project.shots.map((shot, i) => [i + 1, shot.prompt]));

/** Waits until IndexedDB's copy of `key` holds `text` somewhere in it. */
function storedWith(page, key, text) {
  return page.waitForFunction(
    ([key, text]) =>
      new Promise((resolve) => {
        const open = indexedDB.open('redux-autosave-dashboard');
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const get = open.result.transaction('keyvaluepairs').objectStore('keyvaluepairs').get(key);
          get.onsuccess = () => {
            open.result.close();
            // Format 2 keeps the document as JSON text (in json, or after a header line): look in that text as it is.
            const value = get.result ?? null;
            const inText = typeof value === 'string' ? value : typeof value?.json === 'string' ? value.json : JSON.stringify(value);
            resolve(inText.includes(text));
          };
          get.onerror = () => resolve(false);
        };
      }),
    [key, text],
    { timeout: 10_000 },
  );
}

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
      // "Saving…" lasts as long as one IndexedDB write: read off the record, not polled for.
      const sawBoth = await page
        .waitForFunction(
          () => {
            const shown = window.shownStatuses;
            return shown.indexOf('Saving…') !== -1 && shown.lastIndexOf('Saved just now') > shown.indexOf('Saving…');
          },
          undefined,
          { timeout: 10_000 },
        )
        .then(
          () => true,
          () => false,
        );
      const shown = await page.evaluate(() => window.shownStatuses);
      check(sawBoth, `the indicator showed ${JSON.stringify(shown)}`);
      await t.screenshot(page, 'saved');

      // The sync server is out of reach for the reload: what comes back can only come from IndexedDB.
      await page.route(`${t.servers.syncUrl}/**`, (route) => route.abort('connectionrefused'));
      await page.reload();
      await page.waitForSelector('html[data-ready="true"]');
      await holds(page, prompt(1), text);
      const envelope = await stored(page, PROJECT);
      checkEnvelope(envelope, `IndexedDB's ${PROJECT}`);
      check(envelope.data.shots?.[0]?.prompt === text, `IndexedDB holds ${JSON.stringify(envelope)}`);
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
      // No polling and no stream of changes: the second browser must not see
      // the first one's edit before it makes its own.
      const query = '?conflict=manual&poll=3600000&live=0';
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
  {
    name: 'two tabs of one browser: an edit saved in tab A shows in tab B within a second, without a reload',
    async run(t) {
      // No polling of the sync server: what reaches B can only come from A, through the browser.
      const a = await t.open(TABS);
      await indicator(a, 'saved');
      await t.pushed(a, PROJECT);
      const b = await t.tab(a, TABS);
      await indicator(b, 'saved');
      await recordStatuses(a);
      // Gone if B reloads: the text must arrive in this same document.
      await b.evaluate(() => (window.sameDocument = true));

      const text = 'Tab A: the skipper squints into the low sun, wind in the rigging';
      // Watched in B from before A saves, so the time B shows it is the time it first did.
      const seen = shownAt(b, prompt(1), text);
      seen.catch(() => {}); // awaited below; a failure before then must not go unhandled
      await a.getByLabel(prompt(1)).fill(text);
      const saved = await savedAt(a);
      // The promise itself: counted from A showing "Saved", B holds the text within 1000 ms.
      await b.waitForFunction(
        ([label, value]) => document.querySelector(`[aria-label="${label}"]`)?.value === value,
        [prompt(1), text],
        { timeout: 1000 },
      );
      const latency = (await seen) - saved;
      check(latency <= 1000, `B showed the text ${latency} ms after A showed "Saved"`);
      check(await b.evaluate(() => window.sameDocument === true), 'B was reloaded');
      t.note(`B showed A's text ${latency} ms after A showed "Saved"`);
      check((await b.getByLabel(prompt(2)).inputValue()) === SEED[2], 'B lost shot 2');
      await t.screenshot(a, 'tab-a');
      await t.screenshot(b, 'tab-b');
    },
  },
  {
    name: 'two tabs of one browser edit different shots at the same time: both edits survive in both tabs and in IndexedDB',
    async run(t) {
      const a = await t.open(TABS);
      await indicator(a, 'saved');
      await t.pushed(a, PROJECT);
      const b = await t.tab(a, TABS);
      await indicator(b, 'saved');
      await Promise.all([recordStatuses(a), recordStatuses(b)]);

      const fromA = 'Tab A: nets hauled over the gunwale, silver flashing';
      const fromB = 'Tab B: the harbour master rings the bell';
      // Both edits land in the same millisecond of the tabs' shared clock, so
      // both debounces run out together and the two saves race for the lock.
      const at = Date.now() + 300;
      await Promise.all([editAt(a, prompt(1), fromA, at), editAt(b, prompt(2), fromB, at)]);
      const [savedA, savedB] = await Promise.all([savedAt(a), savedAt(b)]);
      t.note(`edited in both tabs at the same instant; A showed "Saved" ${savedA - at} ms later, B ${savedB - at} ms later`);
      for (const page of [a, b]) {
        await holds(page, prompt(1), fromA);
        await holds(page, prompt(2), fromB);
        await holds(page, prompt(3), SEED[3]);
        await indicator(page, 'saved');
      }
      const envelope = await stored(a, PROJECT);
      checkEnvelope(envelope, `IndexedDB's ${PROJECT}`);
      const inStorage = shotsOf(envelope.data);
      check(
        inStorage[1] === fromA && inStorage[2] === fromB && inStorage[3] === SEED[3],
        `IndexedDB holds ${JSON.stringify(envelope)}`,
      );
      // The one tab that pushes sends the copy holding both.
      await t.pushed(a, PROJECT, `${fromA}"},{"id":"shot-2","prompt":"${fromB}`);
      const onServer = shotsOf(await t.onServer(PROJECT));
      check(onServer[1] === fromA && onServer[2] === fromB, `the server holds ${JSON.stringify(onServer)}`);
      await t.screenshot(a, 'tab-a');
      await t.screenshot(b, 'tab-b');
    },
  },
  {
    name: 'a tab closed 100 ms after an edit, before its save was due: a new tab shows the edit',
    async run(t) {
      const a = await t.open(TABS);
      await indicator(a, 'saved');
      await t.pushed(a, PROJECT);
      const context = a.context();
      const dialogs = [];
      a.on('dialog', (dialog) => {
        dialogs.push(dialog.type());
        dialog.accept().catch(() => {});
      });

      const text = 'Closing shot: the lighthouse beam sweeps the empty quay';
      await a.getByLabel(prompt(3)).fill(text);
      await a.waitForTimeout(100);
      // Still to be saved: the debounce (1000 ms for a project) has not run out.
      check((await a.locator('.save-status').getAttribute('data-status')) === 'pending', 'the edit was saved before the tab closed');
      const closed = a.waitForEvent('close');
      await a.close({ runBeforeUnload: true });
      await closed;

      // What the closed tab left right after it closed, seen from a page of
      // the same origin that runs no app: a note on which copy brings the edit back.
      const probe = await context.newPage();
      await probe.goto(`${t.servers.url}probe.txt`);
      const left = await stored(probe, PROJECT);
      const server = shotsOf(await t.onServer(PROJECT));
      await probe.close();
      t.note(
        `right after the close: IndexedDB ${shotsOf(left?.data ?? { shots: [] })[3] === text ? 'holds' : 'lacks'} the edit, ` +
          `the server ${server[3] === text ? 'holds' : 'lacks'} it; beforeunload dialogs: ${JSON.stringify(dialogs)}`,
      );

      const c = await t.tab(a, TABS);
      check((await c.getByLabel(prompt(3)).inputValue()) === text, `the new tab shows ${JSON.stringify(await c.getByLabel(prompt(3)).inputValue())}`);
      await indicator(c, 'saved');
      const envelope = await stored(c, PROJECT);
      checkEnvelope(envelope, `IndexedDB's ${PROJECT}`);
      check(shotsOf(envelope.data)[3] === text, `IndexedDB holds ${JSON.stringify(envelope)}`);
      await t.screenshot(c, 'new-tab');
    },
  },
  {
    name: 'two users editing "the same" project id never see each other\'s text, on their pages or on the server',
    async run(t) {
      const alice = await t.open('?user=alice&poll=500');
      const bob = await t.open('?user=bob&poll=500');
      await Promise.all([t.pushed(alice, PROJECT), t.pushed(bob, PROJECT)]);
      const fromAlice = "Alice: the harbour master's lantern at dusk";
      const fromBob = 'Bob: a gull lands on the mast';
      await alice.getByLabel(prompt(1)).fill(fromAlice);
      await t.pushed(alice, PROJECT, fromAlice);
      await bob.getByLabel(prompt(1)).fill(fromBob);
      await t.pushed(bob, PROJECT, fromBob);

      // Each page reloaded, so its load pulls from the server, then watched through two more pulls.
      for (const [page, own, other] of [
        [alice, fromAlice, fromBob],
        [bob, fromBob, fromAlice],
      ]) {
        await page.reload();
        await page.waitForSelector('html[data-ready="true"]');
        await holds(page, prompt(1), own);
        await page.evaluate((other) => {
          window.sawOther = false;
          const look = () => {
            if ([...document.querySelectorAll('textarea, input')].some((field) => field.value.includes(other))) window.sawOther = true;
            requestAnimationFrame(look);
          };
          look();
        }, other);
      }
      for (let pull = 0; pull < 2; pull++) {
        await Promise.all(
          [alice, bob].map((page) => page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith(encodeURIComponent(PROJECT)))),
        );
      }
      for (const [page, name] of [
        [alice, 'Alice'],
        [bob, 'Bob'],
      ]) {
        check((await page.evaluate(() => window.sawOther)) === false, `${name}'s page showed the other user's text`);
      }
      await holds(alice, prompt(1), fromAlice);
      await holds(bob, prompt(1), fromBob);
      const [onAlice, onBob, onDemo] = await Promise.all([t.onServer(PROJECT, 'alice'), t.onServer(PROJECT, 'bob'), t.onServer(PROJECT)]);
      check(shotsOf(onAlice)[1] === fromAlice && shotsOf(onBob)[1] === fromBob, `the server holds ${JSON.stringify({ onAlice, onBob })}`);
      check(onDemo === null, `the demo user's space holds ${JSON.stringify(onDemo)}`);
      // Without a token the server answers nothing at all.
      const anonymous = await fetch(`${t.servers.syncUrl}/${encodeURIComponent(PROJECT)}`);
      check(anonymous.status === 401, `a request without a token was answered ${anonymous.status}`);
      await t.screenshot(alice, 'alice');
      await t.screenshot(bob, 'bob');
    },
  },
  {
    name: 'history: an earlier copy kept on a timer is restored as a new edit, saved, and still there after a reload; the footer shows the storage used',
    async run(t) {
      // Copies are kept once a second here (five minutes by default).
      const page = await t.open('?historyMs=1000');
      await indicator(page, 'saved');
      const first = 'Wide shot: the first version, worth keeping';
      const second = 'Wide shot: a rewrite the user regrets';
      await page.getByLabel(prompt(1)).fill(first);
      await storedWith(page, PROJECT, first);
      // The story: more than historyMs passes before the next edit.
      await page.waitForTimeout(1200);
      await page.getByLabel(prompt(1)).fill(second);
      await storedWith(page, PROJECT, second);
      await indicator(page, 'saved');

      await page.getByText(/^History/).click();
      const kept = page.locator('.history li').filter({ hasText: 'kept on a timer' }).first();
      await kept.getByRole('button', { name: 'Preview' }).click();
      await kept.locator('.preview').waitFor();
      const preview = await kept.locator('.preview').textContent();
      check(preview.includes(first), `the newest copy kept on a timer previews as ${JSON.stringify(preview)}`);
      await t.screenshot(page, 'history');
      await kept.getByRole('button', { name: 'Restore' }).click();
      await holds(page, prompt(1), first);
      await storedWith(page, PROJECT, first);
      await indicator(page, 'saved');
      // History is never rewritten: the regretted copy is kept in its turn.
      const reasons = await page.locator('.history li .reason').allTextContents();
      check(reasons.length >= 2, `the History panel lists ${JSON.stringify(reasons)} after the restore`);

      await page.reload();
      await page.waitForSelector('html[data-ready="true"]');
      await holds(page, prompt(1), first);
      const footer = page.locator('footer.storage');
      await footer.waitFor();
      await page.waitForFunction(() => Number(document.querySelector('footer.storage')?.dataset.estimate) > 0, undefined, { timeout: 10_000 });
      const [total, estimate, words] = [await footer.getAttribute('data-total'), await footer.getAttribute('data-estimate'), await footer.textContent()];
      check(Number(total) > 0 && Number(estimate) > 0, `the footer says ${JSON.stringify(words)} (total ${total}, estimate ${estimate})`);
      t.note(`storage line: ${words}`);
      await t.screenshot(page, 'storage-line');
    },
  },
  {
    name: 'the hydration gate: a project opens through <AutosaveGate>, "Loading…" until its stored copy is in, and an edit made in another browser is what it shows',
    async run(t) {
      const a = await t.open('?poll=3600000');
      await indicator(a, 'saved');
      const text = 'Gate: the harbour at noon, shown only once loaded';
      await a.getByLabel(prompt(2)).fill(text);
      await t.pushed(a, PROJECT, text);

      // Another browser, reloaded while the server holds back its answer for
      // the project: the gate shows its fallback, not the editor, until the load settles.
      const b = await t.open('?poll=3600000');
      let release;
      const held = new Promise((resolve) => (release = resolve));
      await b.route(`${t.servers.syncUrl}/${encodeURIComponent(PROJECT)}`, async (route) => {
        await held;
        await route.continue();
      });
      await b.reload();
      await b.getByText('Loading…').first().waitFor();
      const fieldsWhileLoading = await b.locator('textarea').count();
      check(fieldsWhileLoading === 0, `the editor showed ${fieldsWhileLoading} fields before the load settled`);
      release();
      await b.waitForSelector('html[data-ready="true"]');
      await holds(b, prompt(2), text);
      await t.screenshot(b, 'gate-opened');
    },
  },
  {
    name: 'live changes: an edit saved in browser A shows in browser B within a second, with no polling, reload or focus change, and B never shows "Saving…" for it',
    async run(t) {
      // No polling of the sync server (an hour): what reaches B comes through the server's stream of changes.
      const a = await t.open(TABS);
      const b = await t.open(TABS);
      await Promise.all([indicator(a, 'saved'), indicator(b, 'saved')]);
      await t.pushed(a, PROJECT);
      const latency = await liveEdit(a, b, 'Browser A: the net comes up full, silver in the morning light');
      check((await b.getByLabel(prompt(1)).inputValue()) === SEED[1], 'B lost shot 1');
      t.note(`B showed A's text ${latency} ms after A showed "Saved" (two browsers, no polling)`);
      await t.screenshot(b, 'live-b');
    },
  },
  deltaPushes,
  {
    name: 'two server processes on one Postgres: an edit saved in browser A (served by process 1) shows in browser B (process 2) within a second, and B never shows "Saving…" for it',
    services: ['postgres'],
    dashboard: { processes: 2 },
    async run(t) {
      const [a, b] = await openOnTwoProcesses(t);
      const latency = await liveEdit(a, b, 'Browser A, process 1: the net comes up full, silver in the morning light');
      t.note(`B (process 2) showed A's text ${latency} ms after A (process 1) showed "Saved"; the two share only Postgres`);
      await t.screenshot(b, 'two-processes-b');
    },
  },
  {
    name: 'the server process browser B watches is killed: B connects again once it is back, and an edit A made in the gap arrives',
    services: ['postgres'],
    dashboard: { processes: 2 },
    async run(t) {
      const [a, b] = await openOnTwoProcesses(t);
      // The stream works before the kill: a first edit reaches B.
      const before = 'Before the kill: a gull lands on the bow';
      const first = shownAt(b, prompt(1), before, { timeout: 15_000 });
      first.catch(() => {});
      await a.getByLabel(prompt(1)).fill(before);
      await first;

      await t.servers.killSync(2);
      const gap = 'In the gap: the lighthouse keeper waves from the gallery';
      await a.getByLabel(prompt(2)).fill(gap);
      await t.pushed(a, PROJECT, gap);
      // B has no poll and no stream now: nothing can bring it the edit yet.
      check((await b.getByLabel(prompt(2)).inputValue()) === SEED[2], 'B showed the gap edit while its server was down');

      await t.servers.startSync(2);
      const restarted = Date.now();
      const arrived = await shownAt(b, prompt(2), gap, { timeout: 30_000 });
      check((await b.getByLabel(prompt(1)).inputValue()) === before, 'B lost the edit from before the kill');
      await indicator(b, 'saved');
      t.note(`process 2 killed (SIGKILL) and started again on its port: B showed the edit made in the gap ${arrived - restarted} ms after it was back`);
      await t.screenshot(b, 'reconnected-b');
    },
  },
];

/**
 * Types `text` into shot 3 in A and waits for B to show it, B never reloaded:
 * checks that B showed it within a second of A showing "Saved", and that B's
 * indicator never said "Saving…" for a change made elsewhere; the latency.
 */
async function liveEdit(a, b, text) {
  await Promise.all([recordStatuses(a), recordStatuses(b)]);
  await b.evaluate(() => (window.sameDocument = true));
  const seen = shownAt(b, prompt(3), text, { timeout: 15_000 });
  seen.catch(() => {});
  await a.getByLabel(prompt(3)).fill(text);
  const saved = await savedAt(a);
  const latency = (await seen) - saved;
  check(latency <= 1000, `B showed the text ${latency} ms after A showed "Saved"`);
  check(await b.evaluate(() => window.sameDocument === true), 'B was reloaded');
  const shownInB = await b.evaluate(() => window.statusLog.map(([text]) => text));
  check(!shownInB.includes('Saving…'), `B's indicator showed ${JSON.stringify(shownInB)} for a change made elsewhere`);
  return latency;
}

/**
 * Browser A on the first sync server process, browser B on the second, both
 * with the project open and saved, A's copy on the server; no polling, so
 * what reaches B comes through process 2's stream of changes.
 */
async function openOnTwoProcesses(t) {
  const a = await t.open(TABS);
  const b = await t.open(`${TABS}&server=2`);
  const syncUrlOf = (page) => page.evaluate(() => document.querySelector('meta[name="sync-url"]').content);
  check((await syncUrlOf(a)) === t.servers.syncUrls[0], `A talks to ${await syncUrlOf(a)}, not process 1`);
  check((await syncUrlOf(b)) === t.servers.syncUrls[1], `B talks to ${await syncUrlOf(b)}, not process 2`);
  await Promise.all([indicator(a, 'saved'), indicator(b, 'saved')]);
  await t.pushed(a, PROJECT);
  return [a, b];
}
