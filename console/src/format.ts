import { lang } from './i18n.ts';

/** Dates are shown in China Standard Time, whatever the browser's zone (issue 10). */
const TIME_ZONE = 'Asia/Shanghai';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang.value === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: TIME_ZONE,
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }).format(d);
}

/** A date picked in the console (a day in China) as the instant that day starts there, for the API's filters. */
export function shanghaiDayStart(day: string): string {
  return `${day}T00:00:00+08:00`;
}
