import { InputError } from '@backstage/errors';
import { z as zod } from 'zod/v3';

/**
 * The input fields of the actions, each rule defined once. An action's schema lists them
 * (`kvVersion: kvVersionField`, `kvMount: kvMountField('…')`): the accepted values are then
 * the same in every action and only the action-specific wording differs. Backstage turns them
 * into the JSON schema the template editor and the task runner check; `parseActionInput`
 * checks the same fields again where a handler is reached without that check (tests, dry
 * runs through other callers), so no handler keeps a second, hand-written copy.
 */
type Zod = typeof zod;

/** A field as `createTemplateAction` takes it: built from the zod instance it hands in. */
export type InputField = (z: Zod) => zod.ZodTypeAny;

/** The KV versions every action accepts, as the common `parseKvVersion` reads them. */
export const kvVersionField = (description: string) => (z: Zod) =>
  z
    .union([z.literal(1), z.literal(2), z.enum(['1', '2', 'v1', 'v2'])])
    .optional()
    .describe(description);

/** How the Vault actions describe `kvVersion`: the mount's own version wins. */
export const VAULT_KV_VERSION =
  'KV version of the mount; Vault decides, a different value is an error';

/** An optional KV mount: one path segment, never with `data/`. */
export const kvMountField = (description: string) => (z: Zod) =>
  z.string().optional().describe(description);

/** The service name an action runs for (a DNS label, checked by the common naming rules). */
export const serviceNameField = (description: string) => (z: Zod) =>
  z.string().describe(description);

/** The name of a cluster in `externalSecrets.clusters`. */
export const clusterField = (description: string) => (z: Zod) =>
  z.string().min(1).max(253).describe(description);

/** The same, for actions that also run without a cluster (the default auth mount). */
export const optionalClusterField = (description: string) => (z: Zod) =>
  z.string().min(1).max(253).optional().describe(description);

/** How Vault reviews service-account tokens on a cluster's mount. */
export const reviewerModeField = (description: string) => (z: Zod) =>
  z.enum(['client-jwt', 'reviewer-jwt']).optional().describe(description);

/** An optional "replace what differs" switch. */
export const overwriteField = (description: string) => (z: Zod) =>
  z.boolean().optional().describe(description);

/**
 * Checks an action's input against its own field list (no unknown keys) and returns it
 * typed; a mismatch is an InputError naming every field that is wrong.
 */
export function parseActionInput<F extends Record<string, InputField>>(
  fields: F,
  input: unknown,
): { [K in keyof F]: zod.output<ReturnType<F[K]>> } {
  const shape = Object.fromEntries(
    Object.entries(fields).map(([key, field]) => [key, field(zod)]),
  );
  const parsed = zod.object(shape).strict().safeParse(input);
  if (!parsed.success) {
    throw new InputError(
      `Invalid input: ${parsed.error.issues
        .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data as { [K in keyof F]: zod.output<ReturnType<F[K]>> };
}
