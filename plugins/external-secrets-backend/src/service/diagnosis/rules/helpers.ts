import type { DiagnosisContext } from '../types';

/** `policy "a"` / `policies "a" and "b"`, with the verb agreeing. */
export function policyPhrase(names: readonly string[]): {
  subject: string;
  grants: string;
} {
  const quoted = names.map(n => `"${n}"`);
  if (quoted.length === 0) {
    return { subject: 'no policy', grants: 'grants' };
  }
  if (quoted.length === 1) {
    return { subject: `policy ${quoted[0]}`, grants: 'grants' };
  }
  const last = quoted.pop();
  return {
    subject: `policies ${quoted.join(', ')} and ${last}`,
    grants: 'grant',
  };
}

export const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function authConfigPath(ctx: DiagnosisContext) {
  return `auth/${ctx.authMount}/config`;
}

export function rolePath(ctx: DiagnosisContext) {
  return `auth/${ctx.authMount}/role/${ctx.roleName ?? '<role>'}`;
}

/** The login to Vault is what failed. */
export function loginFailed(ctx: DiagnosisContext): boolean {
  return ctx.failing && ctx.error.operation === 'login';
}

/** ESO says only that something failed (no text, or its generic condition text). */
export function noSpecificMessage(ctx: DiagnosisContext): boolean {
  return ctx.failing && (ctx.error.text === '' || ctx.error.eso.generic);
}

/** The login failed with nothing but Vault's `permission denied` (the TokenReview failed). */
export function bareLoginDenied(ctx: DiagnosisContext): boolean {
  const e = ctx.error;
  return (
    loginFailed(ctx) &&
    e.permissionDenied &&
    !e.tokenReview &&
    !e.tls &&
    !e.transport &&
    !e.notVault &&
    !Object.values(e.login).some(Boolean)
  );
}

/** Vault's configuration can explain a login failure: the message does not contradict it. */
export function loginFactsApply(ctx: DiagnosisContext): boolean {
  return bareLoginDenied(ctx) || noSpecificMessage(ctx);
}

/** A read (or metadata read) of KV data answered 403. */
export function readDenied(ctx: DiagnosisContext): boolean {
  const e = ctx.error;
  return (
    ctx.failing &&
    e.permissionDenied &&
    !e.notVault &&
    (e.operation === 'read' || e.operation === 'metadata') &&
    (e.code === undefined || e.code === 403)
  );
}

/** A LIST (`dataFrom.find`) answered 403. */
export function listDenied(ctx: DiagnosisContext): boolean {
  const e = ctx.error;
  return (
    ctx.failing &&
    e.permissionDenied &&
    !e.notVault &&
    e.operation === 'list' &&
    (e.code === undefined || e.code === 403)
  );
}

/** The failure is on ESO's side of the wire to Vault (not Vault's TokenReview call). */
export function towardsVault(ctx: DiagnosisContext): boolean {
  return ctx.failing && !ctx.error.tokenReview;
}

export function vaultServer(ctx: DiagnosisContext): string {
  return ctx.vaultSpec?.server ?? "the store's server";
}
