import { refuse, type Answer } from './http/answer';
import type { ResolvedOptions } from './options';

/** The one shared space of `authorize: 'anonymous'`: no user id can be empty, so no user reaches it. */
export const ANONYMOUS_SPACE = '';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname) || hostname === '::1';
}

/**
 * The space a request may act in, or the refusal. The host name is the
 * request URL's, which every adapter builds from the `Host` header: a page of
 * another site whose name resolves to 127.0.0.1 (DNS rebinding) sends its
 * own name there, and an anonymous server refuses it (`421`).
 */
export async function spaceOf(request: Request, options: ResolvedOptions): Promise<{ space: string } | Answer> {
  const { authorize, allowedHosts } = options;
  if (authorize === 'anonymous') {
    const { hostname } = new URL(request.url);
    if (!isLoopbackHost(hostname) && !allowedHosts.includes(hostname)) {
      return refuse(421, `this server lets anyone in (authorize: 'anonymous'), so it answers only to loopback names or allowedHosts, not ${hostname}`);
    }
    return { space: ANONYMOUS_SPACE };
  }
  const principal = await authorize(request);
  if (principal === null || principal === undefined) return refuse(401, 'sign in: the request carries no valid credentials');
  const { userId } = principal;
  if (typeof userId !== 'string' || userId === '') {
    // The app's bug, not the client's: a 500 that says nothing, and onError says what came.
    throw new TypeError(`redux-autosave: \`authorize\` must resolve to { userId: a non-empty string } or null, received userId ${JSON.stringify(userId)}`);
  }
  return { space: userId };
}
