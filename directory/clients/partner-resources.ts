import { badRequest } from '../../platform/errors.ts';
import { RESOURCES, SUBSYSTEMS } from '../catalogue/modules.ts';

/** RFC 8141 URN: `urn:<NID>:<NSS>`. */
const URN = /^urn:[a-z0-9][a-z0-9-]{0,31}:[\x21-\x7e]+$/i;
const SUBSYSTEM_RESOURCES = new Set<string>(SUBSYSTEMS.map((s) => RESOURCES[s]));

/** Why a resource identifier is refused for a partner app, or null when it is acceptable. */
function problem(resource: string): string | null {
  if (resource.toLowerCase().startsWith('urn:')) {
    if (!URN.test(resource)) return 'not a valid URN';
    // Tongmen's own namespace: a partner may introspect subsystem tokens, never reach the admin API.
    if (resource.toLowerCase().startsWith('urn:tongmen:') && !SUBSYSTEM_RESOURCES.has(resource)) {
      return resource === RESOURCES.admin ? 'the admin API is not a partner resource' : 'reserved Tongmen namespace';
    }
    return null;
  }
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return 'neither a urn: nor an https URI';
  }
  if (url.protocol !== 'https:') return 'only https URIs';
  // RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
  if (url.hash || resource.includes('#')) return 'must not contain a fragment';
  return null;
}

/**
 * The resources a partner app may be registered for (RFC 8707 indicators): its own `urn:` or
 * `https:` identifiers, plus the subsystem resources whose tokens it introspects. Duplicates are
 * dropped; any refusal is 400 `client.resource_invalid` naming each bad value.
 */
export function parsePartnerResources(resources: string[]): string[] {
  const unique = [...new Set(resources.map((r) => r.trim()))];
  const invalid = unique.map((resource) => ({ resource, problem: problem(resource) })).filter((p) => p.problem !== null);
  if (invalid.length || !unique.length) {
    throw badRequest('client.resource_invalid', 'Partner resources are urn: or https URIs outside the admin API', { invalid });
  }
  return unique;
}
