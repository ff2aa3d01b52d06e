/**
 * The schema of a host connection as users write it (inventory files, workflow JSON pasted in the
 * UI, CLI flags), and of the vCenter that may manage it. Pure: the workflows validate their input
 * with it too (in a local activity).
 */
import { z } from 'zod';

export const CREDENTIAL_REFERENCE = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/;
const THUMBPRINT = /^[0-9a-fA-F]{2}(:?[0-9a-fA-F]{2}){31}$/;
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** A vCenter's name in an inventory's `vcenters` list, e.g. vc-fra1. */
export const VCENTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
/**
 * The name a rollout gives a host: its name, or `VCENTER/HOST` where the name is in more than one
 * of the inventory's vCenters (host names are unique within a vCenter only).
 */
export const TARGET_NAME = new RegExp(`^(?:${VCENTER_NAME.source.slice(1, -1)}/)?${HOST_NAME.source.slice(1, -1)}$`);

export const tlsSchema = z
  .strictObject({
    thumbprint: z.string().regex(THUMBPRINT, 'must be a SHA-256 thumbprint: 64 hex digits, colons optional').optional(),
    caFile: z.string().min(1, 'must be the path of a PEM CA bundle').optional(),
    insecure: z.boolean().optional(),
  })
  .refine((tls) => [tls.thumbprint, tls.caFile, tls.insecure].filter((v) => v !== undefined && v !== false).length <= 1, {
    message: 'give at most one of thumbprint, caFile or insecure',
  });
/** The host's CIM server TLS settings (the same shape serves a vCenter). */
export const hostTlsSchema = tlsSchema;

export const credentialReference = z
  .string()
  .regex(CREDENTIAL_REFERENCE, 'must be a reference, env:NAME or file:/absolute/path, never the password itself');

const httpUrl = (example: string) =>
  z.string().refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), `must be an http(s) URL such as ${example}`);

export const vcenterTargetSchema = z.strictObject({
  url: httpUrl('https://vc01.lab/sdk').refine((url) => url.startsWith('https:'), 'vCenter is reached over https only'),
  user: z.string().min(1, 'must not be empty'),
  credential: credentialReference,
  tls: tlsSchema.optional(),
});

export const cimTicketSourceSchema = z.strictObject({
  vcenter: vcenterTargetSchema,
  hostRef: z.string().min(1, 'must be the host\'s managed object id, e.g. host-21'),
});

export const hostTargetSchema = z
  .strictObject({
    name: z.string().regex(TARGET_NAME, 'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit (VCENTER/HOST for a host of one of several vCenters)'),
    url: httpUrl('https://esx01:5989'),
    user: z.string().min(1, 'must not be empty').optional(),
    credential: credentialReference.optional(),
    cimTicket: cimTicketSourceSchema.optional(),
    tls: hostTlsSchema.optional(),
    allowHttp: z.boolean().optional(),
  })
  .refine((host) => !host.url.startsWith('http:') || host.allowHttp === true, {
    message: 'plain http is refused unless allowHttp is true',
    path: ['url'],
  })
  .refine((host) => (host.credential === undefined) !== (host.cimTicket === undefined), {
    message: 'give either user and credential, or cimTicket (a CIM services ticket from vCenter)',
    path: ['credential'],
  })
  .refine((host) => host.credential === undefined || host.user !== undefined, {
    message: 'required with credential (the CIM user, e.g. root)',
    path: ['user'],
  });

/** zod's "Invalid input: expected string, received undefined" in the words of a form: "Required". */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return issue.message;
  const received = /received (\w+)/.exec(issue.message)?.[1];
  return received === 'undefined' ? 'Required' : `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}${received ? `, not ${received}` : ''}`;
}

/** "hosts[3].url: must be ..." lines, one per problem. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
        prefix,
      );
      return `${path || '(input)'}: ${issueMessage(issue)}`;
    })
    .join('\n');
}
