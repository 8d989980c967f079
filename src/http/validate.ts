import type { Request } from 'express';
import type { z } from 'zod';
import { type FieldError, fieldErrors } from '../domain/field-errors.js';
import { appError } from '../error-catalog.js';

const parse = <S extends z.ZodType>(schema: S, value: unknown, location: 'body' | 'query'): z.output<S> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error.issues, location);
  return throwInvalid(location, errors);
};

const throwInvalid = (location: 'body' | 'query', errors: FieldError[]): never => {
  throw appError(`invalid_${location}`, `The request ${location} is not valid`, {
    details: { errors },
  });
};

/** The JSON body parsed by `schema`, or a 400 `invalid_body` listing every bad field. */
export const parseBody = <S extends z.ZodType>(schema: S, req: Request): z.output<S> =>
  parse(schema, req.body, 'body');

/** The query string parsed by `schema`, or a 400 `invalid_query`. */
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request): z.output<S> =>
  parse(schema, req.query, 'query');
