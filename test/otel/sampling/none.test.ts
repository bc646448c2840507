import { describe, expect, it } from 'vitest';
import { samplingUnder } from './signal-traffic';

const send = samplingUnder({ alwaysSample: 'none' });

describe('alwaysSample: none', () => {
  it('leaves every decision to the configured sampler', async () => {
    expect(await send()).toEqual([]);
  });
});
