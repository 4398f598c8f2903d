/**
 * The one interface every SMS gateway implements (R21): `console` for development and tests,
 * `aliyun` (Dysmsapi SendSms) and `tencent` (SMS API 3.0 SendSms). The code store, send limits and
 * audit events live above it; a gateway only delivers one message or throws
 * `sms.gateway_failed` (AppError, 502) without a secret or the phone in its message.
 */

/** One text message. */
export interface SmsMessage {
  /** Mainland mobile number, 11 digits (`13512342210`), or E.164 (`+8613512342210`). */
  readonly phone: string;
  /** The whole text as the person reads it; what the console gateway shows and stores. */
  readonly text: string;
  /**
   * The approved template the real gateways send instead of free text (providers in China send
   * templates only). `id` overrides the configured SMS_TEMPLATE_ID; `params` are the template's
   * variables: Aliyun receives them as the JSON object `TemplateParam`, Tencent as the array
   * `TemplateParamSet` in the order given here (its templates number their variables {1}, {2}…).
   */
  readonly template?: { readonly id?: string; readonly params: Readonly<Record<string, string>> };
}

/** What the gateway accepted: its own message id (Aliyun `BizId`, Tencent `SerialNo`, a UUID for `console`). */
export interface SmsReceipt {
  readonly id: string;
}

export interface SmsGateway {
  /** `console`, `aliyun` or `tencent`: for audit events. */
  readonly provider: string;
  /** Sends one message; rejects with AppError `sms.gateway_failed` when the gateway does not accept it. */
  send(message: SmsMessage): Promise<SmsReceipt>;
}

/**
 * A message kept by the console gateway for development and tests (the outbox of R21). The full
 * phone and text are kept here, never in the log.
 */
export interface OutboxEntry {
  readonly id: string;
  readonly phone: string;
  readonly text: string;
  readonly params: Readonly<Record<string, string>>;
  readonly sentAt: Date;
}

/**
 * Where the console gateway puts what it "sends" (development and tests only): in the memory of the
 * node that sent it, read through that node's `GET /dev/sms-outbox`.
 */
export interface SmsOutbox {
  append(entry: OutboxEntry): Promise<void>;
  /** Messages to `phone`, newest first. */
  list(phone: string): Promise<OutboxEntry[]>;
}

/** The text and template variables of a one-time code message (R21: valid 5 minutes). */
export function verificationCodeMessage(phone: string, code: string, minutes = 5): SmsMessage {
  return {
    phone,
    text: `您的验证码为 ${code}，${minutes} 分钟内有效。请勿将验证码告诉他人。`,
    template: { params: { code } },
  };
}
