import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { guarded, type SubsystemKit } from '../kit/app.ts';
import { esc } from '../kit/pages.ts';
import type { Application, ApplicationStatus } from './application-repository.ts';
import type { ApplicationService, StepOutcome } from './application-service.ts';

const STATUS: Record<ApplicationStatus, string> = {
  draft: '草稿',
  submitted: '已提交，待单位核验',
  verified: '单位已核验，待推荐',
  recommended: '单位已推荐，待上报',
  forwarded: '已报送上级单位',
  evaluated: '已评审',
};
const STEP = { verify: '单位内部核验', recommend: '单位推荐上报', forward: '上级单位流转', evaluate: '评审' } as const;

const hidden = (csrf: string) => `<input type="hidden" name="csrf" value="${esc(csrf)}">`;
const row = (a: Application, actions = '') =>
  `<li data-application="${esc(a.id)}" data-status="${esc(a.status)}">${esc(a.applicantName)} · ${esc(a.title)} · ${esc(STATUS[a.status])}` +
  `${a.result ? ` · 结果：${a.result === 'pass' ? '通过' : '未通过'}` : ''}${actions}</li>`;
const list = (apps: Application[], actions: (a: Application) => string = () => '') =>
  apps.length ? `<ul>${apps.map((a) => row(a, actions(a))).join('')}</ul>` : '<p>暂无申报。</p>';
const stepForm = (csrf: string, id: string, step: string, label: string, extra = '') =>
  `<form method="post" action="/applications/${esc(id)}/${step}">${hidden(csrf)}${extra}` +
  `<label>意见 <input name="opinion" maxlength="500"></label><button type="submit">${esc(label)}</button></form>`;

/**
 * The pages of the title flow, each behind the module it belongs to (SPEC §7). A step that does not
 * apply (someone else's application, another unit's, the wrong state) is answered 404 without
 * saying which; a forward from a unit with no confirmed upper unit is answered 409.
 */
export function mountTitleRoutes(router: Router, kit: SubsystemKit, service: ApplicationService) {
  const after = (ctx: Context, outcome: StepOutcome, back: string) => {
    if (outcome === 'done') return ctx.redirect(back);
    if (outcome === 'no_upper_unit') return kit.render(ctx, '无法上报', '<p data-refused="no-upper-unit">本单位没有已确认的上级单位（归口），无法向上流转。</p>', 409);
    return kit.render(ctx, '未找到', '<p data-refused="not-found">该申报不存在、不在本单位或当前不能办理此步骤。</p>', 404);
  };
  const opinion = (ctx: Context) => (guarded(ctx).form['opinion'] ?? '').trim().slice(0, 500);

  router.get('/m/apply', kit.guard('title:apply'), async (ctx) => {
    const { caller, session } = guarded(ctx);
    const mine = await service.mine(caller);
    const submit = (a: Application) =>
      a.status === 'draft' ? `<form method="post" action="/applications/${esc(a.id)}/submit">${hidden(session.csrf)}<button type="submit">提交申报</button></form>` : '';
    kit.render(
      ctx,
      '职称在线申报',
      `<h2>我的申报</h2>${list(mine, submit)}<h2>新建申报</h2><form method="post" action="/applications">${hidden(session.csrf)}` +
        `<label>申报职称 <input name="title" required maxlength="100"></label>` +
        `<label>申报材料 <textarea name="materials" maxlength="5000"></textarea></label><button type="submit">保存草稿</button></form>`,
    );
  });

  router.post('/applications', kit.guard('title:apply'), async (ctx) => {
    const { caller, session, form } = guarded(ctx);
    const title = (form['title'] ?? '').trim();
    if (!title || title.length > 100) return kit.render(ctx, '请求无效', '<p>请填写申报职称（不超过 100 字）。</p>', 400);
    await service.createDraft(caller, session.profile.name ?? '', { title, materials: (form['materials'] ?? '').slice(0, 5000) });
    ctx.redirect('/m/apply');
  });

  router.post('/applications/:id/submit', kit.guard('title:apply'), async (ctx) =>
    after(ctx, await service.submit(guarded(ctx).caller, ctx.params['id']!), '/m/apply'),
  );

  router.get('/m/unit-verify', kit.guard('title:unit-verify'), async (ctx) => {
    const { caller, session } = guarded(ctx);
    const held = await service.heldByMyUnit(caller, ['draft', 'submitted']);
    kit.render(ctx, '单位内部核验', list(held, (a) => (a.status === 'submitted' ? stepForm(session.csrf, a.id, 'verify', '核验通过') : '')));
  });
  router.post('/applications/:id/verify', kit.guard('title:unit-verify'), async (ctx) =>
    after(ctx, await service.verify(guarded(ctx).caller, ctx.params['id']!, opinion(ctx)), '/m/unit-verify'),
  );

  router.get('/m/unit-recommend', kit.guard('title:unit-recommend'), async (ctx) => {
    const { caller, session } = guarded(ctx);
    kit.render(ctx, '单位推荐上报', list(await service.heldByMyUnit(caller, ['verified']), (a) => stepForm(session.csrf, a.id, 'recommend', '推荐')));
  });
  router.post('/applications/:id/recommend', kit.guard('title:unit-recommend'), async (ctx) =>
    after(ctx, await service.recommend(guarded(ctx).caller, ctx.params['id']!, opinion(ctx)), '/m/unit-recommend'),
  );

  router.get('/m/forward-upward', kit.guard('title:forward-upward'), async (ctx) => {
    const { caller, session } = guarded(ctx);
    const held = await service.heldByMyUnit(caller, ['recommended', 'forwarded']);
    kit.render(ctx, '上级单位流转', list(held, (a) => stepForm(session.csrf, a.id, 'forward', '报送上级单位')));
  });
  router.post('/applications/:id/forward', kit.guard('title:forward-upward'), async (ctx) =>
    after(ctx, await service.forward(guarded(ctx).caller, ctx.params['id']!, opinion(ctx)), '/m/forward-upward'),
  );

  router.get('/m/evaluate', kit.guard('title:evaluate'), async (ctx) => {
    const { caller, session } = guarded(ctx);
    const choice = '<label>结果 <select name="result"><option value="pass">通过</option><option value="fail">未通过</option></select></label>';
    kit.render(ctx, '评审', list(await service.heldByMyUnit(caller, ['forwarded']), (a) => stepForm(session.csrf, a.id, 'evaluate', '提交评审意见', choice)));
  });
  router.post('/applications/:id/evaluate', kit.guard('title:evaluate'), async (ctx) => {
    const result = guarded(ctx).form['result'] === 'fail' ? 'fail' : 'pass';
    return after(ctx, await service.evaluate(guarded(ctx).caller, ctx.params['id']!, result, opinion(ctx)), '/m/evaluate');
  });

  // The approval records the caller's unit owns (R11: they stay with the unit, whoever the applicant works for now).
  router.get('/approvals', kit.guard('title:unit-verify'), async (ctx) => {
    const records = await service.approvalsOfMyUnit(guarded(ctx).caller);
    const items = records.map(
      (r) => `<li data-approval="${esc(r.id)}" data-application="${esc(r.applicationId)}" data-step="${esc(r.step)}">${esc(r.applicantName)} · ${esc(r.title)} · ${esc(STEP[r.step])}${r.opinion ? ` · ${esc(r.opinion)}` : ''}</li>`,
    );
    kit.render(ctx, '本单位审批记录', items.length ? `<ul>${items.join('')}</ul>` : '<p>暂无记录。</p>');
  });
}
