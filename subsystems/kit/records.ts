import type { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { MODULES, moduleCode } from '../../directory/catalogue/modules.ts';
import { esc, moduleName } from './pages.ts';
import { guarded, type SubsystemKit } from './app.ts';

/**
 * The plain register every module of a subsystem has until its own business pages exist: a guarded
 * read (the caller's unit's records of that module) and a guarded write (add one). It proves the
 * guard per module (R9) and nothing more — no business rules are invented here. Records belong to
 * the unit that wrote them.
 */
export async function mountModuleRecords(router: Router, kit: SubsystemKit, ownPages: readonly string[] = []) {
  const table = `${kit.store.schema}.records`;
  await kit.store.query(`CREATE TABLE IF NOT EXISTS ${table} (
    id bigserial PRIMARY KEY, module text NOT NULL, unit_id text NOT NULL, author_sub text NOT NULL,
    subject text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  await kit.store.query(`CREATE INDEX IF NOT EXISTS records_unit_module ON ${table} (unit_id, module)`);

  /** Only the catalogue's modules exist; the guard then decides from the token's `modules`. */
  const byModule = async (ctx: Context, next: Next) => {
    const m = ctx.params['module'] ?? '';
    // A module with pages of its own (title's flow) has no register beside them.
    if (!Object.hasOwn(MODULES[kit.subsystem], m) || ownPages.includes(m)) {
      return kit.render(ctx, '未找到', '<p>没有这个资源模块。</p>', 404);
    }
    return kit.guard(moduleCode(kit.subsystem, m))(ctx, next);
  };

  router.get('/m/:module', byModule, async (ctx) => {
    const { caller } = guarded(ctx);
    const module = moduleCode(kit.subsystem, ctx.params['module']!);
    const rows = await kit.store.query<{ id: string; subject: string; created_at: Date }>(
      `SELECT id, subject, created_at FROM ${table} WHERE unit_id = $1 AND module = $2 ORDER BY id`,
      [caller.unitId, module],
    );
    const list = rows.length ? `<ul>${rows.map((r) => `<li data-record="${esc(r.id)}">${esc(r.subject)}</li>`).join('')}</ul>` : '<p>本单位暂无记录。</p>';
    const csrf = guarded(ctx).session.csrf;
    kit.render(
      ctx,
      moduleName(module),
      `${list}<form method="post" action="/m/${esc(ctx.params['module'])}"><input type="hidden" name="csrf" value="${esc(csrf)}">` +
        `<label>事项 <input name="subject" required maxlength="200"></label><button type="submit">登记</button></form>`,
    );
  });

  router.post('/m/:module', byModule, async (ctx) => {
    const { caller, form } = guarded(ctx);
    const subject = (form['subject'] ?? '').trim();
    if (!subject || subject.length > 200) return kit.render(ctx, '请求无效', '<p>请填写事项（不超过 200 字）。</p>', 400);
    await kit.store.query(`INSERT INTO ${table} (module, unit_id, author_sub, subject) VALUES ($1, $2, $3, $4)`, [
      moduleCode(kit.subsystem, ctx.params['module']!), caller.unitId, caller.sub, subject,
    ]);
    ctx.redirect(`/m/${ctx.params['module']}`);
  });
}
