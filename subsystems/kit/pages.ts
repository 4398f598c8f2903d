import { MODULES, SEEDED_ROLES, SUBSYSTEM_NAMES, type Subsystem } from '../../directory/catalogue/modules.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A subsystem page (zh-CN): plain HTML, no script, a logout form when signed in. */
export function page(subsystem: Subsystem, title: string, body: string, opts: { csrf?: string } = {}): string {
  const logout = opts.csrf
    ? `<form method="post" action="/logout"><input type="hidden" name="csrf" value="${esc(opts.csrf)}"><button type="submit">退出登录</button></form>`
    : '';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)} · ${esc(SUBSYSTEM_NAMES[subsystem])}</title></head>
<body><header><a href="/">${esc(SUBSYSTEM_NAMES[subsystem])}</a>${logout}</header><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

/** The Chinese name of a module code (`title:apply` → 职称在线申报). */
export const moduleName = (code: string) => {
  const [s, m] = code.split(':') as [Subsystem, string];
  return MODULES[s]?.[m] ?? code;
};

/** The provincial catalogue's roles that grant `module` (what the refusal page tells the operator to ask for). */
export const rolesGranting = (module: string) => SEEDED_ROLES.filter((r) => r.modules.includes(module));

/** R9: the page of a refused module, naming the role(s) of the catalogue that would grant it. */
export function moduleRefusedBody(module: string): string {
  const roles = rolesGranting(module);
  const which = roles.length
    ? `<p>可授予该模块的角色：</p><ul>${roles.map((r) => `<li data-role="${esc(r.code)}">${esc(r.name)}（${esc(r.code)}）</li>`).join('')}</ul>`
    : '<p>省级角色目录中暂无授予该模块的角色，请联系人社部门。</p>';
  return `<p data-refused="${esc(module)}">您的角色未授予资源模块“${esc(moduleName(module))}”（${esc(module)}）。</p>${which}<p>请联系本单位管理员授予相应角色。</p>`;
}

export const SEPARATION_BODY = '<p data-refused="separation-of-duties">单位账号和管理员账号不办理业务（R9），请使用经办账号登录。</p>';
