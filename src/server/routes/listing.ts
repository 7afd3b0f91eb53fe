import { answer, refuse, type Answer } from '../http/answer';
import type { HandlerState } from './context';

const MAX_PAGE = 1000;

/**
 * `GET {basePath}/?prefix=project:` → `{ items: [{ key, version }], next? }`:
 * the caller's own live documents, in key order, `limit` (at most 1000) a
 * page; `next` is passed back as `after` for the next page. A new device
 * finds its projects here.
 */
export async function listDocuments(request: Request, space: string, { options }: HandlerState): Promise<Answer> {
  const query = new URL(request.url).searchParams;
  const prefix = query.get('prefix') ?? '';
  const after = query.get('after') ?? undefined;
  const limitText = query.get('limit');
  const limit = limitText === null ? MAX_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return refuse(400, `limit must be a whole number from 1 to ${MAX_PAGE}, received ${JSON.stringify(limitText)}`);
  const page = await options.store.list(space, { prefix, after, limit });
  return answer(200, { items: page.items.map(({ key, version }) => ({ key, version })), ...(page.next === undefined ? {} : { next: page.next }) });
}
