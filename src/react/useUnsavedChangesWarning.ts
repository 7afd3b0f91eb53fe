import { useAutosave } from './context';
import { useEffect, useSelector } from './deps';

/**
 * Asks the browser to confirm before the page is closed or reloaded while a
 * document has changes that are not in storage yet (pending, saving, or
 * failed to save). Returns whether there are such changes.
 *
 * ```tsx
 * function App() {
 *   useUnsavedChangesWarning();
 *   return <Editor />;
 * }
 * ```
 */
export function useUnsavedChangesWarning(): boolean {
  const { selectors } = useAutosave();
  const unsaved = useSelector(selectors.selectHasUnsavedChanges);
  useEffect(() => {
    // Listening only while there is something to lose: a `beforeunload`
    // listener keeps some browsers from putting the page in the back/forward cache.
    if (!unsaved) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Chrome before 119 and old Safari show the prompt only when returnValue is set.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);
  return unsaved;
}
