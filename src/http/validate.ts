import type { Request } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors.js';

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

const parse = <S extends z.ZodType>(schema: S, value: unknown, location: 'body' | 'query'): z.output<S> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error.issues, location);
  return throwInvalid(location, errors);
};

const throwInvalid = (location: 'body' | 'query', errors: FieldError[]): never => {
  throw new AppError(400, `invalid_${location}`, `The request ${location} is not valid`, {
    details: { errors },
  });
};

/** The JSON body parsed by `schema`, or a 400 `invalid_body` listing every bad field. */
export const parseBody = <S extends z.ZodType>(schema: S, req: Request): z.output<S> =>
  parse(schema, req.body, 'body');

/** The query string parsed by `schema`, or a 400 `invalid_query`. */
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request): z.output<S> =>
  parse(schema, req.query, 'query');
