/** A path into a document as a message names it: `shots.3.createdAt`. */
export function where(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(the document itself)' : path.join('.');
}
