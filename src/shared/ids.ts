/**
 * Workflow ids derived from what the work is, so that starting the same install twice converges
 * on one workflow (architecture decision 3). Pure.
 */

/** 32-bit FNV-1a over UTF-16 code units: stable, dependency-free, enough to tell bundles apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The last path segment of a bundle URI, reduced to characters safe in an id. */
function bundleLabel(bundleUri: string): string {
  const last = bundleUri.split(/[\\/]/).filter(Boolean).pop() ?? 'bundle';
  return last.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
}

export function installWorkflowId(hostName: string, bundleUri: string): string {
  return `vibflow-install:${hostName}:${bundleLabel(bundleUri)}:${fnv1a(bundleUri)}`;
}

export function rolloutWorkflowId(rolloutId: string): string {
  return `vibflow-rollout:${rolloutId}`;
}
