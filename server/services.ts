/**
 * The directory is composed in `directory/index.ts` (issue 6 item 2). This name stays only until the
 * last importers above the directory (server/app.ts, admin-api/index.ts, cli/start.ts) say `Directory`.
 */
export type { Directory as Services } from '../directory/index.ts';
