import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/errors.ts';
import { parsePartnerResources } from './partner-resources.ts';

const refusal = (resources: string[]) => {
  try {
    parsePartnerResources(resources);
  } catch (e) {
    if (isAppError(e)) return { code: e.code, invalid: (e.details?.invalid as Array<{ resource: string }>).map((i) => i.resource) };
    throw e;
  }
  return null;
};

describe('partner resources', () => {
  it('accepts urn: and https identifiers and subsystem resources (for introspection), deduplicated', () => {
    expect(parsePartnerResources(['urn:example:hr-archive', 'https://api.example.cn/hr', 'urn:tongmen:title', 'urn:example:hr-archive'])).toEqual([
      'urn:example:hr-archive',
      'https://api.example.cn/hr',
      'urn:tongmen:title',
    ]);
  });

  it('refuses the admin API and other names in the Tongmen namespace', () => {
    expect(refusal(['urn:tongmen:admin-api', 'urn:tongmen:secret', 'urn:example:ok'])).toEqual({
      code: 'client.resource_invalid',
      invalid: ['urn:tongmen:admin-api', 'urn:tongmen:secret'],
    });
  });

  it('refuses http, fragments, relative and malformed identifiers, and an empty list', () => {
    expect(refusal(['http://api.example.cn', 'https://api.example.cn/#x', '/relative', 'urn:bad', 'mailto:a@b.cn'])?.invalid).toHaveLength(5);
    expect(refusal([])?.code).toBe('client.resource_invalid');
  });
});
