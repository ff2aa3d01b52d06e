/**
 * A Docker Compose v2 to validate temporal-docker/docker-compose.yml with, no daemon needed: the
 * docker CLI's compose plugin when installed, else the project's .vibflow/bin/docker-compose,
 * built from source with Go when missing (`npm test` does that first, see scripts/ensure-tools.js).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildGoTool, executable, goAvailable, PROJECT_BIN } from '../../src/devserver/goTool';

export const COMPOSE_MODULE = 'github.com/docker/compose/v2/cmd@v2.29.7';
const PROJECT_COMPOSE = path.join(PROJECT_BIN, 'docker-compose');

/** The command (and leading arguments) that runs compose, or undefined when none can be had. */
export function resolveCompose(log: (line: string) => void = () => undefined): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (executable(PROJECT_COMPOSE)) return [PROJECT_COMPOSE];
  if (!goAvailable()) return undefined;
  return [buildGoTool('docker-compose', COMPOSE_MODULE, log)];
}
