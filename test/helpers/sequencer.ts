import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/**
 * Vitest's order (failed and slow first by its cache, larger files first without one), with
 * the crash test moved to the front: it is the longest file by far (about 230 s of a 530 s
 * run on two workers), and a fresh checkout, as CI has, has no cache to tell. Started last, it
 * ran alone on one worker for its whole length after the other had finished.
 */
export class CrashTestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (spec: TestSpecification) => spec.moduleId.includes('/test/crash/');
    return [...sorted.filter(first), ...sorted.filter((spec) => !first(spec))];
  }
}
