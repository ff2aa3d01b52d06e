/** Turns classified ESXi failures into Temporal failures the UI shows with their real reason. */
import { ApplicationFailure } from '@temporalio/common';
import { classifyCimFailure } from '../esxi/errors';

export interface FailureDetails {
  readonly category: string;
  readonly code?: number;
  readonly requestMayHaveReachedServer: boolean;
}

export function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const classified = classifyCimFailure(err);
  const details: FailureDetails = {
    category: classified.category,
    ...(classified.code !== undefined ? { code: classified.code } : {}),
    requestMayHaveReachedServer: classified.requestMayHaveReachedServer,
  };
  return ApplicationFailure.create({
    message: classified.message,
    type: classified.category,
    nonRetryable: !classified.retryable,
    details: [details],
  });
}

/** Runs an activity body, classifying whatever it throws. */
export async function classified<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toApplicationFailure(err);
  }
}
