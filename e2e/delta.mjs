// The browser story of delta pushes (issue 18), with the requests logged as
// DevTools would list them: once a project has been pushed, a one-shot edit
// goes up as a PATCH of a few hundred bytes, not the whole project.

const PROJECT = 'project:harbour-teaser';
const SHOTS = 24;
const LIMIT = 2048;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Deterministic prose of `length` characters, different for each `seed`. */
function prose(seed, length) {
  const words = 'the fleet slips out past the breakwater first light on wet sails gulls wheel over the harbour wall'.split(' ');
  let text = '';
  for (let i = 0; text.length < length; i++) text += `${words[(seed * 7 + i * 3) % words.length]} ${i % 9 === 0 ? `(${seed}.${i}) ` : ''}`;
  return text.slice(0, length).trim();
}

export const deltaPushes = {
  name: 'after the first push of a large project, every one-shot edit goes up as a PATCH under 2 KB',
  async run(t) {
    const page = await t.open();
    const pushes = [];
    // Logged as the request leaves (its body as sent), its status once answered: no await in between, so the log is in order.
    page.on('request', (request) => {
      if (!['PUT', 'PATCH'].includes(request.method()) || !request.url().startsWith(t.servers.syncUrl)) return;
      const headers = request.headers();
      pushes.push({ request, method: request.method(), status: undefined, bytes: request.postDataBuffer()?.byteLength ?? 0, type: headers['content-type'], encoding: headers['content-encoding'] });
    });
    page.on('response', (response) => {
      const push = pushes.find((p) => p.request === response.request());
      if (push) push.status = response.status();
    });
    await t.pushed(page, PROJECT);

    // Grow the sample project to a storyboard worth saving in pieces.
    for (let i = 4; i <= SHOTS; i++) await page.getByRole('button', { name: '+ Add shot' }).click();
    for (let n = 1; n <= SHOTS; n++) {
      const text = prose(n, 900);
      await page.getByLabel(`Shot ${n} prompt`, { exact: true }).fill(text);
      await t.pushed(page, PROJECT, text.slice(-40));
    }
    const grown = pushes.length;
    t.note(`growing the project: ${grown} pushes, ${pushes.map((p) => p.method).join(' ')}`);

    // One-shot edits: a few words typed into a shot, each saved and pushed before the next.
    for (const n of [3, 17, 9, 24, 1, 12]) {
      const box = page.getByLabel(`Shot ${n} prompt`, { exact: true });
      const text = `${prose(n, 900)} at dusk ${n}.`;
      await box.fill(text);
      await t.pushed(page, PROJECT, `at dusk ${n}.`);
    }
    const edits = pushes.slice(grown);
    const project = await t.onServer(PROJECT);
    const documentBytes = JSON.stringify({ data: project }).length;
    const largest = Math.max(...edits.map((p) => p.bytes));
    t.note(`one-shot edits: ${edits.map((p) => `${p.method} ${p.bytes} B`).join(', ')}; the project is ${documentBytes} B`);
    t.note(`largest PATCH: ${largest} B`);

    check(pushes[0].method === 'PUT', `the first push was ${pushes[0].method}`);
    check(documentBytes > 20_000, `the project is only ${documentBytes} bytes`);
    check(edits.length >= 6, `only ${edits.length} pushes were logged for 6 edits`);
    for (const push of edits) {
      check(push.method === 'PATCH' && push.status === 200 && push.type === 'application/json-patch+json', `a push went as ${JSON.stringify({ ...push, request: undefined })}`);
      check(push.bytes < LIMIT, `a PATCH of ${push.bytes} bytes for a one-shot edit`);
    }
    check(project.shots[11].prompt.endsWith('at dusk 12.') && project.shots.length === SHOTS, `the server holds ${JSON.stringify(project).slice(0, 300)}…`);
    await t.screenshot(page, 'patched');
  },
};
