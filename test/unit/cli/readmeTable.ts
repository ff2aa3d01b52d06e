/**
 * Reads the README's CLI tables: command rows (`rollout pause|resume ID [--reason TEXT] {temporal}`)
 * and option groups, into the commands, their flags (default after `=`, required when outside
 * every `[ ]` and `( )`) and their number of arguments (UPPER_CASE words that no flag takes).
 */
export interface DocumentedFlag {
  readonly default?: string;
  readonly required: boolean;
}

export interface DocumentedCommand {
  readonly flags: Map<string, DocumentedFlag>;
  readonly arguments: number;
}

interface Row {
  /** The header of the table the row is in. */
  readonly table: string;
  /** The code span starting each cell ('' for none), `\|` unescaped. */
  readonly code: readonly string[];
}

/** The table rows of the README's CLI section. */
function rows(readme: string): Row[] {
  const section = readme.slice(readme.indexOf('## The CLI'));
  const end = section.indexOf('\n## ', 1);
  const found: Row[] = [];
  let table = '';
  for (const line of (end > 0 ? section.slice(0, end) : section).split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const code = cells.map((cell) => (/^`([^`]+)`/.exec(cell)?.[1] ?? '').replace(/\\\|/g, '|'));
    if (code[0]) found.push({ table, code });
    else if (!/^-+$/.test(cells[0] ?? '')) table = cells[0] ?? '';
  }
  return found;
}

/** `{group}` placeholders replaced by their options, recursively. */
function expand(code: string, groups: ReadonlyMap<string, string>, depth = 0): string {
  if (depth > 5) throw new Error(`option groups nest too deep in: ${code}`);
  return code.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const group = groups.get(name);
    if (group === undefined) throw new Error(`README names an option group {${name}} that its group table does not define`);
    return expand(group, groups, depth + 1);
  });
}

const STRUCTURE = new Set(['[', ']', '(', ')', '|', '...']);

function parseSynopsis(synopsis: string): { path: string[][]; command: DocumentedCommand } {
  const tokens = synopsis.replace(/([[\]()])/g, ' $1 ').replace(/\.\.\./g, ' ... ').split(/\s+/).filter(Boolean);
  const path: string[][] = [];
  while (tokens.length && /^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/.test(tokens[0])) path.push((tokens.shift() as string).split('|'));
  const flags = new Map<string, DocumentedFlag>();
  let args = 0;
  let nesting = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '[' || token === '(') nesting++;
    else if (token === ']' || token === ')') nesting--;
    else if (token.startsWith('--')) {
      const [flag, value] = token.split('=', 2);
      flags.set(flag, { ...(value !== undefined ? { default: value } : {}), required: nesting === 0 });
      if (value === undefined && tokens[i + 1] && !tokens[i + 1].startsWith('--') && !STRUCTURE.has(tokens[i + 1])) i++; // its metavar
    } else if (/^[A-Z][A-Z0-9_]*$/.test(token)) args++;
  }
  return { path, command: { flags, arguments: args } };
}

/** "rollout pause", "rollout resume", ... -> what the README says of each. */
export function documentedCommands(readme: string): Map<string, DocumentedCommand> {
  const all = rows(readme);
  const groups = new Map(all.filter((r) => r.table === 'option group').map((r) => [r.code[0], r.code[1]] as const));
  const commands = new Map<string, DocumentedCommand>();
  for (const r of all.filter((row) => row.table === 'command')) {
    const { path, command } = parseSynopsis(expand(r.code[0], groups));
    const names = path.reduce<string[]>((acc, words) => acc.flatMap((prefix) => words.map((w) => (prefix ? `${prefix} ${w}` : w))), ['']);
    for (const name of names) commands.set(name, command);
  }
  return commands;
}
