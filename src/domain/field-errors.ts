import type { z } from 'zod';

export interface FieldError {
  /** Where the bad value is: `body.webhook.url`, `query.format`, or `body` for the whole body. */
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

const joinPath = (location: string, path: readonly PropertyKey[]): string =>
  [location, ...path.map((key) => String(key))].join('.');

/** Zod issues as field errors; an unknown key gets its own entry naming it, not just its parent. */
export const fieldErrors = (issues: readonly Issue[], location: string): FieldError[] =>
  issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: joinPath(location, [...issue.path, key]),
          message: 'Unknown field',
        }))
      : [{ path: joinPath(location, issue.path), message: issue.message }],
  );
