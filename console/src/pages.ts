import { get, type Page } from './api.ts';

/** Every page of a paged list (`next` cursors), up to `max` items. */
export async function all<T>(path: string, query: Record<string, string | number | undefined> = {}, max = 1000): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const page = await get<Page<T>>(path, { ...query, limit: 200, next });
    items.push(...page.items);
    next = page.next;
  } while (next && items.length < max);
  return items;
}
