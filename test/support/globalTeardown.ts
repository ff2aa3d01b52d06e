import { Client, Connection } from '@temporalio/client';
import { scanWorkflowsForCanary } from './secretCanary';

/** Before the dev server goes: no workflow of the whole run may hold the secret canary. */
export default async function globalTeardown(): Promise<void> {
  const server = globalThis.vibflowTestServer;
  try {
    if (server) {
      const connection = await Connection.connect({ address: server.address });
      try {
        const { workflows, histories } = await scanWorkflowsForCanary(new Client({ connection }));
        process.stdout.write(`\nsecret canary: absent from ${histories} histories, search attributes and memos of ${workflows} workflows\n`);
      } finally {
        await connection.close();
      }
    }
  } finally {
    await server?.stop();
  }
}
