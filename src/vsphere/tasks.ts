/** vim25 Task objects: TaskInfo decoded, and a failed task's fault as a VsphereFault. */
import { VsphereFault } from './errors';
import type { MoRef, TaskInfo, TaskState } from './model';
import { isMoRef, readDateTime, readNumber, readObject, readString, VimObject, VimValueError, type VimValue } from './values';

const TASK_STATES: ReadonlySet<string> = new Set<TaskState>(['queued', 'running', 'success', 'error']);

function optionalString(info: VimObject, field: string): string | null {
  const value = info.get(field);
  return value === undefined ? null : readString(value, `TaskInfo.${field}`);
}

function optionalTime(info: VimObject, field: string): string | null {
  const value = info.get(field);
  return value === undefined ? null : readDateTime(value, `TaskInfo.${field}`);
}

/** A LocalizedMethodFault: the fault's vim25 type and the server's words. */
function taskError(value: VimValue | undefined): TaskInfo['error'] {
  if (value === undefined) return null;
  const localized = readObject(value, 'TaskInfo.error');
  const fault = localized.get('fault');
  const faultType = fault instanceof VimObject && fault.vimType ? fault.vimType : 'MethodFault';
  const message = localized.get('localizedMessage');
  return { faultType, message: typeof message === 'string' ? message : '' };
}

export function taskInfoOf(ref: MoRef, value: VimValue | undefined): TaskInfo {
  const info = readObject(value, `${ref.value} info`);
  const state = readString(info.get('state'), 'TaskInfo.state');
  if (!TASK_STATES.has(state)) throw new VimValueError(`TaskInfo.state of ${ref.value} is "${state}", not a task state`);
  const entity = info.get('entity');
  const progress = info.get('progress');
  return {
    ref,
    // vCenter names the method; internal tasks may only have a descriptionId.
    name: optionalString(info, 'name') ?? optionalString(info, 'descriptionId') ?? 'task',
    descriptionId: optionalString(info, 'descriptionId'),
    entity: isMoRef(entity) ? entity : null,
    state: state as TaskState,
    progress: progress === undefined ? null : readNumber(progress, 'TaskInfo.progress'),
    error: taskError(info.get('error')),
    queueTime: optionalTime(info, 'queueTime'),
    startTime: optionalTime(info, 'startTime'),
    completeTime: optionalTime(info, 'completeTime'),
  };
}

/** How a task is named in messages: its id and what it does. */
export function taskLabel(info: Pick<TaskInfo, 'ref' | 'name'>): string {
  return `task ${info.ref.value} (${info.name})`;
}

/** The fault of a task that ended in error, typed like a fault the server answered with. */
export function taskFault(info: TaskInfo, host: string): VsphereFault {
  const error = info.error ?? { faultType: 'MethodFault', message: 'the task ended in error without saying why' };
  return new VsphereFault(taskLabel(info), host, error.faultType, error.message);
}
