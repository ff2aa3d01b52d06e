import path from 'node:path';
import { type Command, Option } from 'commander';
import { startDevServer } from '../../devserver/devServer';
import { VIBFLOW_SEARCH_ATTRIBUTES } from '../../shared/searchAttributes';
import { portArg } from '../numberArg';

export function registerDevServer(program: Command): void {
  program
    .command('dev-server')
    .description('run a local Temporal server with the Web UI and vibflow search attributes (file-backed)')
    .option('--db-file <file>', 'SQLite file to persist to', path.join('.vibflow', 'dev-server.db'))
    .addOption(new Option('--port <port>', 'frontend port').argParser(portArg('--port')).default(7233))
    .addOption(new Option('--ui-port <port>', 'Web UI port').argParser(portArg('--ui-port')).default(8233))
    .option('--ip <ip>', 'address to bind', '127.0.0.1')
    .action(async (flags: { dbFile: string; port: number; uiPort: number; ip: string }) => {
      const server = await startDevServer({ dbFile: path.resolve(flags.dbFile), port: flags.port, uiPort: flags.uiPort, ip: flags.ip, log: (line) => process.stdout.write(`${line}\n`) });
      process.stdout.write(
        `Temporal dev server: ${server.address}\nWeb UI: ${server.uiUrl}\n` +
          `search attributes: ${VIBFLOW_SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')}\npersisted in ${flags.dbFile}; Ctrl-C to stop\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
    });
}
