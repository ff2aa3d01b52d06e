/**
 * The worker process's Temporal Runtime: where its logs go (the SDK's and SDK Core's) and whether
 * it serves Prometheus metrics. Must be installed before the first connection is made.
 */
import { Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { createLogger, type LogFormat } from './logging';

export interface RuntimeSettings {
  readonly logFormat: LogFormat;
  readonly logLevel: LogLevel;
  /** host:port for SDK Core's Prometheus exporter; no metrics when absent. */
  readonly prometheusBindAddress?: string;
}

export function installRuntime(settings: RuntimeSettings): Runtime {
  return Runtime.install({
    logger: createLogger(settings.logFormat, settings.logLevel),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      ...(settings.prometheusBindAddress
        ? { metrics: { prometheus: { bindAddress: settings.prometheusBindAddress } } }
        : {}),
    },
  });
}
