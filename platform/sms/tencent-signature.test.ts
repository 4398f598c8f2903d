import { describe, expect, it } from 'vitest';
import { tc3Authorization, tc3CanonicalRequest, tc3Date, tc3StringToSign, type Tc3Request } from './tencent-signature.ts';

/**
 * R21 — Tencent Cloud's TC3-HMAC-SHA256 against the worked example of its "Signature v3" document
 * (CVM DescribeInstances, ap-guangzhou, X-TC-Timestamp 1551113065): the canonical request, the
 * hashes, the string to sign and the final signature are the document's.
 */
const example: Tc3Request = {
  service: 'cvm',
  host: 'cvm.tencentcloudapi.com',
  contentType: 'application/json; charset=utf-8',
  timestamp: 1551113065,
  payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
};

describe('R21 Tencent TC3-HMAC-SHA256: the published worked example', () => {
  it('builds the documented canonical request and string to sign', () => {
    expect(tc3CanonicalRequest(example)).toBe(
      'POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n' +
        '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
    );
    expect(tc3StringToSign(example)).toBe(
      'TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    );
  });

  it('signs to the documented Authorization header', () => {
    expect(tc3Authorization(example, 'AKID**********************0123456789EXAMPLE', 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE')).toBe(
      'TC3-HMAC-SHA256 Credential=AKID**********************0123456789EXAMPLE/2019-02-25/cvm/tc3_request, ' +
        'SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  it('takes the UTC date, not the local one (00:44 on the 26th in UTC+8 is the 25th)', () => {
    expect(tc3Date(1551113065)).toBe('2019-02-25');
  });

  it('signs extra headers sorted, with lower-case names and values', () => {
    const withAction = { ...example, extraHeaders: { 'X-TC-Action': 'DescribeInstances' } };
    expect(tc3CanonicalRequest(withAction)).toContain('host:cvm.tencentcloudapi.com\nx-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n');
    expect(tc3Authorization(withAction, 'id', 'k')).toMatch(/SignedHeaders=content-type;host;x-tc-action, Signature=[0-9a-f]{64}$/);
  });
});
