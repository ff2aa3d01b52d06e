/**
 * vibflow's own worker metrics, exported next to Temporal's through the Runtime's meter (one
 * Prometheus endpoint). Instruments are made on first use, after the worker installed its Runtime.
 */
import { Runtime } from '@temporalio/worker';
import type { MetricCounter, MetricHistogram } from '@temporalio/common';
import type { CimRequestDone } from '../cim';

interface Instruments {
  readonly installsStarted: MetricCounter;
  readonly cimRequestDuration: MetricHistogram;
}

let instruments: Instruments | undefined;

function meter(): Instruments {
  if (!instruments) {
    const runtimeMeter = Runtime.instance().metricMeter;
    instruments = {
      installsStarted: runtimeMeter.createCounter('vibflow_installs_started', 'installs',
        'InstallFromURI calls a host accepted, or earlier jobs adopted on retry (adopted="true")'),
      cimRequestDuration: runtimeMeter.createHistogram('vibflow_cim_request_duration', 'float', 'ms',
        'CIM-XML request latency by operation and outcome'),
    };
  }
  return instruments;
}

export function countInstallStarted(adopted: boolean): void {
  meter().installsStarted.add(1, { adopted: String(adopted) });
}

export function recordCimRequest(done: CimRequestDone): void {
  meter().cimRequestDuration.record(done.durationMs, { operation: done.operation, outcome: done.outcome });
}
