import { testHandler } from './helpers/handler';

const preflight = (origin: string) => ({
  user: null,
  headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, if-match, idempotency-key' },
});

describe('CORS', () => {
  it('answers a preflight from a listed origin with the methods, headers and max age of the protocol, without credentials', async () => {
    const { call } = testHandler({ cors: { origins: ['https://app.example.com'], maxAgeSeconds: 300 } });

    const reply = await call('OPTIONS', 'project:p1', preflight('https://app.example.com'));

    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(reply.headers.get('access-control-allow-methods')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'OPTIONS', 'PATCH', 'PUT']);
    expect(reply.headers.get('access-control-allow-headers')?.split(', ').sort()).toEqual(
      ['Authorization', 'Content-Encoding', 'Content-Type', 'Idempotency-Key', 'If-Match', 'If-None-Match', 'Last-Event-ID', 'X-Autosave-Client'],
    );
    expect(reply.headers.get('access-control-max-age')).toBe('300');
    expect(reply.headers.get('vary')).toBe('Origin');
  });

  it('exposes ETag, Retry-After, Accept-Patch and Accept-Encoding to a listed origin', async () => {
    const { create } = testHandler({ cors: { origins: ['https://app.example.com'] } });

    const reply = await create('project:p1', 1, 'alice', { origin: 'https://app.example.com' });

    expect(reply.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(reply.headers.get('access-control-expose-headers')?.split(', ').sort()).toEqual(['Accept-Encoding', 'Accept-Patch', 'ETag', 'Retry-After']);
  });

  it.each([
    ['an origin not listed', { origins: ['https://app.example.com'] }, 'https://evil.example'],
    ['a loopback page when none is listed (the default: same origin only)', undefined, 'http://127.0.0.1:5173'],
  ])('gives %s no CORS headers, so the browser keeps the answer from the page', async (_name, cors, origin) => {
    const { call, create } = testHandler({ cors });

    const pre = await call('OPTIONS', 'project:p1', preflight(origin));
    const put = await create('project:p1', 1, 'alice', { origin });

    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(put.headers.get('access-control-allow-origin')).toBeNull();
    expect(put.headers.get('vary')).toBe('Origin');
  });

  it('throws at once for an origin given with a path, naming the option', () => {
    expect(() => testHandler({ cors: { origins: ['https://app.example.com/'] } })).toThrow('`cors.origins` must be an array of origins');
  });
});
