import { afterAll } from 'vitest';
import { flushTee, tapResponses } from './pii-tee.ts';

// Issue 12: every test process tees its servers' answers for the personal-information scan.
tapResponses();
afterAll(() => flushTee());
