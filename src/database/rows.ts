/**
 * Row types that several raw queries share. Any other query's row type is named beside it, in
 * its repository: the one place that says what the SQL returns (nothing checks it at run time).
 */

/** `RETURNING id`, or a list of ids. */
export type IdRow = { id: string };

/** `SELECT count(*)::int AS n`: one row. */
export type CountRow = { n: number };

/** A statement without RETURNING, whose result is read only for its rowCount (pg) or affected count. */
export type NoRow = never;
