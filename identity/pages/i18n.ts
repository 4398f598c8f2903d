import type Koa from 'koa';
import { passwordErrors } from '../../platform/error-codes/passwords.ts';
import { accountEn, accountZh } from './messages/account.ts';
import { smsEn, smsZh } from './messages/sms.ts';
import { secondFactorEn, secondFactorZh } from './messages/second-factor.ts';
import { qrEn, qrZh } from './messages/qr.ts';

export type Lang = 'zh' | 'en';

/** zh-CN by default; English with `?lang=en` (or `ui_locales`), or when the browser prefers it. */
export function pickLang(ctx: Pick<Koa.Context, 'query' | 'get'>): Lang {
  const asked = ctx.query.lang ?? ctx.query.ui_locales;
  const value = Array.isArray(asked) ? asked[0] : asked;
  if (value) return value.toLowerCase().startsWith('en') ? 'en' : 'zh';
  const first = ctx.get('accept-language').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh';
}

/** R18 — the Chinese words of each password rule are the error catalogue's (one text for the pages and the API). */
const passwordRules = passwordErrors.codes['password.policy_violation'].zhByDetail.messages;

const zh = {
  appName: '统一身份认证',
  signInTitle: '登录',
  username: '身份证号 / 手机号 / 统一社会信用代码',
  password: '密码',
  signIn: '登录',
  cancel: '取消登录',
  methodsLabel: '登录方式',
  methodPassword: '密码登录',
  signingInTo: '登录后将返回：',
  invalid_credentials: '用户名或密码错误。',
  locked: '账号已锁定：密码连续输错次数过多。请联系本单位管理员重置密码。',
  throttled: '尝试过于频繁，请稍后再试。',
  disabled: '账号已停用，请联系本单位管理员。',
  renamed: '该单位的临时代码已更换为统一社会信用代码 {code}，请使用新代码登录。',
  missing: '请输入用户名和密码。',
  csrf: '页面已过期，请重新提交。',
  changeTitle: '设置新密码',
  changeIntro: '首次登录、管理员重置或密码已到期（90 天）后，须先设置新密码才能继续。',
  newPassword: '新密码',
  confirmPassword: '确认新密码',
  changeSubmit: '保存并继续',
  mismatch: '两次输入的新密码不一致。',
  policyHint: '至少 {min} 位{classes}；不能包含身份证号、手机号或登录名；不能与最近 5 次使用的密码相同。',
  policyClasses: '，包含大写字母、小写字母、数字、符号中的至少三类',
  ...passwordRules,
  // The page knows the minimum it asks for; the catalogue's text cannot name it.
  too_short: '新密码太短：至少 {min} 位。',
  changedMeanwhile: passwordErrors.codes['password.changed_concurrently'].zh,
  chooseTitle: '选择账号',
  chooseIntro: '您有多个账号，请选择本次使用的身份：',
  kind_unit: '单位账号',
  kind_admin: '管理员',
  kind_operator: '经办人',
  continue: '继续',
  notYours: '所选账号不可用，请重新选择。',
  consentTitle: '授权确认',
  consentIntro: '应用“{client}”请求以下权限：',
  allow: '同意',
  deny: '拒绝',
  errorTitle: '出错了',
  expired: '登录页面已过期或已完成，请返回应用重新登录。',
  genericError: '请求无法完成，请返回应用重试。',
  unavailable: '服务暂时不可用，请稍后重试。',
  logoutTitle: '退出登录',
  logoutQuestion: '是否退出统一身份认证？',
  logoutAll: '退出（所有应用）',
  logoutOne: '仅退出当前应用',
  loggedOut: '您已安全退出。',
  ...accountZh,
  ...smsZh,
  ...secondFactorZh,
  ...qrZh,
};

type Messages = Record<keyof typeof zh, string>;

const en: Messages = {
  appName: 'Tongmen sign-in',
  signInTitle: 'Sign in',
  username: 'ID number, phone or unit code (USCC)',
  password: 'Password',
  signIn: 'Sign in',
  cancel: 'Cancel',
  methodsLabel: 'Ways to sign in',
  methodPassword: 'Password',
  signingInTo: 'You will return to:',
  invalid_credentials: 'Wrong sign-in name or password.',
  locked: 'This account is locked after too many wrong passwords. Ask your unit administrator to reset the password.',
  throttled: 'Too many attempts. Please try again later.',
  disabled: 'This account is disabled. Ask your unit administrator.',
  renamed: "This unit's temporary code was replaced by its own code {code}: sign in with the new code.",
  missing: 'Enter your sign-in name and password.',
  csrf: 'The page expired. Please submit again.',
  changeTitle: 'Set a new password',
  changeIntro: 'After the first sign-in, a reset by an administrator or when the password is 90 days old, set a new password to continue.',
  newPassword: 'New password',
  confirmPassword: 'Confirm new password',
  changeSubmit: 'Save and continue',
  mismatch: 'The two new passwords differ.',
  policyHint: 'At least {min} characters{classes}; without your ID number, phone or sign-in name; not one of your last 5 passwords.',
  policyClasses: ', with 3 of: upper-case, lower-case, digits, symbols',
  too_short: 'The new password is too short: at least {min} characters.',
  too_long: 'The new password is too long: at most 128 characters.',
  classes: 'Use at least 3 of: upper-case letters, lower-case letters, digits, symbols.',
  initial: 'The new password must differ from the initial password.',
  contains_id: 'The new password must not contain your ID number.',
  contains_phone: 'The new password must not contain your phone number.',
  contains_username: 'The new password must not contain your sign-in name.',
  common: 'The new password is too common; choose another.',
  history: 'The new password must not be one of your last 5 passwords.',
  changedMeanwhile: 'The password was changed meanwhile; please sign in again.',
  chooseTitle: 'Choose an account',
  chooseIntro: 'You have several accounts. Choose the one to act as:',
  kind_unit: 'Unit account',
  kind_admin: 'Administrator',
  kind_operator: 'Operator',
  continue: 'Continue',
  notYours: 'That account is not available; choose again.',
  consentTitle: 'Authorize',
  consentIntro: 'The application "{client}" asks for:',
  allow: 'Allow',
  deny: 'Deny',
  errorTitle: 'Something went wrong',
  expired: 'This sign-in page expired or was already completed. Go back to the application and sign in again.',
  genericError: 'The request could not be completed. Go back to the application and try again.',
  unavailable: 'The service is unavailable for a moment. Please try again shortly.',
  logoutTitle: 'Sign out',
  logoutQuestion: 'Sign out of Tongmen?',
  logoutAll: 'Sign out (all applications)',
  logoutOne: 'Only this application',
  loggedOut: 'You have signed out.',
  ...accountEn,
  ...smsEn,
  ...secondFactorEn,
  ...qrEn,
};

export type MessageKey = keyof Messages;
const CATALOGUE: Record<Lang, Messages> = { zh, en };

/** The message in `lang`, with `{name}` placeholders filled in (values are escaped on output). */
export function t(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return CATALOGUE[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(zh, key);
