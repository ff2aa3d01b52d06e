/** The `default` namespace with vibflow's search attributes: what compose's register-search-attributes job does. */
import { isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { VIBFLOW_SEARCH_ATTRIBUTES } from '../../shared/searchAttributes';
import { NAMESPACE } from './layout';
import { withConnection } from './readiness';

/** Closed workflows are kept this long, as in the compose file's namespace creation. */
export const NAMESPACE_RETENTION = '72h';

// A gRPC status code and Temporal's IndexedValueType by number (their enums are not direct dependencies).
const ALREADY_EXISTS = 6;
const INDEXED_VALUE_TYPES = { Keyword: 2 } as const;

/** The namespace exists with every vibflow search attribute, as seen through ADDRESS. */
export function namespaceReady(address: string): Promise<boolean> {
  return withConnection(address, async (connection) => {
    await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    return VIBFLOW_SEARCH_ATTRIBUTES.every((a) => customAttributes?.[a.name] !== undefined);
  });
}

/** Creates the namespace and the missing search attributes; idempotent. */
export function registerNamespace(address: string): Promise<void> {
  return withConnection(address, async (connection) => {
    try {
      await connection.workflowService.registerNamespace({
        namespace: NAMESPACE,
        workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION),
      });
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === ALREADY_EXISTS)) throw err;
    }
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    const missing = VIBFLOW_SEARCH_ATTRIBUTES.filter((a) => customAttributes?.[a.name] === undefined);
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace: NAMESPACE,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPES[a.type]])),
    });
  });
}
