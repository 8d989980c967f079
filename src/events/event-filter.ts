import { type EventType, eventTypes } from './types.js';

/**
 * One rule for "does this subscriber want this event", shared by the global and per-session
 * webhooks: `*` is everything, `session.*` a whole family, anything else an exact type.
 */
export const matchesEventFilter = (type: EventType, filters: readonly string[]): boolean =>
  filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));

/** The entries that can never match, so a typo in WEBHOOK_EVENTS is reported instead of silently ignored. */
export const unknownEventFilters = (filters: readonly string[]): string[] =>
  filters.filter((f) => !eventTypes.some((type) => matchesEventFilter(type, [f])));
