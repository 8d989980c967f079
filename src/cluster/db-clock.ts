import { sql } from 'kysely';

/**
 * The database's clock in epoch ms: every time in wa_instances and wa_leases is written and compared
 * with it, never with an instance's own clock (instances' clocks may differ; the database's is the
 * one all of them compare against). clock_timestamp(), not now(): now() is frozen at the start of a
 * transaction.
 */
export const DB_NOW = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** The NOTIFY channel a released lease is announced on (payload: the session id). */
export const LEASE_RELEASED_CHANNEL = 'wa_lease_released';
