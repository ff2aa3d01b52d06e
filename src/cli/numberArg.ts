import { InvalidArgumentError } from 'commander';

/** A commander argParser for a number flag within [min, max]; `integer` also refuses fractions. */
export function numberArg(flag: string, min: number, max = Number.MAX_SAFE_INTEGER, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${flag} must be a ${integer ? 'whole number' : 'number'} between ${min} and ${max}`);
    }
    return n;
  };
}

export const portArg = (flag: string, min = 1) => numberArg(flag, min, 65535, true);
