export interface SaveSchedule {
  /** Records a change: the save comes `debounceMs` after the last one, at most `maxWaitMs` after the first. */
  touch(): void;
  cancel(): void;
  readonly scheduled: boolean;
}

/**
 * Debounce with a maximum wait, for one document. A change only writes two
 * numbers; the single timer re-arms itself when it finds the due time has
 * moved, so a burst of edits costs no clearTimeout/setTimeout per keystroke.
 */
export function createSchedule(debounceMs: number, maxWaitMs: number, fire: () => void): SaveSchedule {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstChangeAt = 0;
  let lastChangeAt = 0;

  const dueAt = () => Math.min(lastChangeAt + debounceMs, firstChangeAt + maxWaitMs);

  const onTimeout = () => {
    const wait = dueAt() - Date.now();
    if (wait > 0) {
      timer = setTimeout(onTimeout, wait);
      return;
    }
    timer = undefined;
    fire();
  };

  return {
    touch() {
      lastChangeAt = Date.now();
      if (timer === undefined) {
        firstChangeAt = lastChangeAt;
        timer = setTimeout(onTimeout, dueAt() - lastChangeAt);
      }
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    get scheduled() {
      return timer !== undefined;
    },
  };
}
