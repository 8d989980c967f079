/** Event ids are `evt_<run>_<seq>`: run (base 36 of the start time) grows across restarts, seq within one. */
export const parseEventId = (id: string): { run: string; seq: number } | null => {
  const match = /^evt_([a-z0-9]+)_(\d{1,15})$/.exec(id);
  if (match === null || match[1] === undefined || match[2] === undefined) return null;
  return { run: match[1], seq: Number(match[2]) };
};

/** Orders two parsed ids; runs of equal length compare as strings, a longer run is later. */
export const compareEventIds = (a: { run: string; seq: number }, b: { run: string; seq: number }): number => {
  if (a.run !== b.run) {
    if (a.run.length !== b.run.length) return a.run.length - b.run.length;
    return a.run < b.run ? -1 : 1;
  }
  return a.seq - b.seq;
};
