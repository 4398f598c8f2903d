import { defineErrors } from './define.ts';

/** Affiliation (归口) requests, R13. */
export const affiliationErrors = defineErrors({
  name: 'affiliation',
  answeredBy: ['admin-api'],
  codes: {
    'affiliation.not_found': { status: 404, zh: '归口申请不存在。', en: 'Affiliation request not found' },
    'affiliation.cycle': {
      status: 409,
      zh: '单位不能归口到自身或其下级单位。',
      en: 'A unit cannot be affiliated to itself or to a unit below it',
    },
    'affiliation.already': { status: 409, zh: '该单位已归口到所选单位。', en: 'The unit is already affiliated to that unit' },
    'affiliation.target_not_allowed': {
      status: 403,
      zh: '该类别的单位不能归口到所选单位。',
      en: 'The unit cannot be affiliated to a unit of that kind',
    },
    'affiliation.pending_exists': { status: 409, zh: '该单位已有待处理的归口申请。', en: 'The unit already has a pending affiliation request' },
    'affiliation.decided': { status: 409, zh: '该申请已处理。', en: 'The request is already decided' },
  },
});
