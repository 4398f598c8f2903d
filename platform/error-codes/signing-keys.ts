import { defineErrors } from './define.ts';

/** The signing-key rotation command (issue 7, R24; identity/keys.ts, npm run keys:rotate). */
export const signingKeyErrors = defineErrors({
  name: 'signing_keys',
  answeredBy: ['cli'],
  codes: {
    'signing_keys.rotation_too_soon': {
      status: 409,
      zh: '下一组签名密钥发布时间不足，尚不能启用签名，请稍后再轮换。',
      en: 'The next keys are not yet published long enough to sign',
      description: '`details.promotableAt`: when the next rotation may promote them; `details.nextKids`: their key ids.',
    },
  },
});
