/**
 * Validation speaks in input fields (`pollInterval: ...`, the names the UI's JSON uses); on the
 * command line the user typed flags. These maps and the translation make each message name the
 * flag (`--poll: ...`), so the user sees what to change.
 */
import { InvalidInputError } from '../workflows/installInput';
import { UsageError } from './usageError';

/** Input field path (as in validation messages, e.g. "window.duration") -> the flag that sets it. */
export type FieldFlags = Readonly<Record<string, string>>;

/** The flag of the longest field path that `path` is, or lies under ("installOptions[1]" -> --option). */
function flagOf(path: string, fields: FieldFlags): string | undefined {
  const owner = Object.keys(fields)
    .filter((field) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`))
    .sort((a, b) => b.length - a.length)[0];
  return owner === undefined ? undefined : fields[owner];
}

/** "invalid install input:\npollInterval: msg" -> "--poll: msg"; lines about no flag stay as they are. */
export function inFlagTerms(message: string, fields: FieldFlags): string {
  return message
    .split('\n')
    .filter((line) => !/^invalid \w+ input:$/.test(line))
    .map((line) => {
      const match = /^(\S+): (.*)$/.exec(line);
      const flag = match && flagOf(match[1], fields);
      if (!flag) return line;
      // Some messages repeat the field's name ("maxFailures must be ..."): the flag says it already.
      const field = match[1].split('.').pop() as string;
      return `${flag}: ${match[2].startsWith(`${field} `) ? match[2].slice(field.length + 1) : match[2]}`;
    })
    .join('\n');
}

/** Runs a validation; an InvalidInputError becomes a UsageError (exit 2) naming the flags. */
export function validateFlags<T>(fields: FieldFlags, validate: () => T): T {
  try {
    return validate();
  } catch (err) {
    if (err instanceof InvalidInputError) throw new UsageError(inFlagTerms(err.message, fields));
    throw err;
  }
}
