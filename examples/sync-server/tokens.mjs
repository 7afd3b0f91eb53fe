// A bearer-token `authorize` for the examples: `Authorization: Bearer <token>`
// → `{ userId }`, or null (the handler answers 401). A real app asks its
// session store or verifies a JWT here.
export function authorizeBearer(users) {
  const known = new Map(Object.entries(users));
  return (request) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    const userId = token && known.get(token);
    return userId ? { userId } : null;
  };
}
