import { ValidateBy, ValidationOptions } from 'class-validator';

/** PostgreSQL bigint's largest value. X user IDs and our sequence ids are stored as bigint. */
export const MAX_BIGINT = '9223372036854775807';

/**
 * A string of 1 to 19 digits that fits a bigint. Nineteen digits alone are not enough: a number
 * past MAX_BIGINT names nothing, and PostgreSQL refuses to compare or store it (a 500, not a 400).
 */
export function fitsBigint(s: string): boolean {
  return /^\d{1,19}$/.test(s) && (s.length < 19 || s <= MAX_BIGINT);
}

/** class-validator: the value is a digit string that fits a bigint. */
export function FitsBigint(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'fitsBigint',
      validator: {
        validate: (v) => typeof v === 'string' && fitsBigint(v),
        defaultMessage: () => `$property must be at most ${MAX_BIGINT}`,
      },
    },
    options,
  );
}
