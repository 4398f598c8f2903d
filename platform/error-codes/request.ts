import { defineErrors } from './define.ts';

/** The HTTP edge: input that never reaches a rule (the admin API's guards, body parser, router, paging). */
export const requestErrors = defineErrors({
  name: 'request',
  answeredBy: ['admin-api', 'sign-in'],
  codes: {
    'request.invalid': {
      status: 400,
      zh: '请求内容无效。',
      en: 'The request is not valid',
      description: 'The input fails the route’s schema (`details.issues` lists the zod issues), or the body is not valid JSON.',
    },
    'request.too_deep': {
      status: 400,
      zh: '请求内容嵌套层级过深。',
      en: 'The request nests too deeply',
      description: '`details.in` names the part of the request, `details.maxDepth` the limit.',
    },
    'request.cursor_invalid': { status: 400, zh: '分页游标无效。', en: 'The page cursor is not valid' },
    'request.not_found': { status: 404, zh: '没有这个管理接口。', en: 'No such admin API endpoint' },
    'request.method_not_allowed': {
      status: 405,
      zh: '该路径不支持此请求方法。',
      en: 'This method is not allowed on this path',
      description: 'The `Allow` header lists the methods of the path.',
    },
    'request.too_large': { status: 413, zh: '请求内容过大。', en: 'The request body is too large' },
    'request.unsupported_media_type': { status: 415, zh: '不支持的请求内容类型，请以 JSON 提交。', en: 'Unsupported media type: send JSON' },
  },
});
