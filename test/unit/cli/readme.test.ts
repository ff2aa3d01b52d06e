/**
 * One source of truth for the CLI: the README's command table must say what `--help` shows, for
 * every command (new ones included, with no change here): the same commands, arguments and
 * flags, the same defaults, and the same required flags.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { COMMAND_EXITS } from '../../../src/cli/exitCodes';
import { buildProgram } from '../../../src/cli/program';
import { documentedCommands, type DocumentedCommand, type DocumentedFlag } from './readmeTable';

interface ShownFlag {
  readonly default?: string;
  readonly required: boolean;
}

/** What `vibflow COMMAND --help` shows of each option: its default and whether it is required. */
function shownFlags(command: Command): Map<string, ShownFlag> {
  const help = command.createHelp();
  const flags = new Map<string, ShownFlag>();
  for (const option of help.visibleOptions(command)) {
    if (!option.long || option.long === '--help') continue;
    const described = help.optionDescription(option);
    // Commander appends "(choices: ..., default: ..., env: ...)" to the option's own description.
    const extra = described.slice(option.description.length);
    const shownDefault = /default: ("(?:[^"\\]|\\.)*"|[^,)]+)/.exec(extra)?.[1];
    flags.set(option.long, {
      ...(shownDefault !== undefined ? { default: shownDefault.startsWith('"') ? (JSON.parse(shownDefault) as string) : shownDefault } : {}),
      required: described.includes('(required)'),
    });
  }
  return flags;
}

/** Every command a user can run: leaves, and groups that have an action of their own (`rollout`). */
function runnableCommands(command: Command, prefix: string[] = []): Map<string, Command> {
  const found = new Map<string, Command>();
  for (const sub of command.commands) {
    const name = [...prefix, sub.name()];
    const hasAction = (sub as unknown as { _actionHandler?: unknown })._actionHandler != null;
    if (hasAction || sub.commands.length === 0) found.set(name.join(' '), sub);
    for (const [key, value] of runnableCommands(sub, name)) found.set(key, value);
  }
  return found;
}

const readme = readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
const documented = documentedCommands(readme);
const program = buildProgram();
const commands = runnableCommands(program);

describe('the README command table', () => {
  it('is found and lists commands', () => {
    expect(documented.size).toBeGreaterThan(10);
  });

  it('documents every command --help lists, and no other', () => {
    expect([...documented.keys()].sort()).toEqual([...commands.keys()].sort());
  });

  describe.each([...commands.keys()].sort())('vibflow %s', (name) => {
    const command = commands.get(name) as Command;
    const doc = documented.get(name) as DocumentedCommand;
    const shown = shownFlags(command);

    it('documents exactly the flags --help shows', () => {
      expect(doc).toBeDefined();
      expect([...doc.flags.keys()].sort()).toEqual([...shown.keys()].sort());
    });

    it('gives the defaults --help shows', () => {
      const defaults = (flags: Map<string, { default?: string }>) => [...flags].map(([flag, f]) => [flag, f.default ?? null]).sort();
      expect(defaults(doc.flags)).toEqual(defaults(shown));
    });

    it('marks as required exactly the flags --help calls required', () => {
      const required = (flags: Map<string, ShownFlag | DocumentedFlag>) => [...flags].filter(([, f]) => f.required).map(([flag]) => flag).sort();
      expect(required(doc.flags)).toEqual(required(shown));
    });

    it('names as many arguments as the command takes', () => {
      expect(doc.arguments).toBe(command.registeredArguments.length);
    });

    it('ends its --help with the exit codes it can return, and only those', () => {
      const exits = COMMAND_EXITS[name];
      expect(exits).toBeDefined();
      let text = '';
      command.configureOutput({ writeOut: (s) => (text += s) });
      command.outputHelp();
      const listed = [...(/Exit codes:\n((?: {2}\d+ .*\n)+)/.exec(text)?.[1] ?? '').matchAll(/^ {2}(\d+) /gm)].map((m) => Number(m[1]));
      expect(listed).toEqual([0, ...(exits.failed ? [1] : []), 2, ...(exits.temporal ? [3] : []), ...(exits.interrupted ? [130] : [])]);
    });
  });

  it('reads defaults and required flags the way the README writes them', () => {
    const table = documentedCommands(
      [
        '## The CLI',
        '| command | what it does |',
        '| --- | --- |',
        '| `x a\\|b ARG --must M [--poll=10s] [--flag V]... (--one \\| --two T) {g}` | y |',
        '| option group | options |',
        '| --- | --- |',
        '| `g` | `[--in-group=1]` |',
        '## Next',
      ].join('\n'),
    );
    expect([...table.keys()]).toEqual(['x a', 'x b']);
    const x = table.get('x a') as DocumentedCommand;
    expect(x.arguments).toBe(1);
    expect(Object.fromEntries(x.flags)).toEqual({
      '--must': { required: true },
      '--poll': { default: '10s', required: false },
      '--flag': { required: false },
      '--one': { required: false },
      '--two': { required: false },
      '--in-group': { default: '1', required: false },
    });
  });
});
