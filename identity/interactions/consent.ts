import type { Interaction } from 'oidc-provider';
import { refuse, type StepHandler } from './request.ts';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** What the provider's consent prompt is missing: OIDC scopes and claims, and scopes per resource. */
export function consentRequest(interaction: Interaction) {
  const d = interaction.prompt.details;
  const perResource =
    typeof d.missingResourceScopes === 'object' && d.missingResourceScopes !== null
      ? Object.entries(d.missingResourceScopes).map(([resource, scopes]) => ({ resource, scopes: strings(scopes) }))
      : [];
  return {
    scopes: strings(d.missingOIDCScope),
    claims: strings(d.missingOIDCClaims),
    perResource,
    resources: perResource.map((r) => `${r.resource}: ${r.scopes.join(' ')}`),
  };
}

/**
 * Consent for partner clients that use sign-in (first-party clients never get here: their grant
 * is created by loadExistingGrant). Allow grants exactly what was missing; deny ends with
 * access_denied for the client.
 */
export const consent: StepHandler = async (ctx, req, deps) => {
  const { interaction } = req;
  if (!interaction.session) return refuse(ctx, req, deps, 'no signed-in session');
  if (req.field('decision') !== 'allow') return refuse(ctx, req, deps, 'End-User refused consent');
  const missing = consentRequest(interaction);
  const { Grant } = deps.provider;
  const grant =
    (interaction.grantId ? await Grant.find(interaction.grantId) : undefined) ??
    new Grant({ accountId: interaction.session.accountId, clientId: String(interaction.params.client_id) });
  if (missing.scopes.length) grant.addOIDCScope(missing.scopes);
  if (missing.claims.length) grant.addOIDCClaims(missing.claims);
  for (const r of missing.perResource) grant.addResourceScope(r.resource, r.scopes);
  const grantId = await grant.save();
  ctx.respond = false;
  await deps.provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
};
