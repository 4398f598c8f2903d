import { defineErrors } from './define.ts';

/** Partner apps (OIDC clients) registered through the admin API. */
export const clientErrors = defineErrors({
  name: 'clients',
  answeredBy: ['admin-api'],
  codes: {
    'client.not_found': { status: 404, zh: '应用不存在。', en: 'Client not found' },
    'client.public': { status: 409, zh: '公开客户端没有密钥。', en: 'A public client has no secret' },
    'client.disabled': { status: 409, zh: '该应用已停用。', en: 'The client is disabled' },
    'client.first_party': { status: 403, zh: '第一方应用不能停用。', en: 'First-party clients cannot be disabled' },
    'client.resource_invalid': {
      status: 400,
      zh: '合作应用的资源须为 urn: 或 https 地址，且不能是管理接口。',
      en: 'Partner resources are urn: or https URIs outside the admin API',
      description: '`details.invalid` lists them.',
    },
  },
});
